#!/usr/bin/env bash
# Builds the DocC documentation of every library module into .build/docs/MODULE.doccarchive,
# failing on any warning (an unresolved symbol link, a malformed article). Run by scripts/test.sh.
#   bash scripts/docs.sh            # all modules
#   bash scripts/docs.sh Reports    # one module
set -euo pipefail
cd "$(dirname "$0")/.."
modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
    modules=(Leverage LinearAlgebra Stochastics RiskSharing RiskCover ProjectFinance CapitalStacks Scenarios Reports)
fi
mkdir -p .build/docs
for module in "${modules[@]}"; do
    if ! swift package --allow-writing-to-directory .build/docs \
            generate-documentation --target "$module" --warnings-as-errors \
            --output-path ".build/docs/$module.doccarchive" > ".build/docs/$module.log" 2>&1; then
        grep -v '^\[[0-9]*/[0-9]*\]' ".build/docs/$module.log" >&2
        echo "docs: $module failed (log: .build/docs/$module.log)" >&2
        exit 1
    fi
    echo "docs: $module"
done
echo "docs: ${#modules[@]} modules built without warnings in .build/docs"
