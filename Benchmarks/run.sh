#!/usr/bin/env bash
# B1000 benchmark: the Leverage Monte Carlo engine (Swift) vs a vectorised NumPy implementation
# of the same model, on this machine, side by side.
#
#   Benchmarks/run.sh [paths]        (default 200000 for both; rates, not totals, are compared)
#
# Prints draws/s (paths × exposures / wall-clock second) for each and their ratio, checks that
# the tranche expected losses agree within their standard errors, reports peak memory (maximum
# resident set size) of the Swift engine at two path counts, and the time to reach a target
# standard error on the senior tranche's expected loss.
set -euo pipefail
cd "$(dirname "$0")"
PATHS=${1:-200000}
SEED=20261122
TARGET_SE=${TARGET_SE:-0.0005}   # EUR m, senior tranche EL

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} (left as is for both runs)"
echo "== building the Swift benchmark (release)"
swift build -c release --package-path . 2>&1 | tail -1
BIN=.build/release/b1000
OUT=$(mktemp -d)

REPS=${REPS:-3}
echo "== $REPS alternating repetitions of: Swift engine (all cores) and NumPy $(python3 -c 'import numpy; print(numpy.__version__)'), $PATHS paths each"
echo "   (the machine is shared: medians of alternating runs compare like with like)"
for r in $(seq 1 "$REPS"); do
  $BIN --paths "$PATHS" --seed $SEED > "$OUT/swift_$r.json"
  python3 numpy_b1000.py --paths "$PATHS" --seed $SEED > "$OUT/numpy_$r.json"
done
echo "== Swift engine, 1 thread; OPENBLAS_NUM_THREADS=1; exact Φ per draw (no table)"
$BIN --paths "$PATHS" --seed $SEED --threads 1 > "$OUT/swift1.json"
OPENBLAS_NUM_THREADS=1 $BIN --paths "$PATHS" --seed $SEED > "$OUT/swift_ob1.json"
$BIN --paths "$PATHS" --seed $SEED --exact > "$OUT/swift_exact.json"
echo "== time to accuracy (Swift engine)"
$BIN --paths "$PATHS" --seed $SEED --target-se "$TARGET_SE" > "$OUT/swift_tta.json"

echo "== peak memory (maximum resident set size), Swift engine"
for p in 100000 400000; do
  /usr/bin/time -v $BIN --paths $p --seed $SEED > /dev/null 2> "$OUT/time_$p.txt"
  echo "$p $(grep 'Maximum resident set size' "$OUT/time_$p.txt" | awk '{print $NF}')" >> "$OUT/rss.txt"
done

python3 - "$OUT" "$REPS" <<'PY'
import json, math, statistics, sys
d, reps = sys.argv[1], int(sys.argv[2])
load = lambda n: json.load(open(f"{d}/{n}.json"))
sw = [load(f"swift_{r}") for r in range(1, reps + 1)]
npy = [load(f"numpy_{r}") for r in range(1, reps + 1)]
s1, sob, sx, tta = load("swift1"), load("swift_ob1"), load("swift_exact"), load("swift_tta")
med = lambda rs: statistics.median(r["draws_per_second"] for r in rs)
s, n = sw[0], npy[0]
print()
print(f"{'implementation':48s} {'paths':>8s} {'draws/s (median)':>17s} {'all runs':>30s}")
def row(label, rs):
    print(f"{label:48s} {rs[0]['paths']:8d} {med(rs):17.3e}   " + " ".join(f"{r['draws_per_second']:.2e}" for r in rs))
row(f"Swift engine, all cores ({s['threads']} threads)", sw)
row(f"NumPy vectorised ({n['numpy']}), OPENBLAS_CORETYPE={n['openblas_coretype']}", npy)
row("Swift engine, 1 thread", [s1])
row("Swift engine, all cores, OPENBLAS_NUM_THREADS=1", [sob])
row("Swift engine, exact Φ per draw (no table)", [sx])
print(f"ratio Swift (all cores) / NumPy, medians: {med(sw) / med(npy):.1f}x")
print(f"ratio Swift (1 thread) / NumPy median:    {med([s1]) / med(npy):.1f}x")
print(f"Φ-table speed-up over exact Φ per draw:   {med(sw) / med([sx]):.2f}x "
      f"(Φ evaluated for {100 * s['exact_phi_fraction']:.3f} % of obligor draws)")
print()
print("tranche expected losses (EUR m), first run of each: |Δ| in combined SEs (must be ≤ 4)")
ok = True
for a, b in zip(s["tranches"], n["tranches"]):
    se = math.hypot(a["se"], b["se"])
    z = abs(a["el"] - b["el"]) / se if se > 0 else (0 if a["el"] == b["el"] else math.inf)
    ok &= z <= 4
    print(f"  {a['name']:10s} swift {a['el']:.6f} ± {a['se']:.6f}   numpy {b['el']:.6f} ± {b['se']:.6f}   |Δ| = {z:.2f} SE")
print("agreement:", "OK" if ok else "FAILED")
print("(repeated Swift runs with the same seed are bit-identical:",
      "yes)" if all(r["tranches"] == s["tranches"] for r in sw) else "NO)")
print()
rss = [l.split() for l in open(f"{d}/rss.txt")]
for p, kb in rss:
    print(f"peak RSS, Swift engine, {int(p):7d} paths: {int(kb) / 1024:.1f} MiB")
print("(for scale: a paths × exposures array of doubles would need "
      + ", ".join(f"{int(p) * 1000 * 8 / 2**20:.0f} MiB" for p, _ in rss) + ")")
t = tta.get("time_to_accuracy")
if t:
    rate_paths_np = med(npy) / n["exposures"]
    print()
    print(f"time to accuracy: senior-tranche EL standard error ≤ {t['target_senior_se']} EUR m")
    print(f"  paths needed (estimated from a {tta['paths']}-path pilot, {t['runs']} run(s)): {t['paths']}")
    print(f"  Swift engine: {t['seconds']:.2f} s measured, SE reached {t['senior_se']:.6f}")
    print(f"  NumPy: {t['paths'] / rate_paths_np:.1f} s projected at its median rate (same estimator, same variance per path)")
sys.exit(0 if ok else 1)
PY
