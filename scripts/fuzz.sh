#!/usr/bin/env bash
# The long fuzz run (the test suite runs a short one in-process: FuzzTests).
#
#   scripts/fuzz.sh [CASES_PER_MODEL] [SEED]      (defaults: 200, 1)
#
# Mutates every model in Models/ (hostile values, deleted, duplicated, swapped and re-indented
# lines, truncation, random bytes) and runs the release binary on each mutant with a timeout:
# `validate`, then — when the mutant is valid — the command its sections call for, with few paths.
# Fails if any run crashes (exit ≥ 128), hangs (timeout), exits with a code other than 0, 1 or 64,
# prints an error without file:line:column, or if `validate` accepts a model the command then
# refuses. Offending mutants are kept in .build/fuzz/failures/ with the command that broke.
# Then runs the in-process fuzz test with LEVERAGE_FUZZ_CASES=CASES_PER_MODEL.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-200}"
seed="${2:-1}"
if [[ -n "${LEVERAGE_BINARY:-}" ]]; then
  binary="$LEVERAGE_BINARY"            # an already built binary (skips the build)
else
  swift build -c release >/dev/null
  binary="$(swift build -c release --show-bin-path)/leverage"
fi
work=".build/fuzz"
rm -rf "$work"
mkdir -p "$work/failures"
cp Models/*.csv "$work/" 2>/dev/null || true

python3 - "$binary" "$work" "$cases" "$seed" <<'PY'
import os, random, re, shutil, subprocess, sys

binary, work, cases, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
hostile = ["1e308", "-1e308", "1e19", "9223372036854775807", "4.9e-324", "-0", "0", "-1", ".nan", ".inf", "-.inf",
           "nan", "1e999", "0.30000000000000004", "1e-14", '""', "''", "~", "[]", "{}", "*undefined", "&a x",
           '"\\u0000"', '"\\e[31m"', "=cmd|' /C calc'!A0", "<script>", "9" * 400, "a" * 5000, "17%", "1_000", "|", "- x"]
located = re.compile(r"^[^\s:]+(:\d+:\d+)?: error: ", re.M)

def mutate(text):
    lines = text.split("\n")
    k = rng.randrange(len(lines))
    op = rng.randrange(9)
    if op <= 2 and ":" in lines[k]:
        head, _, tail = lines[k].partition(":")
        rest = re.search(r"[,}\]].*$", tail)
        lines[k] = head + ": " + rng.choice(hostile) + (rest.group(0) if rest else "")
    elif op == 3:
        lines[k] = re.sub(r"-?\d+(\.\d+)?", lambda m: rng.choice(hostile), lines[k], count=1)
    elif op == 4:
        del lines[k]
    elif op == 5:
        lines.insert(k, lines[k])
    elif op == 6:
        j = rng.randrange(len(lines)); lines[k], lines[j] = lines[j], lines[k]
    elif op == 7:
        lines[k] = "  " + lines[k] if rng.random() < 0.5 else lines[k].lstrip(" ")
    else:
        if rng.random() < 0.5:
            lines = lines[:k]
        else:
            at = rng.randrange(len(lines[k]) + 1)
            lines[k] = lines[k][:at] + chr(rng.randrange(128)) + lines[k][at:]
    return "\n".join(lines)

def run(args, timeout=30):
    try:
        p = subprocess.run([binary] + args, cwd=work, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", "", ""

failures = 0
counts = {"accepted": 0, "refused": 0}
models = sorted(f for f in os.listdir("Models") if f.endswith(".yaml"))
for name in models:
    base = open(os.path.join("Models", name), encoding="utf-8").read()
    for k in range(cases):
        text = base
        for _ in range(rng.randint(1, 3)):
            text = mutate(text)
        path = os.path.join(work, "mutant.yaml")
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        problems = []
        code, out, err = run(["validate", "mutant.yaml"])
        if code == "timeout" or code not in (0, 1):
            problems.append(f"validate: exit {code}")
        elif code == 1:
            counts["refused"] += 1
            if not located.search(err) or "mutant.yaml:" not in err.split("\n")[0]:
                problems.append(f"validate: unlocated error: {err[:200]!r}")
        else:
            counts["accepted"] += 1
            if "\nproject:" in text or text.startswith("project:"):
                command = ["stress", "mutant.yaml", "--paths", "200", "--quiet"]
            elif "\nportfolio:" in text:
                command = ["simulate", "mutant.yaml", "--paths", "200", "--quiet"]
            else:
                command = ["run", "mutant.yaml"]
            code, out, err = run(command, timeout=60)
            if code != 0:
                problems.append(f"{' '.join(command[:1])}: exit {code} after validate said ok: {err[:200]!r}")
        if problems:
            failures += 1
            keep = os.path.join(work, "failures", f"{name[:-5]}-{k}.yaml")
            shutil.copy(path, keep)
            print(f"FAIL {keep}: {'; '.join(problems)}")
print(f"{len(models) * cases} mutants: {counts['accepted']} accepted, {counts['refused']} refused, {failures} failures")
sys.exit(1 if failures else 0)
PY

[[ -n "${LEVERAGE_FUZZ_NO_SUITE:-}" ]] || LEVERAGE_FUZZ_CASES="$cases" swift test -c release --filter FuzzTests
