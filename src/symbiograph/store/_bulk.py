"""Bulk transfer of one Network table to and from the database, inside a transaction.

SQLite: ``executemany`` on the raw sqlite3 connection. PostgreSQL: psycopg 3 ``COPY``
in CSV format (rows encoded and decoded by pyarrow). Any other database: SQLAlchemy Core.
Every path writes and reads through the caller's connection, so it takes part in the
caller's transaction.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa

from symbiograph.model import attributes, column_dtype
from symbiograph.store._schema import metadata, storage, table_name

__all__ = ["read_table", "write_table"]

#: Rows per COPY block sent to PostgreSQL.
_COPY_BATCH = 100_000


def _columns(table: str) -> list[str]:
    return ["network_id", "row_order", *(a.name for a in attributes(table))]


def _quoted(names: list[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def write_table(conn: sa.Connection, table: str, frame: pd.DataFrame, network_id: int) -> None:
    """Insert the rows of ``frame`` (Network table ``table``) for network ``network_id``.

    ``row_order`` records each row's position so that :func:`read_table` restores it.
    """
    if len(frame) == 0:
        return
    dialect = conn.dialect.name
    try:
        if dialect == "sqlite":
            _write_sqlite(conn, table, frame, network_id)
        elif dialect == "postgresql" and conn.dialect.driver == "psycopg":
            _write_postgres(conn, table, frame, network_id)
        else:
            _write_core(conn, table, frame, network_id)
    except conn.dialect.loaded_dbapi.Error as exc:  # raw driver errors as SQLAlchemy's
        raise sa.exc.DBAPIError.instance(
            f"bulk insert into {table_name(table)}", None, exc, conn.dialect.loaded_dbapi.Error
        ) from exc


def read_table(conn: sa.Connection, table: str, network_id: int) -> pd.DataFrame:
    """The Network table ``table`` of network ``network_id``, in saved row order and dtypes."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        values = _read_sqlite(conn, table, network_id)
    elif dialect == "postgresql" and conn.dialect.driver == "psycopg":
        values = _read_postgres(conn, table, network_id)
    else:
        values = _read_core(conn, table, network_id)
    return _frame(table, values)


# --- Python values (SQLite and Core) -------------------------------------------------------


def _python_column(series: pd.Series, kind: str) -> list[Any]:
    """Plain Python values of one column (``kind`` as :func:`storage`), None when missing."""
    if kind == "float":
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        out: list[Any] = values.tolist()
        missing = np.isnan(values)
    elif kind == "bool":
        if series.dtype == bool:
            return list(series.to_numpy().tolist())
        return [None if pd.isna(v) else bool(v) for v in series.tolist()]
    elif kind == "int":
        ints = series.astype("Int64")
        out = ints.to_numpy(dtype="int64", na_value=0).tolist()
        missing = ints.isna().to_numpy()
    else:
        out = series.tolist()
        missing = series.isna().to_numpy()
    if missing.any():
        for i in np.flatnonzero(missing).tolist():
            out[i] = None
    return out


def _python_rows(table: str, frame: pd.DataFrame, network_id: int) -> Iterator[tuple[Any, ...]]:
    columns = [_python_column(frame[a.name], storage(a.type)) for a in attributes(table)]
    return zip(repeat(network_id), range(len(frame)), *columns, strict=False)


def _write_sqlite(conn: sa.Connection, table: str, frame: pd.DataFrame, network_id: int) -> None:
    names = _columns(table)
    sql = (
        f'INSERT INTO "{table_name(table)}" ({_quoted(names)}) '
        f"VALUES ({', '.join('?' * len(names))})"
    )
    cursor: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, _python_rows(table, frame, network_id))
    finally:
        cursor.close()


def _write_core(conn: sa.Connection, table: str, frame: pd.DataFrame, network_id: int) -> None:
    names = _columns(table)
    rows = [dict(zip(names, row, strict=True)) for row in _python_rows(table, frame, network_id)]
    conn.execute(sa.insert(metadata().tables[table_name(table)]), rows)


def _read_sqlite(conn: sa.Connection, table: str, network_id: int) -> dict[str, list[Any]]:
    names = _columns(table)[1:]
    cursor: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(
            f'SELECT {_quoted(names)} FROM "{table_name(table)}" WHERE network_id = ?',
            (network_id,),
        )
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return _transpose(names, rows)


