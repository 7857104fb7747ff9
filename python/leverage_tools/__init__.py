"""Run the `leverage` command and read its tables as pandas DataFrames.

One function per command — :func:`run`, :func:`simulate`, :func:`sweep`, :func:`solve`,
:func:`stress`, :func:`validate`, :func:`models` (and :func:`show`, :func:`rerun`,
:func:`read_result`). Each table-producing function returns a :class:`Result`: a mapping from
table name to DataFrame, with the run's manifest in ``result.manifest``.

Every DataFrame carries the table's metadata in ``df.attrs``:

- ``units``: column name → unit (``eur_bn``, ``fraction``, ``multiple``, ``bp``, ``count``,
  ``years``, ``text``, ...). Rates are fractions, as in the tool's CSV and JSON.
- ``title``, ``notes``: the table's title and footnotes (definitions, sources, warnings).
- ``name``: the table's stable machine name.

Nothing is computed here: the numbers are the tool's. Options are passed through unchanged, so
the tool validates them and a mistake raises :class:`UsageError` with the tool's own message.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any, Iterable, Iterator, Optional, Sequence, Union

import pandas as pd

__all__ = [
    "LeverageError", "ModelError", "UsageError", "BinaryNotFound", "Result",
    "binary", "call", "run", "simulate", "sweep", "solve", "stress", "validate", "models",
    "show", "rerun", "read_result", "to_dataframe",
]
__version__ = "0.1.0"

#: Units the tool uses for booleans, if a table declares them (cells may be JSON booleans or yes/no).
_BOOLEAN_UNITS = {"boolean", "bool", "flag"}


class LeverageError(RuntimeError):
    """The tool failed; ``str(error)`` is its message on stderr, ``exit_code`` its exit status."""

    def __init__(self, message: str, exit_code: int, command: Sequence[str], stderr: str):
        super().__init__(message)
        self.exit_code = exit_code
        self.command = list(command)
        self.stderr = stderr


class ModelError(LeverageError):
    """Exit code 1: a problem in a model file (located as file:line:column) or a failed write."""


class UsageError(LeverageError):
    """Exit code 64: a command-line mistake (an unknown option, a value out of range)."""


class BinaryNotFound(FileNotFoundError):
    """No `leverage` binary: set LEVERAGE_BIN, put it on the PATH, or build the repository."""


class Result(Mapping):
    """The tables of one run keyed by name (in the tool's order), and its manifest."""

    def __init__(self, manifest: dict, tables: "dict[str, pd.DataFrame]"):
        self.manifest = manifest
        self.tables = tables

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r}; this run has {', '.join(self.tables)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)

    def __repr__(self) -> str:
        command = self.manifest.get("command", "?")
        model = self.manifest.get("model", {}).get("name", "?")
        return f"<leverage {command} {model!r}: {', '.join(self.tables)}>"


# ---------------------------------------------------------------- finding and running the binary

def binary() -> str:
    """The `leverage` executable: $LEVERAGE_BIN, else `leverage` on the PATH, else
    `.build/release/leverage` in the current folder or a parent folder."""
    configured = os.environ.get("LEVERAGE_BIN")
    if configured:
        if not os.access(configured, os.X_OK):
            raise BinaryNotFound(f"LEVERAGE_BIN={configured} is not an executable file")
        return configured
    on_path = shutil.which("leverage")
    if on_path:
        return on_path
    here = pathlib.Path.cwd().resolve()
    for folder in (here, *here.parents):
        candidate = folder / ".build" / "release" / "leverage"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BinaryNotFound(
        "no `leverage` binary: set LEVERAGE_BIN, put `leverage` on the PATH, or run "
        "`swift build -c release` in the repository (this looks for .build/release/leverage "
        f"from {here} upwards)")


def call(*args: str, cwd: Optional[Union[str, os.PathLike]] = None) -> str:
    """Runs ``leverage ARGS`` and returns its stdout; raises :class:`LeverageError` with the
    tool's stderr as the message when it exits with a non-zero status."""
    command = [binary(), *map(str, args)]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        message = done.stderr.strip() or f"leverage exited with status {done.returncode}"
        kind = {1: ModelError, 64: UsageError}.get(done.returncode, LeverageError)
        raise kind(message, done.returncode, command, done.stderr)
    return done.stdout


