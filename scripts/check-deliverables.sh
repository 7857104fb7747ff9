#!/usr/bin/env bash
# Checks the analyst deliverables the way a person would, with the tools analysts use:
#   1. writes a result folder (--output) for every bundled command that writes a report: `run` of
#      every bundled model, `simulate` and `sweep` of every model with a portfolio, `solve` of every
#      model with investor constraints (and the guarantee-cap solve), `stress` of every model with a
#      project, `compare` of the accounting models, and `merge` of a sharded simulate and sweep —
#      the list is taken from `leverage models` and each model's sections (`leverage show`);
#   2. screenshots each report.html with headless Chromium (NAME.png), and each of its charts on a
#      page of its own (NAME-chart-K.png: look at them — every chart must answer its title's
#      question, with its axes, units, limits and markers readable);
#   3. checks every chart automatically (scripts/check-report-charts.py): it plots values, only the
#      columns intended for its table (never a limit, budget, cap or iteration count), each value
#      equal to its table's cell, and its screenshot is not blank;
#   4. opens each tables.xlsx in LibreOffice Calc (headless), exports every sheet to CSV and
#      compares every cell with the CSV files `leverage` wrote: numbers to 1e-9 relative, booleans
#      (`true`/`false` in CSV, TRUE/FALSE in Calc) by value, text exactly.
# Installs `chromium` and `libreoffice-calc-nogui` with apt-get, only when missing.
# Not part of `swift test` or scripts/test.sh: the unit and CLI tests need neither Chromium nor
# LibreOffice (Tests/CLITests/ReportCLITests.swift checks the same charts structurally).
#
# Usage: bash scripts/check-deliverables.sh [OUTPUT_FOLDER]   (default .build/deliverables-check)
#        LEVERAGE=/path/to/leverage bash scripts/check-deliverables.sh …   (check that binary, no build)
#        ONLY='^(solve|merge)-' bash scripts/check-deliverables.sh …   (only the runs whose name matches)
# Exit status: 0 all checks passed; 1 a wrong or blank chart, a mismatch or a missing file.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$(realpath -m "${1:-.build/deliverables-check}")

. scripts/lib.sh
install_missing_apt chromium libreoffice-calc-nogui
python3 -c "import PIL" 2>/dev/null || install_missing_apt python3-pil

# The binary of this checkout, built now (an up-to-date build is a no-op); LEVERAGE=PATH checks another.
leverage=${LEVERAGE:-}
if [ -z "$leverage" ]; then
    swift build -c release --product leverage >/dev/null
    leverage="$root/.build/release/leverage"
fi

rm -rf "$out"
mkdir -p "$out"
# name | arguments
runs=()
accounting=()
for model in $("$leverage" models --format csv | tail -n +2 | cut -d, -f1); do
    yaml=$("$leverage" show "$model")
    runs+=("run-$model|run $model")
    if grep -q '^portfolio:' <<<"$yaml"; then
        runs+=("simulate-$model|simulate $model --paths 4000" "sweep-$model|sweep $model --paths 2000")
        if grep -q '^  investors:' <<<"$yaml"; then
            runs+=("solve-$model|solve $model --paths 2000")
            runs+=("sensitivity-$model|sensitivity $model --paths 2000")
        fi
    elif grep -q '^project:' <<<"$yaml"; then
        runs+=("stress-$model|stress $model --paths 400")
    else
        accounting+=("$model")
    fi
done
runs+=("solve-guarantee-cap-sme-guarantee|solve sme-guarantee --solve-for guarantee-cap --paths 2000")
runs+=("compare|compare ${accounting[*]}")
# merge: the shards of a simulate and of a sweep, merged into the single run's report.
for command in simulate sweep; do
    for shard in 1/2 2/2; do
        "$leverage" $command investai-risk-sharing --paths 4000 --shard $shard --output "$out/parts-$command" --quiet
    done
    runs+=("merge-$command|merge $out/parts-$command")
