#!/usr/bin/env bash
# Builds the DocC documentation of every library module into .build/docs/MODULE.doccarchive and
# fails on any warning (an unresolved symbol link, an undocumented parameter of a documented
# function, a malformed article). Run by scripts/test.sh after the release build:
#   bash scripts/docs.sh            # all modules
#   bash scripts/docs.sh Reports    # one module
# It reads the symbols from the release build's modules (swift-symbolgraph-extract) and runs the
# toolchain's `docc convert` on each Sources/MODULE/Documentation.docc, so it needs no second,
# debug build. `swift package --disable-sandbox preview-documentation --target Leverage` (the
# swift-docc-plugin in Package.swift) serves the same catalogs locally.
set -euo pipefail
cd "$(dirname "$0")/.."
modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
    modules=(Leverage LinearAlgebra Stochastics RiskSharing RiskCover ProjectFinance CapitalStacks Scenarios Reports)
fi
build=$(swift build -c release --show-bin-path)
test -d "$build/Modules" || { echo "docs: build first: swift build -c release" >&2; exit 1; }
# The C modules the Swift modules import (LAPACKE, libyaml, the numerics shims, zlib).
maps=()
while IFS= read -r map; do maps+=(-Xcc "-fmodule-map-file=$map"); done < <(find Sources/CLapacke .build/checkouts -name module.modulemap 2>/dev/null)
out=.build/docs
mkdir -p "$out"
failed=0
for module in "${modules[@]}"; do
    rm -rf "$out/symbols/$module" "$out/$module.doccarchive"
    mkdir -p "$out/symbols/$module"
    swift-symbolgraph-extract -module-name "$module" -I "$build/Modules" -I /usr/include/x86_64-linux-gnu "${maps[@]}" \
        -target "$(uname -m)-unknown-linux-gnu" -minimum-access-level public -output-dir "$out/symbols/$module"
    if docc convert "Sources/$module/Documentation.docc" --additional-symbol-graph-dir "$out/symbols/$module" \
            --fallback-display-name "$module" --fallback-bundle-identifier "leverage.$module" \
            --output-path "$out/$module.doccarchive" --warnings-as-errors > "$out/$module.log" 2>&1; then
        echo "docs: $module"
    else
        cat "$out/$module.log" >&2
        echo "docs: $module has warnings (above)" >&2
        failed=1
    fi
done
[ "$failed" -eq 0 ] || exit 1
echo "docs: ${#modules[@]} modules built without warnings in $out"