def _tables(*args: str, cwd=None) -> Result:
    """Runs a table-producing command with ``--format json --quiet`` and reads its document."""
    return _read_document(json.loads(call(*args, "--format", "json", "--quiet", cwd=cwd)))


def _read_document(document: dict) -> Result:
    tables = {t["name"]: to_dataframe(t) for t in document["tables"]}
    return Result(document["manifest"], tables)


def to_dataframe(table: dict) -> pd.DataFrame:
    """One table of the tool's JSON (name, title, columns with units, rows, notes) as a DataFrame."""
    names = [c["name"] for c in table["columns"]]
    units = {c["name"]: c["unit"] for c in table["columns"]}
    df = pd.DataFrame(table["rows"], columns=names)
    for name, unit in units.items():
        if unit in _BOOLEAN_UNITS:
            df[name] = df[name].map({True: True, False: False, "yes": True, "no": False, None: pd.NA}).astype("boolean")
        elif unit == "text":
            df[name] = df[name].astype("object")
        elif len(df) and df[name].dtype == object:
            # Numeric columns with empty cells (JSON null) become floats with NaN.
            df[name] = pd.to_numeric(df[name], errors="raise")
    df.attrs["name"] = table["name"]
    df.attrs["title"] = table.get("title", "")
    df.attrs["units"] = units
    df.attrs["notes"] = list(table.get("notes", []))
    return df


# ---------------------------------------------------------------- options

def _option(name: str, value: Any) -> list:
    if value is None:
        return []
    return [f"--{name}", str(value)]


def _simulation(paths, seed, threads) -> list:
    return _option("paths", paths) + _option("seed", seed) + _option("threads", threads)


def _stress(stress) -> list:
    """``{"pd": 1.5, "correlation": 0.05, "lgd": 0.1}`` or the tool's own ``pd=1.5,…`` text."""
    if stress is None:
        return []
    if isinstance(stress, Mapping):
        stress = ",".join(f"{k}={v!r}" if isinstance(v, float) else f"{k}={v}" for k, v in stress.items())
    return ["--stress", str(stress)]


def _axis_values(values) -> str:
    if isinstance(values, str):
        return values
    if isinstance(values, tuple) and len(values) == 3:
        return ":".join(repr(float(v)) for v in values)        # (from, to, step)
    if isinstance(values, Iterable):
        return ",".join(repr(float(v)) for v in values)        # an explicit list
    return repr(float(values))


def _covers(cover) -> list:
    """``{"first-loss": (0, 0.3, 0.01), "guarantee-rate": [0.5, 0.8]}``, or a list of the tool's
    ``AXIS=VALUES`` texts, or one such text."""
    if cover is None:
        return []
    if isinstance(cover, str):
        cover = [cover]
    if isinstance(cover, Mapping):
        cover = [f"{axis.replace('_', '-')}={_axis_values(values)}" for axis, values in cover.items()]
    out = []
    for axis in cover:
        out += ["--cover", axis]
    return out


# ---------------------------------------------------------------- one function per command

def run(model: str = "investai", *, cwd=None) -> Result:
    """``leverage run MODEL``: contributions, allocations, chain stages, multipliers."""
    return _tables("run", model, cwd=cwd)


def simulate(model: str, *, paths: Optional[int] = None, seed: Optional[int] = None,
             threads: Optional[int] = None, cwd=None) -> Result:
    """``leverage simulate MODEL``: portfolio, tranche and holder losses with standard errors."""
    return _tables("simulate", model, *_simulation(paths, seed, threads), cwd=cwd)


def sweep(model: str, *, cover=None, stress=None, paths: Optional[int] = None,
          seed: Optional[int] = None, threads: Optional[int] = None, cwd=None) -> Result:
    """``leverage sweep MODEL``: leverage, public cost and risk, investor constraints over a grid
    of covers. ``cover={"first-loss": (0, 0.3, 0.01)}`` (from, to, step) or a list of values."""
    return _tables("sweep", model, *_covers(cover), *_stress(stress), *_simulation(paths, seed, threads), cwd=cwd)


