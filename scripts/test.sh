#!/usr/bin/env bash
# Quick start 2: set up and run the whole test suite.
# Release mode: the Monte Carlo validation tests need optimised code, and the CLI tests run the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# `swift test` builds every target, the `leverage` binary included (the CLI tests, pytest and the
# documentation use it); a separate `swift build -c release` would compile everything twice.
# The limit turns a hung test into a failure with its log instead of a stalled run.
timeout 3600 swift test -c release
# The Python package against the binary just built (python/tests; finds .build/release/leverage).
python3 -m pytest -q python/tests
# The documentation (DocC catalogs in Sources/*/Documentation.docc) builds without a warning.
bash scripts/docs.sh
# The Slurm test (a real one-node Slurm; needs root and apt for slurm-wlm/munge): sharded runs on Slurm
# merge bit-identical to one process, and a cancelled shard is rerun alone.
if [ "$(id -u)" = 0 ]; then
    timeout 1800 bash scripts/slurm-test.sh
else
    echo "scripts/slurm-test.sh not run: it needs root to start slurmctld and slurmd" >&2
fi
