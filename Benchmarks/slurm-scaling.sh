#!/usr/bin/env bash
# Scaling of sharded runs on the local one-node Slurm (scripts/slurm-local.sh): for N = 1, 2, 4, 8
# shards of B1000 (one core per shard), the wall time from `leverage slurm --submit` to the merged
# result; then the merge's and one shard's time and peak memory (GNU time, re-run by hand on the same
# parts); and the single-process run for reference. Needs root. Usage: Benchmarks/slurm-scaling.sh [PATHS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PATHS="${1:-400000}"
LEVERAGE="${LEVERAGE:-$ROOT/.build/release/leverage}"
WORK="$(mktemp -d /tmp/leverage-slurm-scaling.XXXXXX)"
export SLURM_LOCAL_DIR="$WORK/cluster"
cleanup() { bash "$ROOT/scripts/slurm-local.sh" stop || true; rm -rf "$WORK"; }
trap cleanup EXIT
eval "$(bash scripts/slurm-local.sh start)"
export SLURM_CONF
cd "$WORK"
peak() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }
elapsed() { awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$1"; }
/usr/bin/time -v "$LEVERAGE" simulate benchmark-b1000 --paths "$PATHS" --format csv --output single --quiet 2> single.time
echo "single process, 2 threads: $(elapsed single.time) wall, $(peak single.time) MB peak; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| shards | wall time, submit → merged | per shard: time, peak memory | merge: time, peak memory | identical to one process |"
echo "|---:|---:|---:|---:|:---:|"
for n in 1 2 4 8; do
    start=$(date +%s.%N)
    "$LEVERAGE" slurm benchmark-b1000 --shards "$n" --paths "$PATHS" --run-dir "run$n" --submit --quiet >/dev/null
    for _ in $(seq 1200); do [ -f "run$n/result/manifest.json" ] && break; sleep 0.25; done
    wall=$(echo "$(date +%s.%N) - $start" | bc)
    /usr/bin/time -v "$LEVERAGE" merge "run$n/parts" --output "merge$n" --format csv --quiet 2> "merge$n.time"
    /usr/bin/time -v "$LEVERAGE" simulate benchmark-b1000 --paths "$PATHS" --threads 1 --shard "1/$n" --output "shard$n" --quiet 2> "shard$n.time"
    same=yes
    for f in single/*.csv; do cmp -s "$f" "run$n/result/$(basename "$f")" || same=no; done
    printf "| %d | %.1f s | %s, %s MB | %s, %s MB | %s |\n" "$n" "$wall" "$(elapsed "shard$n.time")" "$(peak "shard$n.time")" \
        "$(elapsed "merge$n.time")" "$(peak "merge$n.time")" "$same"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
