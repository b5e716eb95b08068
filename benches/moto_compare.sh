#!/usr/bin/env bash
# Side by side with moto (the Python AWS mock): in-process `create_db_snapshot` against
# our in-process `create_backup`, on the same number of instances and calls, in one run.
# Prints both times and the ratio (docs/performance.md).
#
# Usage: bash benches/moto_compare.sh [INSTANCES] [CALLS]   (default 100 and 10000)
# Needs python3 with venv and network access to PyPI (moto and boto3 are installed into
# a virtual environment under target/, created on first use).
set -euo pipefail

INSTANCES="${1:-100}"
CALLS="${2:-10000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${MOTO_VENV:-$ROOT/target/moto-venv}"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet "moto[rds]" boto3
fi

cargo build --release --quiet --example compare_peer
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
read -r _ _ OURS < <("$TARGET_DIR/release/examples/compare_peer" "$INSTANCES" "$CALLS")

MOTO="$("$VENV/bin/python" - "$INSTANCES" "$CALLS" <<'PY'
import os, sys, time
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
# moto refuses more than 1,000 snapshots (automated ones included) by default: lift it.
os.environ["MOTO_RDS_SNAPSHOT_LIMIT"] = str(int(sys.argv[1]) + int(sys.argv[2]) + 1)
import boto3
from moto import mock_aws

instances, calls = int(sys.argv[1]), int(sys.argv[2])
with mock_aws():
    rds = boto3.client("rds", region_name="us-east-1")
    for i in range(instances):
        rds.create_db_instance(DBInstanceIdentifier=f"db-{i}", DBInstanceClass="db.t3.micro",
                               Engine="mysql", MasterUsername="admin",
                               MasterUserPassword="password123", AllocatedStorage=20)
    started = time.perf_counter()
    for call in range(calls):
        rds.create_db_snapshot(DBInstanceIdentifier=f"db-{call % instances}",
                               DBSnapshotIdentifier=f"snap-{call}")
    print(f"{time.perf_counter() - started:.6f}")
PY
)"

python3 - "$INSTANCES" "$CALLS" "$MOTO" "$OURS" <<'PY'
import sys
n, m, moto, ours = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print(f"instances {n}, calls {m}")
print(f"moto create_db_snapshot:     {moto:10.4f} s  {moto / m * 1e6:12.2f} us/call")
print(f"rds-backup-sim create_backup: {ours:10.6f} s  {ours / m * 1e9:12.1f} ns/call")
print(f"ratio (moto / ours): {moto / ours:,.0f}x")
PY
