#!/usr/bin/env bash
# Restart time and memory after 10^6 changes (docs/performance.md, "Restart after 10^6
# changes"). Builds nothing: run `cargo build --release -p rds-backup-sim-cli` first.
#
#   bash benches/restart.sh [CHANGES]
#
# 1,000 instances with daily policies, then CHANGES - 1,000 `Sim.AdvanceTime` lines of 1 s
# posted to /_sim/replay in 1 MiB batches (each line is one logged change). Then: the
# restart after a kill -9 (snapshot + up to 64 MiB of log to replay) and after a clean
# stop (snapshot only), each timed from exec to the start-up line, with its peak RSS; and
# for scale the peak RSS of an empty server and of an in-memory server given the same
# simulation by PUT /_sim/state.
set -euo pipefail
BIN=${BIN:-target/release/rds-backup-sim}
CHANGES=${1:-1000000}
DIR=$(mktemp -d)
PORT=${PORT:-18181}
trap 'rm -rf "$DIR"' EXIT

start() { # start ARGS... ; prints the pid after the start-up line, its time in $DIR/t
  "$@" >"$DIR/out" 2>"$DIR/err" &
  local pid=$!
  local t0; t0=$(date +%s.%N)
  until grep -q "listening" "$DIR/out" 2>/dev/null; do sleep 0.005; done
  echo "$(date +%s.%N) - $t0" | bc >"$DIR/t"
  echo "$pid"
}
gone() { while kill -0 "$1" 2>/dev/null; do sleep 0.05; done; }
peak_kb() { grep VmHWM "/proc/$1/status" | awk '{print $2}'; }
rss_kb() { grep VmRSS "/proc/$1/status" | awk '{print $2}'; }

python3 - "$DIR/lines" "$CHANGES" <<'PY'
import json, sys
path, changes = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    for i in range(1000):
        f.write(json.dumps({"Action": "Sim.CreateInstance", "DBInstanceId": f"rm-{i:04d}",
                            "Engine": "MySQL", "BackupPolicy": {"PreferredBackupTime": "02:00Z-03:00Z",
                            "PreferredBackupPeriod": "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday"}}) + "\n")
    for _ in range(changes - 1000):
        f.write('{"Action":"Sim.AdvanceTime","Seconds":1}\n')
PY
split -C 1000000 "$DIR/lines" "$DIR/batch."

pid=$(start "$BIN" serve --listen 127.0.0.1:$PORT --clock manual --state-dir "$DIR/state")
for b in "$DIR"/batch.*; do
  curl -sf -o /dev/null --data-binary @"$b" "http://127.0.0.1:$PORT/_sim/replay"
done
curl -sf "http://127.0.0.1:$PORT/_sim/state" >"$DIR/state.json"
echo "changes: $CHANGES; simulation JSON: $(wc -c <"$DIR/state.json") bytes; log $(wc -c <"$DIR/state/wal.log") bytes, snapshot $( (wc -c <"$DIR/state/snapshot") 2>/dev/null || echo 0) bytes"
kill -9 "$pid"; gone "$pid"

pid=$(start "$BIN" serve --listen 127.0.0.1:$PORT --state-dir "$DIR/state")
echo "restart after kill -9: $(cat "$DIR/t") s to the start-up line, peak RSS $(peak_kb "$pid") KB, RSS $(rss_kb "$pid") KB ($(grep -o '([0-9]* changes recovered)' "$DIR/out"))"
kill -TERM "$pid"; gone "$pid"

pid=$(start "$BIN" serve --listen 127.0.0.1:$PORT --state-dir "$DIR/state")
echo "restart after a clean stop: $(cat "$DIR/t") s, peak RSS $(peak_kb "$pid") KB, RSS $(rss_kb "$pid") KB"
kill -TERM "$pid"; gone "$pid"

pid=$(start "$BIN" serve --listen 127.0.0.1:$PORT --clock manual)
echo "empty server: peak RSS $(peak_kb "$pid") KB"
curl -sf -o /dev/null -X PUT --data-binary @"$DIR/state.json" "http://127.0.0.1:$PORT/_sim/state"
echo "in-memory server holding the same simulation (after PUT /_sim/state): RSS $(rss_kb "$pid") KB, peak $(peak_kb "$pid") KB"
kill -TERM "$pid"; gone "$pid"
