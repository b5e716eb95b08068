"""Time from `import rds_backup_sim` to the first answered request (docs/performance.md,
"Python: import to first answer"). Run with the venv that has the wheel installed:

    target/py-test-venv/bin/python python/bench/first_answer.py [RUNS]

Each run is a fresh interpreter, so imports are cold as in a test session's first test.
Prints, per run, two figures in milliseconds: `import rds_backup_sim`, start `serve`, one
control-plane answer (`control`); and the same plus importing the official SDK, building
its client and one signed `DescribeBackups` answer (`sdk`)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, time
t0 = time.perf_counter()
import rds_backup_sim
sim = rds_backup_sim.Emulator().start()
sim.action({"Action": "Sim.CreateInstance", "DBInstanceId": "rm-a", "Engine": "MySQL"}, check=True)
control = time.perf_counter() - t0
from alibabacloud_rds20140815 import models
client = sim.client()
client.describe_backups(models.DescribeBackupsRequest(dbinstance_id="rm-a"))
sdk = time.perf_counter() - t0
sim.stop()
print(json.dumps({"control": control * 1000, "sdk": sdk * 1000}))
"""


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, check=True, text=True)
        results.append(json.loads(out.stdout))
    for key in ("control", "sdk"):
        values = sorted(r[key] for r in results)
        print(
            f"{key:8} ms: median {statistics.median(values):7.1f}  min {values[0]:7.1f}  max {values[-1]:7.1f}"
            f"  ({runs} runs: {', '.join(f'{v:.0f}' for v in (r[key] for r in results))})"
        )


if __name__ == "__main__":
    main()
