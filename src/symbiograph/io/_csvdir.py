"""A scenario as a folder of CSV files: one file per table, plus parameters.csv (key,value)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from symbiograph.io._build import RawScenario
from symbiograph.io._problems import Problem, ScenarioError, TableOrigin
from symbiograph.model import TABLES, Network, attributes

__all__ = ["read_csv_folder", "write_csv_folder"]


def _read_text_table(path: Path, numeric: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Read one table with pyarrow (multi-threaded): text columns as strings ("" when
    empty); ``numeric`` columns parsed as float64 directly when every cell is a plain number
    (the common case, ten times faster than parsing text), else read as text so validation
    can name the cell that is wrong."""
    with path.open("r", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    if not header:
        return pd.DataFrame()

    def read(types: dict[str, pa.DataType]) -> pd.DataFrame:
        options = pacsv.ConvertOptions(
            column_types=types,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[""],
        )
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=options,
        )
        return table.to_pandas()

    text = {name: pa.string() for name in header}
    fast = {**text, **{name: pa.float64() for name in header if name in numeric}}
    if fast != text:
        try:
            return read(fast)
        except pa.ArrowInvalid:
            pass  # some cell is not a plain number: read as text, validation names it
    return read(text)


def read_csv_folder(folder: str | Path) -> RawScenario:
    """Read a folder of CSVs (``streams.csv``, ``facilities.csv``...) into raw tables."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError([Problem(str(folder), "not a folder of CSV files")])
    raw = RawScenario()
    problems: list[Problem] = []
    known = set(TABLES) | {"parameters"}
    for path in sorted(folder.glob("*.csv")):
        if path.stem not in known:
            problems.append(
                Problem(
                    str(path),
                    f"unknown table file {path.name!r} (tables: {', '.join(sorted(known))})",
                )
            )
    params_path = folder / "parameters.csv"
    if params_path.exists():
        frame = pd.read_csv(params_path, dtype=str, keep_default_na=False)
        if list(frame.columns[:2]) != ["key", "value"]:
            problems.append(Problem(str(params_path), "parameters.csv needs the columns key,value"))
        else:
            raw.parameters = dict(zip(frame["key"].str.strip(), frame["value"], strict=True))
            raw.parameters_origin = TableOrigin(str(params_path))
    for name in TABLES:
        path = folder / f"{name}.csv"
        if not path.exists():
            continue
        try:
            numeric = frozenset(a.name for a in attributes(name) if a.is_numeric)
            raw.tables[name] = _read_text_table(path, numeric)
        except (pa.ArrowInvalid, ValueError, UnicodeDecodeError) as err:
            problems.append(Problem(str(path), f"cannot read CSV: {err}"))
            continue
        raw.origins[name] = TableOrigin(str(path), first_row=2)
    if problems:
        raise ScenarioError(problems)
    return raw


def write_csv_folder(network: Network, folder: str | Path) -> Path:
    """Write every table of ``network`` as ``<table>.csv`` in ``folder`` (created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    params = pd.DataFrame(
        [(a.name, network.parameters[a.name]) for a in attributes("parameters")],
        columns=["key", "value"],
    )
    params.to_csv(folder / "parameters.csv", index=False)
    for name in TABLES:
        frame = network.table(name).copy()
        for attr in attributes(name):
            if attr.type == "bool":
                frame[attr.name] = frame[attr.name].map({True: "true", False: "false"})
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder
