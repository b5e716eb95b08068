#!/usr/bin/env bash
# Ours beside the perf prototype, interleaved in the same minutes (issue 12; the tables of
# docs/performance.md, "Issue 12, fifth pass", come from runs of this). The machine is
# shared and noisy: read each cell across rounds, and compare within a round only.
#
# usage: bash benches/proto_compare.sh PROTOTYPE_BINARY [ROUNDS]
#
# PROTOTYPE_BINARY is the perf prototype's `rdsproto` (issue 12 names it), built from
# its own sources with `cargo build --release`; this repository does not hold it.
# Each round: the `create_backup` bench at 1e3 and 1e6 (criterion's mean) and the
# prototype's `micro` (V3, V5b; median of three), first with transparent huge pages
# (ours: mimalloc's default; the prototype: HUGE=1), then on 4 KiB pages
# (MIMALLOC_ALLOW_THP=0; HUGE=0); then the fleet, 1e6 instances x 30 days, on 1 and 2
# threads (the prototype: `fleet perinst`, 1 shard on 1 thread, 16 on 2).
set -euo pipefail
proto=${1:?usage: benches/proto_compare.sh PROTOTYPE_BINARY [ROUNDS]}
rounds=${2:-2}
cd "$(dirname "$0")/.."
cargo build --release --quiet
for round in $(seq "$rounds"); do
  for huge in 1 0; do
    echo "### round $round: ours, huge pages=$huge ($(date -u +%T))"
    MIMALLOC_ALLOW_THP=$huge cargo bench --quiet --bench create_backup -- '/1000(000)?$' 2>&1 |
      awk '/^create_backup\// {cell=$1} {for (i = 1; i <= NF; i++) if ($i == "time:") print cell, $(i+3), $(i+4)}'
    echo "### round $round: prototype, HUGE=$huge ($(date -u +%T))"
    for variant in V3 V5b; do
      HUGE=$huge "$proto" micro 1000,1000000 3 4000000 "$variant" | tail -n +2 | cut -f1-4
    done
  done
  for threads in 1 2; do
    shards=1
    if [ "$threads" = 2 ]; then shards=16; fi
    echo "### round $round: fleet, $threads thread(s) ($(date -u +%T))"
    target/release/rds-backup-sim simulate --instances 1000000 --days 30 --threads "$threads" \
      --quiet --json | grep -E '"(requests|elapsed_seconds|decisions_per_second)"'
    "$proto" fleet perinst 1000000 30 "$shards" "$threads" | tr '\t' '\n' |
      grep -E '^(build_s|run_s|decisions|Mdec_per_s)='
  done
done
