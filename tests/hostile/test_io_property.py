"""Issue 9: for any mutation of a valid scenario file (a cell replaced by a random string,
number, date or nothing; a row duplicated or dropped; a column renamed), in YAML, a CSV
folder and XLSX, reading either accepts it and import-then-export gives back the same
values, with the mutated cell holding what was written, or refuses it with problems that
name the file and the row or field. Never another exception, never a silent change."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile._cases import scenario_path
from symbiograph.io import ScenarioError, read_network, write_network
from symbiograph.model import attributes

#: (table, row position, field) cells a mutation may replace; the first stream's resource
#: is measured in t/yr, so a number written there is the canonical quantity.
CELLS = [
    ("facilities", 0, "name"),
    ("facilities", 1, "organisation"),
    ("facilities", 0, "lat"),
    ("facilities", 1, "lon"),
    ("resources", 0, "description"),
    ("streams", 0, "quantity"),
    ("streams", 1, "quantity_max"),
    ("streams", 1, "price"),
    ("streams", 2, "note"),
    ("streams", 2, "months"),
    ("exchanges", 0, "start_year"),
    ("exchanges", 0, "quantity"),
]
TABLES = ["facilities", "resources", "streams", "exchanges", "stream_quality", "sources"]

_printable = st.characters(blacklist_categories=("Cs", "Cc"))
values = st.one_of(
    st.text(_printable, max_size=30),
    st.sampled_from(["", " ", "12,5", "1:30", "true", "NaN", "-0", "1e309", "0x10", "5-9"]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.booleans(),
    st.none(),
)

mutations = st.one_of(
    st.tuples(st.just("cell"), st.sampled_from(CELLS), values),
    st.tuples(st.just("duplicate"), st.sampled_from(TABLES), st.integers(0, 5)),
    st.tuples(st.just("drop"), st.sampled_from(TABLES), st.integers(0, 5)),
    st.tuples(
        st.just("rename"),
        st.sampled_from(TABLES),
        st.one_of(st.text(_printable, min_size=1, max_size=12), st.sampled_from(["id", "note"])),
    ),
)


def _kind(table: str, field: str) -> str:
    return next(a.type for a in attributes(table) if a.name == field)


def _yaml_mutate(path: Path, mutation: tuple) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    kind, where, arg = mutation
    if kind == "cell":
        table, pos, field = where
        doc[table][pos][field] = arg
    else:
        rows = doc.get(where) or []
        if not rows:
            return
        pos = arg % len(rows) if isinstance(arg, int) else 0
        if kind == "duplicate":
            rows.append(dict(rows[pos]))
        elif kind == "drop":
            rows.pop(pos)
        else:
            old = sorted(rows[0])[0]
            for row in rows:
                if old in row:
                    row[arg] = row.pop(old)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _csv_mutate(folder: Path, mutation: tuple) -> None:
    kind, where, arg = mutation
    table = where[0] if kind == "cell" else where
    file = folder / f"{table}.csv"
    with file.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if kind == "cell":
        _, pos, field = where
        if field not in rows[0]:
            rows[0].append(field)
            for row in rows[1:]:
                row.append("")
        rows[pos + 1][rows[0].index(field)] = _csv_text(arg)
    elif len(rows) > 1:
        pos = 1 + arg % (len(rows) - 1) if isinstance(arg, int) else 1
        if kind == "duplicate":
            rows.append(list(rows[pos]))
        elif kind == "drop":
            rows.pop(pos)
        else:
            rows[0][0] = arg
    with file.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # a spreadsheet holds no infinity: the text a user would type
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    return value


def _xlsx_mutate(path: Path, mutation: tuple) -> None:
    book = openpyxl.load_workbook(path)
    kind, where, arg = mutation
    table = where[0] if kind == "cell" else where
    sheet = book[table]
    if kind == "cell":
        _, pos, field = where
        header = [c.value for c in sheet[1]]
        sheet.cell(pos + 2, header.index(field) + 1).value = _xlsx_value(arg)
    elif sheet.max_row > 1:
        pos = 2 + arg % (sheet.max_row - 1) if isinstance(arg, int) else 2
        if kind == "duplicate":
            sheet.append([c.value for c in sheet[pos]])
        elif kind == "drop":
            sheet.delete_rows(pos)
        else:
            sheet.cell(1, 1).value = arg
    book.save(path)


MUTATE = {"yaml": _yaml_mutate, "csv": _csv_mutate, "xlsx": _xlsx_mutate}


def _written(path: Path, fmt: str, table: str, pos: int, field: str, value: Any) -> Any:
    """The value the mutated file holds, as a reader of that format sees it."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = list(book[table].iter_rows(values_only=True))
        finally:
            book.close()
        return rows[pos + 1][list(rows[0]).index(field)]
    if fmt == "csv":
        return _csv_text(value)
    from symbiograph.io._yamlload import load_scenario_yaml

    return load_scenario_yaml(path.read_text(encoding="utf-8"))[table][pos].get(field)


def _check_accepted_cell(got: Any, written: Any, kind: str) -> None:
    """A mutated cell that was accepted holds what was written (no silent change)."""
    blank = written is None or (isinstance(written, str) and not written.strip())
    if kind in ("str",):
        if not blank:
            text = written.isoformat() if isinstance(written, dt.date) else written
            if isinstance(written, bool):
                text = "true" if written else "false"
            elif isinstance(getattr(written, "source", None), str):
                text = written.source  # YAML keeps a number's written text
            elif isinstance(written, float) and written.is_integer():
                text = str(int(written))
            assert got == str(text).strip(), (got, written)
        return
    if blank:
        return  # optional: missing or the default
    assert not isinstance(written, bool | dt.date), f"{written!r} accepted as {got!r}"
    number = float(written)  # accepted text must be a plain number
    if kind == "int":
        assert int(got) == number, (got, written)
    else:
        assert got == number, (got, written)


def _check(path: Path, fmt: str, mutation: tuple, tmp: Path) -> None:
    try:
        net = read_network(path)
    except ScenarioError as error:
        assert error.problems
        for p in error.problems:
            assert p.file, p
            assert p.file.startswith(str(path)), p
            assert p.row is not None or p.field is not None or p.sheet or "line " in p.message, (
                f"unlocated: {p}"
            )
        return
    if mutation[0] == "cell":
        table, pos, field = mutation[1]
        written = _written(path, fmt, table, pos, field, mutation[2])
        got = net.table(table)[field].iloc[pos]
        _check_accepted_cell(got, written, _kind(table, field))
    for again in ("yaml", "csv", "xlsx"):
        target = {"yaml": tmp / "x.yaml", "csv": tmp / "x", "xlsx": tmp / "x.xlsx"}[again]
        back = read_network(write_network(net, target, again))
        assert back.differences(net) == [], (again, back.differences(net))


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutation=mutations)
def test_any_mutation_is_read_back_exactly_or_refused_with_its_place(
    tmp_path_factory: pytest.TempPathFactory, fmt: str, mutation: tuple
) -> None:
    tmp = tmp_path_factory.mktemp("mutant")
    path = scenario_path(tmp, fmt)
    MUTATE[fmt](path, mutation)
    _check(path, fmt, mutation, tmp)
