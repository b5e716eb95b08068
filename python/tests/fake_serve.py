"""A stand-in for `rds-backup-sim` (see helpers.fake_serve); not a test module."""

import http.server
import json
import signal
import sys
import time

BEHAVIOUR = ""

if sys.argv[1:2] == ["serve"] and "--help" in sys.argv:
    print("Usage: rds-backup-sim serve [OPTIONS]\n      --listen <LISTEN>\n      --clock <CLOCK>")
    sys.exit(0)


class Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_sim/health":
            self._answer(200, {"status": "ok"})
        else:
            self._answer(404, {"HttpStatus": 404, "Code": "Sim.NotFound", "Message": "No such control-plane path."})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer(
            404,
            {
                "HttpStatus": 404,
                "Code": "InvalidAction.NotFound",
                "Message": "Specified api is not found, please check your url and method.",
            },
        )

    def log_message(self, *args):
        pass


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
if BEHAVIOUR == "silent":
    time.sleep(600)
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(f"rds-backup-sim serve: listening on http://127.0.0.1:{server.server_port}; clock real; fake", flush=True)
if BEHAVIOUR == "flood":
    chunk = "x" * 1023 + "\n"
    for _ in range(4096):
        sys.stdout.write(chunk)
        sys.stderr.write(chunk)
    sys.stdout.flush()
    sys.stderr.flush()
server.serve_forever()
