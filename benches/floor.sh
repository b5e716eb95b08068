#!/usr/bin/env bash
# The contract's floor (issue 12; docs/performance.md, "Issue 12, eighth pass"): the perf
# prototype's own layout made to do what this crate's contract makes a CreateBackup do,
# measured beside the prototype in the same minutes. It answers whether a miss of the
# issue's ratios comes from our layout or from the work the contract asks for.
#
# usage: bash benches/floor.sh PROTOTYPE_DIR [ROUNDS]
#
# PROTOTYPE_DIR holds the perf prototype's sources (issue 12 names it; this repository
# does not). They are copied to a temporary directory, benches/floor/prototype-contract.patch
# is applied there (it adds src/contract.rs: V3c, one call at a time on V3's layout; V5c,
# the same behind V5b's batch of 32 with prefetch; `fleet perinst-c`, the fleet's requests
# through it) and the copy is built. Each round, with transparent huge pages (HUGE=1):
# `micro` at 1e3 and 1e6 for V3, V3c, V5b and V5c, V3c again without the ended jobs'
# records (NO_RECORD=1), then `fleet perinst` and `fleet perinst-c` (1e6 instances x 30
# days; 1 shard on 1 thread, 16 on 2). Compare within a round: the machine is shared.
set -euo pipefail
src=${1:?usage: bash benches/floor.sh PROTOTYPE_DIR [ROUNDS]}
rounds=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/proto"
(cd "$src" && tar --exclude=./target -cf - .) | (cd "$work/proto" && tar -xf -)
cd "$work/proto"
git apply -p1 "$here/floor/prototype-contract.patch"
cargo build --release --quiet
bin=$work/proto/target/release/rdsproto
for round in $(seq "$rounds"); do
  echo "### round $round: micro, HUGE=1 ($(date -u +%T))"
  for variant in V3-table V3c V5b V5c; do
    HUGE=1 "$bin" micro 1000,1000000 3 4000000 "$variant" | tail -n +2 | cut -f1-4
  done
  echo "### round $round: V3c without records ($(date -u +%T))"
  NO_RECORD=1 HUGE=1 "$bin" micro 1000,1000000 3 4000000 V3c | tail -n +2 | cut -f1-4
  for threads in 1 2; do
    shards=1
    if [ "$threads" = 2 ]; then shards=16; fi
    echo "### round $round: fleet, $threads thread(s) ($(date -u +%T))"
    for mode in perinst perinst-c; do
      echo -n "$mode "
      "$bin" fleet "$mode" 1000000 30 "$shards" "$threads" | tr '\t' '\n' |
        grep -E '^(run_s|decisions|Mdec_per_s)=' | tr '\n' ' '
      echo
    done
  done
done
