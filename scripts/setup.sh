#!/usr/bin/env bash
# Installs what Leverage needs on a fresh Debian machine, and only what is missing:
#   system: liblapacke-dev, libopenblas-dev (LAPACKE + CBLAS), pkg-config (finds them for SwiftPM)
#   python: the pinned packages in scripts/requirements.txt (benchmarks' NumPy peer, notebooks, pytest)
#           and the repository's own package, python/ (leverage_tools: the command's tables as pandas DataFrames)
# Safe to run again: it checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib.sh
install_missing_apt liblapacke-dev libopenblas-dev pkg-config

if [ -f scripts/requirements.txt ]; then
    # Pinned versions: when they are already there pip answers from the local site-packages.
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r scripts/requirements.txt
fi
if [ -f python/pyproject.toml ]; then
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore ./python
fi
