#!/usr/bin/env bash
# The official Alibaba SDKs against `rds-backup-sim serve` (issue 6, item 4).
#
#   bash tests/sdk/run.sh            # uses target/release/rds-backup-sim
#   RDS_BACKUP_SIM_BIN=path bash tests/sdk/run.sh
#
# Installs (once, cached in tests/sdk/.venv and tests/sdk/node/node_modules):
#   PyPI: alibabacloud-rds20140815, alibabacloud-tea-openapi, aliyun-python-sdk-rds,
#         aliyun-python-sdk-core;  npm: @alicloud/rds20140815, @alicloud/openapi-core.
# Starts the server on 127.0.0.1:0 (and a second one with --accept-any-key), runs the
# Python and Node suites, prints
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
server_pids=()
cleanup() {
  for pid in "${server_pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$workdir"
}
trap cleanup EXIT

start_server() { # start_server NAME FLAGS…: prints the endpoint of `serve FLAGS…`
  local name="$1"; shift
  "$bin" serve --listen 127.0.0.1:0 "$@" >"$workdir/$name.out" 2>"$workdir/$name.err" &
  server_pids+=($!)
  for _ in $(seq 1 100); do
    [[ -s "$workdir/$name.out" ]] && break
    sleep 0.1
  done
  sed -n 's/.*listening on http:\/\/\([^;]*\);.*/\1/p' <"$workdir/$name.out" | head -n1
}

start_server main --clock real >"$workdir/main.endpoint"
endpoint="$(cat "$workdir/main.endpoint")"
# A second server for the tests that make up their credentials (issue 13).
start_server anykey --clock real --accept-any-key >"$workdir/anykey.endpoint"
any_key_endpoint="$(cat "$workdir/anykey.endpoint")"
if [[ -z "$endpoint" || -z "$any_key_endpoint" ]]; then
  echo "sdk: the servers did not start: $(cat "$workdir"/*.err)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
echo "sdk: $(head -n1 "$workdir/main.out")"
echo "sdk: $(head -n1 "$workdir/anykey.out")"

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

py_out="$("$venv/bin/python" "$here/sdk_test.py" "$endpoint" "$any_key_endpoint" 2>&1)" || true
echo "$py_out"
tally "$py_out"

node_out="$(cd "$here/node" && node sdk_test.js "$endpoint" "$any_key_endpoint" 2>&1)" || true
echo "$node_out"
tally "$node_out"

echo "$passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
