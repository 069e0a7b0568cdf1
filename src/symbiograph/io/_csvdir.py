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


def _read_text_table(path: Path) -> pd.DataFrame:
    """All cells as strings ("" when empty), header from the first line (pyarrow, multi-threaded)."""
    with path.open("r", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    if not header:
        return pd.DataFrame()
    options = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    table = pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=options,
    )
    return table.to_pandas()


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
            raw.tables[name] = _read_text_table(path)
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
