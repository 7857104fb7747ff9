#!/usr/bin/env bash
# The Slurm test: a real one-node Slurm (scripts/slurm-local.sh), an 8-shard job array of the B1000
# benchmark submitted by `leverage slurm --submit`, its merge compared with a single-process run bit for
# bit, one shard's job killed and the resubmission shown to rerun that shard alone; then a 4-shard
# `sweep` of the InvestAI risk-sharing model (with a stress) compared likewise.
#
# Needs root (it starts the daemons) and apt-get for slurm-wlm/munge when absent. Time-bounded; the
# daemons it started are stopped and its scratch folder removed on any exit.
# Usage: scripts/slurm-test.sh   (LEVERAGE=path/to/leverage; default .build/release/leverage)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
LEVERAGE="${LEVERAGE:-$ROOT/.build/release/leverage}"
[ -x "$LEVERAGE" ] || { echo "slurm-test: build first (swift build -c release): no $LEVERAGE" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "slurm-test: needs root to start slurmctld/slurmd" >&2; exit 1; }

WORK="$(mktemp -d /tmp/leverage-slurm-test.XXXXXX)"
export SLURM_LOCAL_DIR="$WORK/cluster"
# At most two CPUs: at most two shards run at a time, so the last is still queued when it is cancelled.
export SLURM_LOCAL_CPUS=2
cleanup() {
    local status=$?
    bash "$ROOT/scripts/slurm-local.sh" stop || true
    rm -rf "$WORK"
    [ $status = 0 ] && echo "slurm-test: passed" >&2 || echo "slurm-test: FAILED" >&2
    exit $status
}
trap cleanup EXIT
trap 'exit 143' INT TERM   # a timeout or ^C still stops the daemons (through the EXIT trap)
fail() { echo "slurm-test: FAIL: $*" >&2; exit 1; }
step() { echo "slurm-test: $*" >&2; }

eval "$(timeout 1200 bash scripts/slurm-local.sh start)"
export SLURM_CONF
cd "$WORK"

# Waits (at most $2 seconds) until no job named $1 is queued or running.
wait_for() {
    local name="$1" limit="$2"
    for _ in $(seq $((limit * 2))); do
        [ -z "$(squeue -h -n "$name" -t PENDING,RUNNING,CONFIGURING,COMPLETING -o %i)" ] && return 0
        # A merge whose dependency can never be met would wait forever.
        squeue -h -n "$name" -o %r | grep -q DependencyNeverSatisfied && return 0
        sleep 0.5
    done
    squeue >&2
    fail "jobs $name still queued after $limit s"
}

# Compares every table file of two result folders, byte for byte (full-precision numbers).
same_tables() {
    local a="$1" b="$2" n=0
    for f in "$a"/*.csv; do
        cmp -s "$f" "$b/$(basename "$f")" || fail "$(basename "$f") differs between $a and $b"
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || fail "no tables in $a"
    [ "$(ls "$b"/*.csv | wc -l)" = "$n" ] || fail "$b has other tables than $a"
    step "  $n tables identical ($(ls "$a"/*.csv | xargs -n1 basename | tr '\n' ' '))"
}

step "single-process reference: simulate benchmark-b1000, 120000 paths"
"$LEVERAGE" simulate benchmark-b1000 --paths 120000 --format csv --output single --quiet

step "leverage slurm --submit: 8 shards, then cancel shard 8 while it is queued"
out="$("$LEVERAGE" slurm benchmark-b1000 --shards 8 --paths 120000 --run-dir run --submit --quiet)"
echo "$out" >&2
array="$(awk '/^shards /{print $2}' run/jobs.txt)"
[ -n "$array" ] || fail "no shard job recorded"
scancel "${array}_8"
wait_for leverage-shards 300
[ -f run/parts/shard-008-of-008.part ] && fail "shard 8 ran before it could be cancelled"
for i in 1 2 3 4 5 6 7; do [ -f "run/parts/shard-00$i-of-008.part" ] || fail "shard $i wrote no part"; done
[ -d run/result ] && fail "the merge ran although shard 8 was cancelled"
sha256sum run/parts/*.part > before.sha
stat -c '%n %Y' run/parts/*.part > before.mtime

step "resubmit: only shard 8 may run again"
out="$("$LEVERAGE" slurm benchmark-b1000 --shards 8 --paths 120000 --run-dir run --submit --quiet)"
echo "$out" >&2
echo "$out" | grep -q "^submitted shards 8 of 8 as job" || fail "the resubmission did not submit exactly shard 8"
wait_for leverage-shards 300
wait_for leverage-merge 300
[ -d run/result ] || { cat run/logs/merge.log >&2 || true; fail "the merge wrote no result"; }
grep -v 'shard-008' before.sha | sha256sum --check --quiet || fail "a part of shards 1–7 changed"
grep -v 'shard-008' before.mtime | while read -r f t; do [ "$(stat -c %Y "$f")" = "$t" ] || fail "$f was rewritten"; done
for i in 1 2 3 4 5 6 7 8; do
    runs="$(grep -c "^shard $i/8: batches" "run/logs/shard-$i.log" || true)"
    [ "$runs" = 1 ] || fail "shard $i ran $runs times"
done
step "  shards 1–7 ran once, shard 8 once after its resubmission"
grep -q "merging 8 parts" run/logs/merge.log || fail "the merge log does not list its parts"
same_tables single run/result

step "sweep of investai-risk-sharing with a stress: 4 shards on Slurm vs one process"
"$LEVERAGE" sweep investai-risk-sharing --paths 30000 --cover first-loss=0:0.2:0.05 --stress pd=1.5 --format csv --output sweep-single --quiet
"$LEVERAGE" slurm investai-risk-sharing --command sweep --shards 4 --paths 30000 --run-dir sweep --submit --quiet -- \
    --cover first-loss=0:0.2:0.05 --stress pd=1.5 >&2
wait_for leverage-shards 300
wait_for leverage-merge 300
[ -d sweep/result ] || { cat sweep/logs/*.log >&2 || true; fail "the sweep merge wrote no result"; }
same_tables sweep-single sweep/result
