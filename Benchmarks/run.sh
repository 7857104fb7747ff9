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

# Set-up: LAPACK/OpenBLAS and the pinned NumPy (scripts/setup.sh), GNU time for peak memory.
bash ../scripts/setup.sh
. ../scripts/lib.sh
python3 -c 'import numba' 2>/dev/null || pip install -q -r requirements.txt
install_missing_apt time
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} (left as is for both runs)"
echo "== building the Swift benchmark (release)"
swift build -c release --package-path . 2>&1 | tail -1
BIN=.build/release/b1000
OUT=$(mktemp -d)

REPS=${REPS:-3}
echo "== $REPS alternating repetitions of: Swift engine (all cores), NumPy $(python3 -c 'import numpy; print(numpy.__version__)') and Numba $(python3 -c 'import numba; print(numba.__version__)') (all cores), $PATHS paths each"
echo "   (the machine is shared: medians of alternating runs compare like with like)"
for r in $(seq 1 "$REPS"); do
  $BIN --paths "$PATHS" --seed $SEED > "$OUT/swift_$r.json"
  python3 numpy_b1000.py --paths "$PATHS" --seed $SEED > "$OUT/numpy_$r.json"
  python3 numba_b1000.py --paths "$PATHS" --seed $SEED > "$OUT/numba_$r.json"
done
echo "== Swift engine with the per-draw Φ-table test (the scheme before the skip scheme)"
$BIN --paths "$PATHS" --seed $SEED --default-test table > "$OUT/swift_table.json"
echo "== Swift engine, 1 thread; OPENBLAS_NUM_THREADS=1; exact Φ per draw (no table)"
$BIN --paths "$PATHS" --seed $SEED --threads 1 > "$OUT/swift1.json"
OPENBLAS_NUM_THREADS=1 $BIN --paths "$PATHS" --seed $SEED > "$OUT/swift_ob1.json"
$BIN --paths "$PATHS" --seed $SEED --exact > "$OUT/swift_exact.json"
echo "== rare events on the Glasserman–Li portfolio: run to 10 % relative error (importance sampling, plain)"
# a:x:P with P(L > x) exact by quadrature (glasserman_li_reference.py); three thresholds per loading,
# P from about 1e-3 to 1e-9.
.build/release/rare-events --plain-cap "${PLAIN_CAP:-2000000}" \
  0.3:800.5:5.935646128528289e-04 0.3:2007.5:1.4841857541602706e-07 0.3:2800.5:1.1410609860192697e-09 \
  0.5:2007.5:5.675537405149348e-04 0.5:6008.5:7.784456578756532e-08 0.5:7500.5:1.181722825552289e-09 > "$OUT/rare.jsonl"
echo "== solve investai-risk-sharing --paths 400000 against its simulation"
LEV=../.build/release/leverage
if [ -x "$LEV" ]; then
  for r in 1 2 3; do
    /usr/bin/time -f "%e %U" -o "$OUT/sim_time_$r" $LEV simulate investai-risk-sharing --paths 400000 --quiet > /dev/null
    /usr/bin/time -f "%e %U" -o "$OUT/solve_time_$r" $LEV solve investai-risk-sharing --paths 400000 --quiet > /dev/null
  done
fi
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
nb = [load(f"numba_{r}") for r in range(1, reps + 1)]
s1, sob, sx, tta, stab = load("swift1"), load("swift_ob1"), load("swift_exact"), load("swift_tta"), load("swift_table")
med = lambda rs: statistics.median(r["draws_per_second"] for r in rs)
s, n = sw[0], npy[0]
print()
print(f"{'implementation':48s} {'paths':>8s} {'draws/s (median)':>17s} {'all runs':>30s}")
def row(label, rs):
    print(f"{label:48s} {rs[0]['paths']:8d} {med(rs):17.3e}   " + " ".join(f"{r['draws_per_second']:.2e}" for r in rs))
