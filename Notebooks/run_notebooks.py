#!/usr/bin/env python3
"""Runs every notebook in this folder headless (nbclient, the python3 kernel) and fails when a cell fails.

The notebooks are executed in memory from the folder with the repository's `leverage` binary (or
$LEVERAGE_BIN) and the working tree's `python/leverage_tools` first on the kernel's PYTHONPATH (so
they test this checkout's package even when an older one is installed); the files on disk are
not modified. Prints one
line per notebook and a closing `N passed, M failed` line; exits 1 if any failed.
"""
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = pathlib.Path(__file__).resolve().parent
PACKAGE = HERE.parent / "python"


def main(args):
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in [str(PACKAGE), os.environ.get("PYTHONPATH", "")] if p)
    # --save-executed DIR: also write the executed notebooks (with their figures) into DIR.
    save = None
    if "--save-executed" in args:
        k = args.index("--save-executed")
        save = pathlib.Path(args[k + 1])
        save.mkdir(parents=True, exist_ok=True)
        args = args[:k] + args[k + 2:]
    names = args
    paths = [HERE / n for n in names] if names else sorted(HERE.glob("*.ipynb"))
    passed = failed = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        start = time.time()
        try:
            NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
            passed += 1
            print(f"ok   {path.name} ({time.time() - start:.1f} s)")
            if save:
                nbformat.write(nb, save / path.name)
        except CellExecutionError as error:
            failed += 1
            print(f"FAIL {path.name}: {error}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
