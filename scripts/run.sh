#!/usr/bin/env bash
# Quick start 1: set up, build in release mode and run `leverage` (no arguments: the embedded InvestAI baseline).
# Extra arguments are passed to `leverage`, e.g. `bash scripts/run.sh run Models/efsi.yaml`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product leverage >&2
exec .build/release/leverage "$@"
