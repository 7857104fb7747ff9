#!/usr/bin/env bash
# Rewrites Tests/CLITests/Golden/width-80 and width-120: every bundled command's default terminal
# output at 80 and 120 columns (the list is `bundledCommands` in Tests/CLITests/ReportCLITests.swift),
# and Golden/investai.txt (no arguments, not a terminal: 80 columns). Run after an intended change
# to the tables or their layout, then read the diff before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
leverage=.build/release/leverage
[ -x "$leverage" ] || swift build -c release --product leverage
commands=(
    "leverage|"
    "models|models"
    "run-ai-factories|run ai-factories"
    "simulate|simulate investai-risk-sharing --paths 4000"
    "simulate-sme-guarantee|simulate sme-guarantee --paths 4000"
    "sweep|sweep investai-risk-sharing --paths 4000"
    "solve|solve investai-risk-sharing --paths 4000"
    "stress|stress gigafactory --paths 400"
    "sensitivity|sensitivity investai-risk-sharing --paths 4000"
)
for width in 80 120; do
    mkdir -p "Tests/CLITests/Golden/width-$width"
    for entry in "${commands[@]}"; do
        IFS='|' read -r name arguments <<<"$entry"
        # shellcheck disable=SC2086
        COLUMNS=$width "$leverage" $arguments --quiet >"Tests/CLITests/Golden/width-$width/$name.txt"
    done
done
env -u COLUMNS "$leverage" >Tests/CLITests/Golden/investai.txt
echo "golden files written; review: git diff --stat Tests/CLITests/Golden"
