#!/usr/bin/env bash
# Checks the analyst deliverables the way a person would, with the tools analysts use:
#   1. writes a result folder for every bundled command (run, simulate, sweep, solve, stress);
#   2. screenshots each report.html with headless Chromium, and each of its charts on its own page
#      (NAME-chart-K.png: look at them — every chart must answer its title's question, with its
#      axes, units, limits and markers readable);
#   3. opens each tables.xlsx in LibreOffice Calc (headless), exports every sheet to CSV and
#      compares every cell with the CSV files `leverage` wrote: numbers to 1e-9 relative, booleans
#      (`true`/`false` in CSV, TRUE/FALSE in Calc) by value, text exactly.
# Installs `chromium` and `libreoffice-calc-nogui` with apt-get, only when missing.
# Not part of `swift test`: the unit and CLI tests need neither Chromium nor LibreOffice.
#
# Usage: bash scripts/check-deliverables.sh [OUTPUT_FOLDER]   (default .build/deliverables-check)
# Exit status: 0 all checks passed; 1 a mismatch or a missing file.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$(realpath -m "${1:-.build/deliverables-check}")

. scripts/lib.sh
install_missing_apt chromium libreoffice-calc-nogui

leverage="$root/.build/release/leverage"
[ -x "$leverage" ] || swift build -c release --product leverage

rm -rf "$out"
mkdir -p "$out"
# name | arguments | screenshot height (px) of the report's top
runs=(
    "investai|run investai|2400"
    "ai-factories|run ai-factories|2400"
    "b1000|simulate benchmark-b1000 --paths 20000|3000"
    "sme-guarantee|simulate sme-guarantee --paths 20000|3000"
    "sweep|sweep investai-risk-sharing --paths 20000|2400"
    "solve|solve investai-risk-sharing --paths 20000|3000"
    "stress|stress gigafactory --paths 2000|3000"
)
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
status=0
for entry in "${runs[@]}"; do
    IFS='|' read -r name arguments height <<<"$entry"
    # shellcheck disable=SC2086
    "$leverage" $arguments --format csv --output "$out/$name" --quiet
    echo "== $name: leverage $arguments → $out/$name"

    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile/chromium" \
        --screenshot="$out/$name.png" --window-size="1000,$height" "file://$out/$name/report.html" >/dev/null 2>&1
    [ -s "$out/$name.png" ] || { echo "error: no screenshot of $name/report.html" >&2; status=1; }
    echo "   screenshot: $out/$name.png"
    # Each chart on a page of its own, as tall as the chart, so that it can be read at full size.
    python3 - "$out/$name/report.html" "$out/$name-chart" >"$out/$name-charts.txt" <<'PY'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
head = html[:html.index("<body>")]
for k, figure in enumerate(re.findall(r"<figure>.*?</figure>", html, re.S)):
    height = int(float(re.search(r'<svg[^>]* height="([\d.]+)"', figure).group(1))) + 160
    with open(f"{sys.argv[2]}-{k}.html", "w", encoding="utf-8") as f:
        f.write(head + "<body>" + figure + "</body></html>")
    print(f"{sys.argv[2]}-{k} {height}")
PY
    while read -r chart h; do
        chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile/chromium" \
            --screenshot="$chart.png" --window-size="1000,$h" "file://$chart.html" >/dev/null 2>&1
        [ -s "$chart.png" ] || { echo "error: no screenshot of $chart.html" >&2; status=1; }
    done <"$out/$name-charts.txt"
    echo "   charts: $(wc -l <"$out/$name-charts.txt") screenshots $out/$name-chart-*.png"

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
