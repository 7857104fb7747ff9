#!/usr/bin/env bash
# Quick start 2: set up and run the whole test suite.
# Release mode: the Monte Carlo validation tests need optimised code, and the CLI tests run the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release
swift test -c release
