"""Run the `leverage` command and read its tables into pandas DataFrames.

Every command prints one JSON shape with `--format json`:
{"manifest": {...}, "tables": [{"name", "title", "columns": [{"name", "unit"}], "rows", "notes"}]}.
`run(...)` returns the manifest and a dict of DataFrames keyed by table name; each DataFrame keeps
its column units in `df.attrs["units"]` and the table's notes in `df.attrs["notes"]`.

The binary is `.build/release/leverage` in the repository (build it with `bash scripts/run.sh`),
or the path in the environment variable LEVERAGE_BIN.
"""
import json
import os
import pathlib
import subprocess

import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parent.parent


def binary() -> str:
    return os.environ.get("LEVERAGE_BIN", str(ROOT / ".build" / "release" / "leverage"))


def run(*args: str):
    """Runs `leverage ARGS --format json --quiet` in the repository root; raises with its stderr on failure."""
    done = subprocess.run([binary(), *args, "--format", "json", "--quiet"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"leverage {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    doc = json.loads(done.stdout)
    tables = {}
    for t in doc["tables"]:
        df = pd.DataFrame(t["rows"], columns=[c["name"] for c in t["columns"]])
        df.attrs["units"] = {c["name"]: c["unit"] for c in t["columns"]}
        df.attrs["title"] = t["title"]
        df.attrs["notes"] = t["notes"]
        tables[t["name"]] = df
    return doc["manifest"], tables
