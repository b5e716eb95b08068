#!/usr/bin/env bash
# The Python package in CI (called by .ci/run; runs alone too: `bash python/ci.sh`):
#   1. in target/py-venv (from PyPI): mypy --strict and ruff on the package, then maturin
#      builds the wheel of python/ (the cli binary, reusing the workspace's target/, plus
#      the pure-Python package);
#   2. a fresh venv (target/py-test-venv) installs the wheel, pytest and the official SDK;
#   3. `rds-backup-sim --version` runs from that venv;
#   4. the package's pytest suite (python/tests, python/examples) runs against the
#      installed wheel. pytest's exit status 5 (no tests collected) fails the step.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
pip_quiet=(--quiet --disable-pip-version-check)

build_venv="$root/target/py-venv"
[[ -x "$build_venv/bin/python" ]] || "$python" -m venv "$build_venv"
# The official SDK too: mypy checks the package's imports of it.
"$build_venv/bin/python" -m pip install "${pip_quiet[@]}" "maturin>=1.5,<2" "pytest>=7.4" "mypy>=1.8" "ruff>=0.5" \
  "alibabacloud-rds20140815>=5" "alibabacloud-tea-openapi>=0.3.8"

# The package is typed (py.typed) and linted: mypy --strict and ruff, settings in pyproject.toml.
(cd python && "$build_venv/bin/mypy" && "$build_venv/bin/ruff" check . && "$build_venv/bin/ruff" format --check .)

wheels="$root/target/wheels-python"
rm -rf "$wheels"
(cd python && "$build_venv/bin/maturin" build --release --quiet --out "$wheels")
shopt -s nullglob
built=("$wheels"/rds_backup_sim-*.whl)
if [[ ${#built[@]} -ne 1 ]]; then
  echo "python: expected one wheel in $wheels, found ${#built[@]}" >&2
  exit 1
fi
echo "python: built $(basename "${built[0]}")"

test_venv="$root/target/py-test-venv"
rm -rf "$test_venv"
"$python" -m venv "$test_venv"
"$test_venv/bin/python" -m pip install "${pip_quiet[@]}" \
  "${built[0]}" "pytest>=7.4" "alibabacloud-rds20140815>=5" "alibabacloud-tea-openapi>=0.3.8"
"$test_venv/bin/rds-backup-sim" --version

# From python/, so that its pyproject.toml's pytest settings apply; the package is imported
# from the venv (python/src is not on sys.path), and the binary is the wheel's.
status=0
(cd python && env -u RDS_BACKUP_SIM_BIN "$test_venv/bin/python" -m pytest -q -rs) || status=$?
if [[ $status -eq 5 ]]; then
  echo "python: pytest collected no tests (exit status 5): failing the step" >&2
  exit 1
fi
exit "$status"
