#!/usr/bin/env bash
# Installs what Leverage needs on a fresh Debian machine, and only what is missing:
#   system: liblapacke-dev, libopenblas-dev (LAPACKE + CBLAS), pkg-config (finds them for SwiftPM)
#   python: the pinned packages in scripts/requirements.txt (benchmarks' NumPy peer, notebooks)
# Safe to run again: it checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for pkg in liblapacke-dev libopenblas-dev pkg-config; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ -f scripts/requirements.txt ]; then
    # Pinned versions: when they are already there pip answers from the local site-packages.
    python3 -m pip install -q --disable-pip-version-check -r scripts/requirements.txt
fi