def solve(model: str, *, solve_for: Optional[str] = None, first_loss: Optional[float] = None,
          guarantee_rate: Optional[float] = None, guarantee_cap: Optional[float] = None,
          budget: Optional[float] = None, max_expected_loss_bp: Optional[float] = None,
          max_loss_probability: Optional[float] = None, stress=None, paths: Optional[int] = None,
          seed: Optional[int] = None, threads: Optional[int] = None, cwd=None) -> Result:
    """``leverage solve MODEL``: the minimum cover the investors accept and its Monte Carlo band,
    the maximum leverage, provisioning and the largest portfolio a budget supports."""
    args = (_option("solve-for", solve_for) + _option("first-loss", first_loss)
            + _option("guarantee-rate", guarantee_rate) + _option("guarantee-cap", guarantee_cap)
            + _option("budget", budget) + _option("max-expected-loss-bp", max_expected_loss_bp)
            + _option("max-loss-probability", max_loss_probability))
    return _tables("solve", model, *args, *_stress(stress), *_simulation(paths, seed, threads), cwd=cwd)


def stress(model: str, *, scenarios: Optional[Sequence[str]] = None, paths: Optional[int] = None,
           range_paths: Optional[int] = None, seed: Optional[int] = None, threads: Optional[int] = None,
           cwd=None) -> Result:
    """``leverage stress MODEL``: a gigafactory's cash flows under named and reverse stresses, the
    funding structures, the debt sizing and (``range_paths`` > 0) the runs over the EST inputs' ranges."""
    args = []
    for name in scenarios or []:
        args += ["--scenario", name]
    args += _option("range-paths", range_paths)
    return _tables("stress", model, *args, *_simulation(paths, seed, threads), cwd=cwd)


def validate(*model_files: str, cwd=None) -> "dict[str, str]":
    """``leverage validate MODEL…``: returns {file: model name} when every file is valid; raises
    :class:`ModelError` whose message lists every problem, located, otherwise."""
    if not model_files:
        raise ValueError("validate needs at least one model file or bundled model name")
    out = call("validate", *model_files, cwd=cwd)
    valid = {}
    for line in out.splitlines():
        path, _, rest = line.partition(": ok (")
        if rest:
            valid[path] = rest[:-1]
    return valid


def models() -> pd.DataFrame:
    """``leverage models``: the bundled models (name, title, description)."""
    return _tables("models")["models"]


def show(model: str) -> str:
    """``leverage show MODEL``: a bundled model's YAML, to start a new model from."""
    return call("show", model)


def rerun(result_dir: Union[str, os.PathLike], *, cwd=None) -> Result:
    """``leverage rerun DIR``: repeats the run recorded in DIR/manifest.json and returns its tables."""
    return _tables("rerun", str(result_dir), cwd=cwd)


def read_result(result_dir: Union[str, os.PathLike]) -> Result:
    """Reads a result folder written with ``--output DIR``: its manifest and the tables of its
    JSON files (``--format json``), else one ``NAME.csv`` per table (units are then unknown: ``attrs["units"]``
    is empty)."""
    folder = pathlib.Path(result_dir)
    manifest = json.loads((folder / "manifest.json").read_text())
    tables = {}
    for candidate in sorted(folder.glob("*.json")):
        if candidate.name == "manifest.json":
            continue
        document = json.loads(candidate.read_text())
        if isinstance(document, dict) and "tables" in document:
            tables.update(_read_document(document).tables)
    if tables:
        return Result(manifest, tables)
    for csv in sorted(folder.glob("*.csv")):
        df = pd.read_csv(csv)
        df.attrs.update(name=csv.stem, title=csv.stem, units={}, notes=[])
        tables[csv.stem] = df
    if not tables:
        raise FileNotFoundError(f"{folder} holds no JSON or CSV tables")
    return Result(manifest, tables)