def _read_core(conn: sa.Connection, table: str, network_id: int) -> dict[str, list[Any]]:
    names = _columns(table)[1:]
    db_table = metadata().tables[table_name(table)]
    query = sa.select(*(db_table.c[n] for n in names)).where(db_table.c.network_id == network_id)
    return _transpose(names, [tuple(row) for row in conn.execute(query)])


def _transpose(names: list[str], rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    if not rows:
        return {name: [] for name in names}
    return {name: list(col) for name, col in zip(names, zip(*rows, strict=True), strict=True)}


def _frame(table: str, values: dict[str, Any]) -> pd.DataFrame:
    """A Network table from column values (lists or arrow arrays) including ``row_order``."""
    order = np.argsort(np.asarray(values["row_order"], dtype="int64"), kind="stable")
    columns: dict[str, pd.Series] = {}
    for a in attributes(table):
        kind = storage(a.type)
        raw = values[a.name]
        if isinstance(raw, pa.ChunkedArray | pa.Array):
            if kind == "int":
                mask = raw.is_null().to_numpy(zero_copy_only=False)
                ints = raw.fill_null(0).to_numpy(zero_copy_only=False).astype("int64")
                columns[a.name] = pd.Series(pd.arrays.IntegerArray(ints[order], mask[order]))
                continue
            raw = raw.to_numpy(zero_copy_only=False)
        array: Any
        if kind == "float":
            array = np.asarray(raw, dtype="float64")[order]
        elif kind == "int":
            array = pd.array(np.asarray(raw, dtype=object)[order], dtype="Int64")
        elif kind == "bool":
            array = np.asarray(raw, dtype=object)[order]
            array = np.where(pd.isna(array), False, array).astype(bool)
        else:
            array = np.asarray(raw, dtype=object)[order]
            array[pd.isna(array)] = ""
        columns[a.name] = pd.Series(array, dtype=column_dtype(a.type))
    if not columns:
        return pd.DataFrame()
    return pd.DataFrame(columns)


# --- PostgreSQL COPY ----------------------------------------------------------------------


def _arrow_column(series: pd.Series, kind: str) -> pa.Array:
    if kind == "float":
        return pa.array(series.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True)
    if kind == "int":
        return pa.array(series.astype("Int64"), type=pa.int64())
    if kind == "bool":
        return pa.array(series, type=pa.bool_(), from_pandas=True)
    return pa.array(series.to_numpy(dtype=object), type=pa.string(), from_pandas=True)


def _write_postgres(conn: sa.Connection, table: str, frame: pd.DataFrame, network_id: int) -> None:
    names = _columns(table)
    n = len(frame)
    arrays = [
        pa.array(np.full(n, network_id, dtype="int64")),
        pa.array(np.arange(n, dtype="int64")),
        *(_arrow_column(frame[a.name], storage(a.type)) for a in attributes(table)),
    ]
    rows = pa.Table.from_arrays(arrays, names=names)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    raw = conn.connection.dbapi_connection
    sql = f'COPY "{table_name(table)}" ({_quoted(names)}) FROM STDIN (FORMAT csv)'
    with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for batch in rows.to_batches(max_chunksize=_COPY_BATCH):
            block = io.BytesIO()
            pa_csv.write_csv(batch, block, options)
            copy.write(block.getbuffer())


def _read_postgres(conn: sa.Connection, table: str, network_id: int) -> dict[str, Any]:
    names = _columns(table)[1:]
    kinds = {a.name: storage(a.type) for a in attributes(table)}
    arrow_types = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}
    column_types = {"row_order": pa.int64()}
    for name, kind in kinds.items():
        column_types[name] = arrow_types.get(kind, pa.string())
    raw = conn.connection.dbapi_connection
    sql = (
        f'COPY (SELECT {_quoted(names)} FROM "{table_name(table)}" '
        f"WHERE network_id = {int(network_id)}) TO STDOUT (FORMAT csv)"
    )
    buffer = io.BytesIO()
    with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for data in copy:
            buffer.write(data)
    if buffer.tell() == 0:
        return {name: [] for name in names}
    buffer.seek(0)
    parsed = pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 24),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=column_types,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )
    return {name: parsed.column(name) for name in names}