done

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
shoot() {   # shoot PNG HEIGHT HTML
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile/chromium" \
        --screenshot="$1" --window-size="1000,$2" "file://$3" >/dev/null 2>&1 || true
    [ -s "$1" ] || { echo "error: no screenshot of $3" >&2; status=1; }
}
status=0
for entry in "${runs[@]}"; do
    IFS='|' read -r name arguments <<<"$entry"
    [[ "$name" =~ ${ONLY:-.} ]] || continue
    # shellcheck disable=SC2086
    "$leverage" $arguments --format csv --output "$out/$name" --quiet || { echo "error: leverage $arguments failed" >&2; status=1; continue; }
    echo "== $name: leverage $arguments → $out/$name"

    python3 scripts/check-report-charts.py split "$out/$name" "$out/$name-chart" >"$out/$name-charts.txt"
    shoot "$out/$name.png" "$(awk '$1 == "report" {print $2}' "$out/$name-charts.txt")" "$out/$name/report.html"
    echo "   screenshot: $out/$name.png"
    # Each chart on a page of its own, as tall as the chart, so that it can be read at full size.
    while read -r chart h _; do
        [ "$chart" = report ] || shoot "$chart.png" "$h" "$chart.html"
    done <"$out/$name-charts.txt"
    python3 scripts/check-report-charts.py check "$out/$name" "$out/$name-chart" || status=1

    # Every sheet to its own CSV (last filter token -1 = all sheets; 9th false = raw values, not as shown).
    soffice --headless --norestore "-env:UserInstallation=file://$profile/libreoffice" \
        --convert-to 'csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1' \
        --outdir "$out/$name-libreoffice" "$out/$name/tables.xlsx" >/dev/null 2>&1 || true
    python3 - "$out/$name" "$out/$name-libreoffice" <<'PY' || status=1
import csv, math, os, sys

folder, exported = sys.argv[1], sys.argv[2]
def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))
def number(text):
    # LibreOffice writes cells in a percentage format as "3.5%" even when exporting raw values
    # (not "as shown"); the cell holds 0.035.
    try:
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        return None

tables = sorted(f[:-4] for f in os.listdir(folder) if f.endswith(".csv"))
problems, numbers, cells, worst = [], 0, 0, 0.0
if not os.path.exists(os.path.join(exported, "tables-manifest.csv")):
    problems.append("LibreOffice wrote no manifest sheet")
for table in tables:
    lo_path = os.path.join(exported, f"tables-{table}.csv")
    if not os.path.exists(lo_path):
        problems.append(f"{table}: no sheet exported by LibreOffice")
        continue
    ours, theirs = read(os.path.join(folder, table + ".csv")), read(lo_path)
    if len(ours) != len(theirs):
        problems.append(f"{table}: {len(ours)} rows in CSV, {len(theirs)} in the workbook")
    for i, (a, b) in enumerate(zip(ours, theirs)):
        b = b + [""] * (len(a) - len(b))
        for j, (x, y) in enumerate(zip(a, b)):
            cells += 1
            if x in ("nan", "inf", "-inf"):
                ok = y in ("#N/A", "")
            elif i > 0 and x in ("true", "false"):
                ok = y.lower() == x or y == ("1" if x == "true" else "0")
            elif i > 0 and x != "" and not x.endswith("%") and number(x) is not None:
                numbers += 1
                u, v = float(x), number(y)
                ok = v is not None and (u == v or abs(u - v) <= 1e-9 * max(abs(u), abs(v)))
                if v is not None and u != v:
                    worst = max(worst, abs(u - v) / max(abs(u), abs(v)))
            else:
                ok = x == y
            if not ok:
                problems.append(f"{table} row {i + 1} column {j + 1}: CSV {x!r}, workbook {y!r}")
print(f"   LibreOffice round trip: manifest + {len(tables)} table sheets, {cells} cells, {numbers} numbers; "
      f"largest relative difference {worst:.3g}; {len(problems)} mismatches")
for p in problems[:20]:
    print("   mismatch:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
done
if [ $status -eq 0 ]; then echo "check-deliverables: all checks passed"; else echo "check-deliverables: FAILED" >&2; fi
exit $status
