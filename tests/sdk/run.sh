#!/usr/bin/env bash
# The official Alibaba SDKs against `rds-backup-sim serve` (issue 6, item 4).
#
#   bash tests/sdk/run.sh            # uses target/release/rds-backup-sim
#   RDS_BACKUP_SIM_BIN=path bash tests/sdk/run.sh
#
# Installs (once, cached in tests/sdk/.venv and tests/sdk/node/node_modules):
#   PyPI: alibabacloud-rds20140815, alibabacloud-tea-openapi, aliyun-python-sdk-rds,
#         aliyun-python-sdk-core;  npm: @alicloud/rds20140815, @alicloud/openapi-core.
# Starts the server on 127.0.0.1:0, runs the Python and Node suites, prints
# "N passed, M failed" and exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${RDS_BACKUP_SIM_BIN:-$root/target/release/rds-backup-sim}"
if [[ ! -x "$bin" ]]; then
  echo "sdk: no server binary at $bin (build it: cargo build --release)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

python="${PYTHON:-python3}"
venv="$here/.venv"
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  alibabacloud-rds20140815 alibabacloud-tea-openapi aliyun-python-sdk-rds aliyun-python-sdk-core
(cd "$here/node" && npm install --silent --no-audit --no-fund >/dev/null)

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

"$bin" serve --listen 127.0.0.1:0 --clock real >"$workdir/out" 2>"$workdir/err" &
server_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$workdir/out" ]] && break
  sleep 0.1
done
banner="$(head -n1 "$workdir/out" || true)"
endpoint="$(sed -n 's/.*listening on http:\/\/\([^;]*\);.*/\1/p' <<<"$banner")"
if [[ -z "$endpoint" ]]; then
  echo "sdk: the server did not start: $(cat "$workdir/err")" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
echo "sdk: $banner"

passed=0
failed=0
tally() { # reads "N passed, M failed" lines from a suite's output
  local out="$1" line p f
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -n1 || true)"
  if [[ -z "$line" ]]; then
    failed=$((failed + 1))
    return
  fi
  p="${line%% passed*}"
  f="${line#*passed, }"; f="${f%% failed}"
  passed=$((passed + p))
  failed=$((failed + f))
}

py_out="$("$venv/bin/python" "$here/sdk_test.py" "$endpoint" 2>&1)" || true
echo "$py_out"
tally "$py_out"

node_out="$(cd "$here/node" && node sdk_test.js "$endpoint" 2>&1)" || true
echo "$node_out"
tally "$node_out"

echo "$passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
