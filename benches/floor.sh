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
#
# usage: bash benches/floor.sh PROTOTYPE_DIR instructions
#
# Instead of timing: instructions per request at 1e3, the same on every host (valgrind's
# callgrind; docs/performance.md, "Issue 12, twelfth pass"). Collected only inside the
# function that sends a round (ours: `send` in benches/create_backup.rs, run as
# CREATE_BACKUP_CELL=CELL:N:ROUNDS; the prototype's `S::pass`, one cell of `micro` by the
# patch's CELL variable), as the difference between 2 and 12 rounds over 1,000 instances,
# so that building and priming cancel out.
set -euo pipefail
src=${1:?usage: bash benches/floor.sh PROTOTYPE_DIR [ROUNDS|instructions]}
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
if [ "$rounds" = instructions ]; then
  # Instructions collected inside function $1 while running the rest of the arguments.
  collected() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
      --toggle-collect="$1" "${@:2}" 2>&1 | awk '/Collected :/ {print $4}'
  }
  # Runs of r1 and r2 rounds over n instances: their difference is (r2 - r1) * n requests.
  n=1000 r1=2 r2=12
  per_request() { awk -v a="$1" -v b="$2" -v k=$(( (r2 - r1) * n )) 'BEGIN { printf "%.1f", (b - a) / k }'; }
  ours=$(cd "$here/.." && cargo bench --bench create_backup --no-run \
    --message-format=json-render-diagnostics | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
  for cell in accept reject_job_exists reject_not_found batch_accept batch_reject_job_exists; do
    a=$(CREATE_BACKUP_CELL=$cell:$n:$r1 collected '*create_backup*send*' "$ours")
    b=$(CREATE_BACKUP_CELL=$cell:$n:$r2 collected '*create_backup*send*' "$ours")
    echo "ours $cell $(per_request "$a" "$b")"
  done
  for variant in V3-table V3c V5b V5c; do
    for cell in accept reject notfound; do
      a=$(CELL=$cell collected '*bench*S*pass*' "$bin" micro $n 1 $(( r1 * n )) "$variant")
      b=$(CELL=$cell collected '*bench*S*pass*' "$bin" micro $n 1 $(( r2 * n )) "$variant")
      echo "$variant $cell $(per_request "$a" "$b")"
    done
  done
  exit 0
fi
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
