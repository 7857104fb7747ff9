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

echo "== Swift engine, $PATHS paths, all cores"
$BIN --paths "$PATHS" --seed $SEED --target-se "$TARGET_SE" > "$OUT/swift.json"
echo "== Swift engine, $PATHS paths, 1 thread (for scaling)"
$BIN --paths "$PATHS" --seed $SEED --threads 1 > "$OUT/swift1.json"
echo "== Swift engine, $PATHS paths, all cores, OPENBLAS_NUM_THREADS=1 (no idle BLAS pool threads)"
OPENBLAS_NUM_THREADS=1 $BIN --paths "$PATHS" --seed $SEED > "$OUT/swift_ob1.json"
echo "== Swift engine, $PATHS paths, exact Φ default test (no table), all cores"
$BIN --paths "$PATHS" --seed $SEED --exact > "$OUT/swift_exact.json"
echo "== NumPy $(python3 -c 'import numpy; print(numpy.__version__)'), $PATHS paths"
python3 numpy_b1000.py --paths "$PATHS" --seed $SEED > "$OUT/numpy.json"

echo "== peak memory (maximum resident set size), Swift engine"
for p in 100000 400000; do
  /usr/bin/time -v $BIN --paths $p --seed $SEED > /dev/null 2> "$OUT/time_$p.txt"
  echo "$p $(grep 'Maximum resident set size' "$OUT/time_$p.txt" | awk '{print $NF}')" >> "$OUT/rss.txt"
done

python3 - "$OUT" <<'PY'
import json, math, sys
d = sys.argv[1]
load = lambda n: json.load(open(f"{d}/{n}.json"))
s, s1, sob, sx, n = load("swift"), load("swift1"), load("swift_ob1"), load("swift_exact"), load("numpy")
print()
print(f"{'implementation':44s} {'paths':>8s} {'seconds':>8s} {'draws/s':>12s}")
for label, r in [("Swift engine, all cores (" + str(s['threads']) + " threads)", s),
                 ("Swift engine, 1 thread", s1),
                 ("Swift engine, all cores, OPENBLAS_NUM_THREADS=1", sob),
                 ("Swift engine, exact Φ per draw (no table)", sx),
                 ("NumPy vectorised (" + str(n['numpy']) + ")", n)]:
    print(f"{label:44s} {r['paths']:8d} {r['seconds']:8.2f} {r['draws_per_second']:12.3e}")
print(f"ratio Swift (all cores) / NumPy draws/s: {s['draws_per_second'] / n['draws_per_second']:.1f}x")
print(f"ratio Swift (1 thread)  / NumPy draws/s: {s1['draws_per_second'] / n['draws_per_second']:.1f}x")
print(f"Φ-table speed-up over exact Φ per draw: {s['draws_per_second'] / sx['draws_per_second']:.2f}x "
      f"(Φ evaluated for {100 * s['exact_phi_fraction']:.3f} % of obligor draws)")
print()
print("tranche expected losses (EUR m): Swift vs NumPy, |Δ| in combined SEs (must be ≤ 4)")
ok = True
for a, b in zip(s["tranches"], n["tranches"]):
    se = math.hypot(a["se"], b["se"])
    z = abs(a["el"] - b["el"]) / se if se > 0 else (0 if a["el"] == b["el"] else math.inf)
    ok &= z <= 4
    print(f"  {a['name']:10s} swift {a['el']:.6f} ± {a['se']:.6f}   numpy {b['el']:.6f} ± {b['se']:.6f}   |Δ| = {z:.2f} SE")
print("agreement:", "OK" if ok else "FAILED")
print()
rss = [l.split() for l in open(f"{d}/rss.txt")]
for p, kb in rss:
    print(f"peak RSS, Swift engine, {int(p):7d} paths: {int(kb) / 1024:.1f} MiB")
print("(a paths × exposures array of doubles would need "
      + ", ".join(f"{int(p) * 1000 * 8 / 2**20:.0f} MiB" for p, _ in rss) + ")")
t = s.get("time_to_accuracy")
if t:
    rate_paths_np = n["draws_per_second"] / n["exposures"]
    print()
    print(f"time to accuracy: senior-tranche EL standard error ≤ {t['target_senior_se']} EUR m")
    print(f"  paths needed (estimated from the {s['paths']}-path pilot's SE, {t['runs']} run(s)): {t['paths']}")
    print(f"  Swift engine: {t['seconds']:.2f} s measured, SE reached {t['senior_se']:.6f}")
    print(f"  NumPy: {t['paths'] / rate_paths_np:.1f} s projected at its measured rate (same estimator, same variance per path)")
sys.exit(0 if ok else 1)
PY