row(f"Swift engine, all cores ({s['threads']} threads)", sw)
row(f"NumPy vectorised ({n['numpy']}), OPENBLAS_CORETYPE={n['openblas_coretype']}", npy)
row(f"Numba parallel ({nb[0]['numba']}, {nb[0]['threads']} threads)", nb)
row("Swift engine, per-draw Φ-table test", [stab])
row("Swift engine, 1 thread", [s1])
row("Swift engine, all cores, OPENBLAS_NUM_THREADS=1", [sob])
row("Swift engine, exact Φ per draw (no table)", [sx])
print(f"default test chosen by the engine: {s['default_test']}")
print(f"ratio Swift (all cores) / NumPy, medians: {med(sw) / med(npy):.1f}x")
print(f"ratio Swift (all cores) / Numba, medians: {med(sw) / med(nb):.1f}x")
print(f"skip scheme speed-up over the per-draw table test: {med(sw) / med([stab]):.2f}x")
print(f"ratio Swift (1 thread) / NumPy median:    {med([s1]) / med(npy):.1f}x")
print(f"Φ-table speed-up over exact Φ per draw:   {med(sw) / med([sx]):.2f}x "
      f"(Φ evaluated for {100 * s['exact_phi_fraction']:.3f} % of obligor draws)")
print()
print("tranche expected losses (EUR m), first run of each: |Δ| in combined SEs (must be ≤ 4)")
ok = True
for peer, rows in (("numpy", n), ("numba", nb[0])):
    for a, b in zip(s["tranches"], rows["tranches"]):
        se = math.hypot(a["se"], b["se"])
        z = abs(a["el"] - b["el"]) / se if se > 0 else (0 if a["el"] == b["el"] else math.inf)
        ok &= z <= 4
        print(f"  {a['name']:10s} swift {a['el']:.6f} ± {a['se']:.6f}   {peer} {b['el']:.6f} ± {b['se']:.6f}   |Δ| = {z:.2f} SE")
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
import os
print()
print("rare events, Glasserman–Li portfolio: time to a 10 % relative error on P(L > x) (run to accuracy, pilot included)")
print(f"{'a':>4s} {'x':>7s} {'exact P':>10s} {'IS estimate':>12s} {'rel.err':>8s} {'z':>6s} {'IS paths':>9s} {'IS s':>7s} {'plain s':>12s} {'NumPy s (proj.)':>16s}")
np_rate_paths = med(npy) / n["exposures"]
for line in open(f"{d}/rare.jsonl"):
    r = json.loads(line)
    ok &= abs(r["z"]) <= 4 and r["met"]
    pl = r["plain"]
    numpy_s = pl["paths_needed"] / np_rate_paths
    plain_s = f"{pl['seconds']:.4g}" + ("" if pl["measured"] else " (proj.)")
    print(f"{r['loading']:4.1f} {r['threshold']:7.1f} {r['exact']:10.3e} {r['estimate']:12.3e} {r['relative_error']:8.3f} {r['z']:6.2f} "
          f"{r['paths']:9d} {r['seconds']:7.2f} {plain_s:>12s} {numpy_s:16.4g}"
          f"   IS vs NumPy: {numpy_s / r['seconds']:.3g}x")
print("IS and plain (when measured): the library's run to accuracy, whole loop timed. plain (proj.): this engine's measured plain")
print("paths/s on the same portfolio × (1 − P)/(0.01·P) paths. NumPy: its B1000 rate (1000 obligors, same per-draw work) × the")
print("same paths — a projection, not a run (it would not fit in memory).")
if os.path.exists(f"{d}/sim_time_1"):
    sims = [float(open(f"{d}/sim_time_{r}").read().split()[1]) for r in (1, 2, 3)]
    solves = [float(open(f"{d}/solve_time_{r}").read().split()[1]) for r in (1, 2, 3)]
    print()
    print(f"solve investai-risk-sharing --paths 400000 (baseline + stressed: two simulations): CPU {statistics.median(solves):.2f} s; "
          f"simulate alone: CPU {statistics.median(sims):.2f} s; ratio {statistics.median(solves) / statistics.median(sims):.1f} "
          f"(≤ 2 per simulation: {statistics.median(solves) / (2 * statistics.median(sims)):.2f})")
sys.exit(0 if ok else 1)
PY
