#!/usr/bin/env bash
# The dashboard GET /_sim/ui in a real browser (issue 13): Debian's Chromium, headless.
#
#   bash tests/browser/run.sh          # uses target/release/rds-backup-sim and `chromium`
#   RDS_BACKUP_SIM_BIN=path CHROMIUM=path bash tests/browser/run.sh
#
# Starts `serve` on 127.0.0.1:0, sets up instances (an active job, a quota at its limit, a
# locked instance, a tag holding <script>alert(1)</script>) and a few requests, lets
# Chromium load the page and run its script (--dump-dom, 3 s of virtual time: the page
# refreshes itself once), checks the rendered rows and cells and the refresh
# (check_dom.py), then saves screenshots in target/dashboard.png and
# target/dashboard-instance.png. Prints "N passed, M failed"; exits non-zero on a failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${RDS_BACKUP_SIM_BIN:-$root/target/release/rds-backup-sim}"
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [[ ! -x "$bin" ]]; then
  echo "browser: no server binary at $bin (build it: cargo build --release)" >&2
  echo "0 passed, 1 failed"; exit 1
fi
if [[ -z "$chromium" ]]; then
  echo "browser: no chromium on PATH (apt-get install chromium)" >&2
  echo "0 passed, 1 failed"; exit 1
fi

workdir="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

"$bin" serve --listen 127.0.0.1:0 --clock manual >"$workdir/out" 2>"$workdir/log" &
server_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$workdir/out" ]] && break
  sleep 0.1
done
endpoint="$(sed -n 's/.*listening on http:\/\/\([^;]*\);.*/\1/p' <"$workdir/out" | head -n1)"
if [[ -z "$endpoint" ]]; then
  echo "browser: the server did not start: $(cat "$workdir/log")" >&2
  echo "0 passed, 1 failed"; exit 1
fi

curl -fsS -X POST "http://$endpoint/_sim/replay" --data-binary @"$here/setup.jsonl" >"$workdir/setup.out"
# A few requests on / for the requests table: a real action that is not emulated (501), a
# typo (404) and an unsigned call (400).
for action in DescribeRegions DescribeRegionz CreateBackup; do
  curl -sS -o /dev/null "http://$endpoint/?Action=$action&DBInstanceId=rm-orders" || true
done
# The setup's Throttling fault f-1 fires on this API line (and retires); f-2 stays active.
curl -sS -o /dev/null -X POST "http://$endpoint/_sim/action" \
  --data-binary '{"Action":"CreateBackup","DBInstanceId":"rm-xss"}'

browse() { # browse URL FLAGS…: headless Chromium, as root needs --no-sandbox
  local url="$1"; shift
  timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --hide-scrollbars --no-first-run --no-default-browser-check \
    --user-data-dir="$workdir/profile" "$@" "$url" 2>>"$workdir/chromium.err"
}

mkdir -p "$root/target"
browse "http://$endpoint/_sim/ui" --virtual-time-budget=3000 --dump-dom >"$workdir/page.html"
# What the server saw of that visit: the page, then its own refresh 2 s later.
curl -fsS "http://$endpoint/_sim/requests" >"$workdir/requests.jsonl"
browse "http://$endpoint/_sim/ui?instance=rm-quota" --virtual-time-budget=1000 --dump-dom >"$workdir/instance.html"
browse "http://$endpoint/_sim/ui" --window-size=1440,820 --screenshot="$root/target/dashboard.png" >/dev/null
browse "http://$endpoint/_sim/ui?instance=rm-quota" --window-size=1440,900 \
  --screenshot="$root/target/dashboard-instance.png" >/dev/null

python3 "$here/check_dom.py" "$workdir/page.html" "$workdir/instance.html" "$workdir/requests.jsonl" \
  "$root/target/dashboard.png" "$root/target/dashboard-instance.png"
