#!/usr/bin/env bash
# Checks that the CSV files `leverage` writes cannot run formulas when a spreadsheet opens them
# (CSV/formula injection, OWASP), with LibreOffice Calc itself:
#   1. writes a result folder (`--format csv`) of a model whose names are formulas
#      (`=cmd|' /C calc'!A0`, `+HYPERLINK(…)`, `-2+3`, `@SUM(…)`);
#   2. has LibreOffice (headless) import every CSV with formula evaluation ON — the way a
#      spreadsheet that runs formulas would open it — and save it as xlsx;
#   3. reads each sheet's XML: no cell may hold a formula (`<f>`), and every hostile name must
#      be a text cell.
# A control CSV with the same names unprefixed must come out with formulas: it shows the check
# can see a formula (if LibreOffice stopped evaluating, the check would pass vacuously).
# Installs `libreoffice-calc-nogui` with apt-get when missing. Not part of `swift test`
# (the unit tests check the prefix rule itself: Tests/ReportsTests/SafeTextTests.swift).
#
# Usage: bash scripts/check-safe-outputs.sh [OUTPUT_FOLDER]   (default .build/safe-outputs-check)
# Exit status: 0 all checks passed; 1 a formula or a missing file.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$(realpath -m "${1:-.build/safe-outputs-check}")

. scripts/lib.sh
install_missing_apt libreoffice-calc-nogui

leverage="$root/.build/release/leverage"
[ -x "$leverage" ] || swift build -c release --product leverage

rm -rf "$out"
mkdir -p "$out/csv"
cat >"$out/hostile.yaml" <<'YAML'
name: Hostile names
description: Names that spreadsheets run as formulas.
unit: eur_bn
stacks:
  - id: s1
    label: Hostile stack
    contributors:
      - id: a
        label: "+HYPERLINK(\"http://example.invalid\",\"x\")"
        source: eu_budget
        instrument: grant
        programme: "@SUM(1+1)"
        amount: 50
      - id: b
        label: "-2+3"
        source: private
        instrument: equity
        programme: "=cmd|' /C calc'!A0"
        amount: 150
      - id: c
        label: "=1+2"
        source: member_state
        instrument: debt
        amount: 10
YAML
"$leverage" run "$out/hostile.yaml" --format csv --output "$out/result" --quiet
cp "$out"/result/*.csv "$out/csv/"
# The control: the same names, unprefixed, as a naive CSV writer would write them.
printf 'name,amount\n=1+2,1\n"=cmd|'"'"' /C calc'"'"'!A0",2\n@SUM(1+1),3\n-2+3,4\n' >"$out/control.csv"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# CSV import options: comma, double quote, UTF-8, from line 1, no column formats, English (US),
# quoted fields not forced to text, no special-number detection, -, -, no space trimming, -,
# token 13 = evaluate formulas: true.
filter='CSV:44,34,76,1,,1033,false,false,false,false,false,-1,true'
for csv in "$out"/csv/*.csv "$out/control.csv"; do
    soffice --headless --norestore "-env:UserInstallation=file://$profile/libreoffice" --infilter="$filter" \
        --convert-to xlsx --outdir "$(dirname "$csv")" "$csv" >/dev/null 2>&1 || true
done

status=0
python3 - "$out" <<'PY' || status=1
import glob, os, re, sys, zipfile, html

out = sys.argv[1]
hostile = ["=cmd|' /C calc'!A0", '+HYPERLINK("http://example.invalid","x")', "@SUM(1+1)", "-2+3", "=1+2"]

def sheet(path):
    """(formula count, the sheet's text cells) of the first sheet of an xlsx file."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            sst = z.read("xl/sharedStrings.xml").decode()
            shared = [html.unescape(re.sub(r"<[^>]+>", "", si)) for si in re.findall(r"<si>(.*?)</si>", sst, re.S)]
    formulas = len(re.findall(r"<f[ >]", xml))
    texts = [shared[int(v)] for v in re.findall(r'<c [^>]*t="s"[^>]*>\s*<v>(\d+)</v>', xml)]
    texts += [html.unescape(t) for t in re.findall(r'<c [^>]*t="inlineStr"[^>]*>.*?<t[^>]*>(.*?)</t>', xml, re.S)]
    return formulas, texts

problems = []
control = os.path.join(out, "control.xlsx")
if not os.path.exists(control):
    problems.append("LibreOffice wrote no control.xlsx")
else:
    formulas, _ = sheet(control)
    print(f"   control (unprefixed names): {formulas} formula cells")
    if formulas == 0:
        problems.append("LibreOffice evaluated no formula in the control CSV: the check cannot see formulas")

seen = set()
files = sorted(glob.glob(os.path.join(out, "csv", "*.csv")))
for csv in files:
    xlsx = csv[:-4] + ".xlsx"
    if not os.path.exists(xlsx):
        problems.append(f"LibreOffice wrote no {os.path.basename(xlsx)}")
        continue
    formulas, texts = sheet(xlsx)
    if formulas:
        problems.append(f"{os.path.basename(csv)}: {formulas} formula cells")
    for name in hostile:
        if name in texts or "'" + name in texts:
            seen.add(name)
    print(f"   {os.path.basename(csv)}: {formulas} formula cells, {len(texts)} text cells")
for name in hostile:
    if name not in seen:
        problems.append(f"{name!r} is not a text cell in any sheet")
for p in problems:
    print("   problem:", p, file=sys.stderr)
print(f"   {len(files)} CSV files opened in LibreOffice with formulas evaluated: {len(seen)}/{len(hostile)} hostile names are text, "
      f"{len(problems)} problems")
sys.exit(1 if problems else 0)
PY
if [ $status -eq 0 ]; then echo "check-safe-outputs: all checks passed"; else echo "check-safe-outputs: FAILED" >&2; fi
exit $status
