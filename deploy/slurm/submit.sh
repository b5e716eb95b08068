#!/bin/bash
# Submits the simulation array, then the merge, which starts only once every array task
# has succeeded (afterok on the array's job id). Set INSTANCES, DAYS, SEED or
# CONFIG=path/to/fleet.toml (on a shared file system) to run your own fleet:
#   INSTANCES=5000000 CONFIG=$PWD/fleet.toml deploy/slurm/submit.sh
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p results
array=$(sbatch --parsable --export=ALL simulate.sbatch)
sbatch --dependency="afterok:${array}" merge.sbatch
echo "simulation array ${array} submitted; the merge follows it"
