#!/usr/bin/env bash
# Measures what runs really take beside what `leverage --estimate` says they will take (the
# estimator in RiskSharing/ResourceEstimate.swift, RiskCover/CoverEstimate.swift and
# ProjectFinance/StressEstimate.swift): peak RSS (getrusage of the child) and wall time, per run.
# The estimate should be at or above the measured peak memory and within a small factor of the
# time; results are appended to Benchmarks/memory-and-time.txt with the date.
#
# Usage: bash Benchmarks/memory-and-time.sh
set -euo pipefail
cd "$(dirname "$0")/.."
leverage=.build/release/leverage
[ -x "$leverage" ] || swift build -c release --product leverage
runs=(
    "simulate benchmark-b1000 --paths 200000 --threads 2"
    "simulate benchmark-b1000 --paths 1000000 --threads 2"
    "simulate benchmark-b1000 --paths 4000000 --threads 2"
    "sweep investai-risk-sharing --paths 200000 --threads 2"
    "sweep investai-risk-sharing --paths 1000000 --threads 2 --cover first-loss=0:0.3:0.05"
    "solve investai-risk-sharing --paths 400000 --threads 2"
    "stress gigafactory --paths 2000 --threads 2"
    "stress gigafactory --paths 20000 --threads 2"
)
python3 - "$leverage" "${runs[@]}" <<'PY' | tee -a Benchmarks/memory-and-time.txt
import json, subprocess, sys, time, datetime
leverage, runs = sys.argv[1], sys.argv[2:]
print(f"# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {leverage}")
print(f"{'run':60} {'est. MB':>8} {'peak MB':>8} {'ratio':>6} {'est. s':>7} {'wall s':>7}")
for run in runs:
    args = run.split()
    est = json.loads(subprocess.run([leverage, *args, "--estimate"], capture_output=True, text=True, check=True).stdout)
    # A fresh Python per run, so RUSAGE_CHILDREN's peak is this run's alone.
    probe = ("import resource, subprocess, sys, time; t = time.time(); "
             "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.time() - t)")
    rss_kb, wall = subprocess.run([sys.executable, "-c", probe, leverage, *args, "--quiet", "--format", "json"],
                                  capture_output=True, text=True, check=True).stdout.split()
    peak = int(rss_kb) * 1024
    print(f"{run:60} {est['bytes'] / 1e6:8.1f} {peak / 1e6:8.1f} {est['bytes'] / peak:6.2f} {est['seconds']:7.2f} {float(wall):7.2f}")
PY
