"""Helpers of the store safety tests (tests/store, tests/hostile/test_store_*.py).

``dump`` reads every row of every table of a database (the store's own and SQLite's
bookkeeping such as ``sqlite_sequence``), so a test can say the database is unchanged.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from symbiograph.model import Network

Dump = dict[str, list[tuple[Any, ...]]]


def dump(url: str, schema: str | None = None) -> Dump:
    """Every row of every table in the database at ``url`` (PostgreSQL: in ``schema``),
    each table's rows sorted, values as the driver returns them."""
    if url.startswith("sqlite:///"):
        return dump_sqlite(Path(url.removeprefix("sqlite:///")))
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names(schema=schema)
            out: Dump = {}
            for name in sorted(names):
                rows = connection.exec_driver_sql(f'SELECT * FROM "{schema}"."{name}"').all()
                out[name] = sorted((tuple(r) for r in rows), key=repr)
            return out
    finally:
        engine.dispose()


def dump_sqlite(path: Path) -> Dump:
    """Every row of every table of the SQLite file at ``path`` (read only, no WAL writes)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return {
            name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in sorted(names)
        }
    finally:
        connection.close()


def integrity(path: Path) -> str:
    """SQLite's ``PRAGMA integrity_check`` of the file (``"ok"`` when sound) and the count
    of rows without their parent (``foreign_key_check``), as one string."""
    connection = sqlite3.connect(path)
    try:
        check = "; ".join(r[0] for r in connection.execute("PRAGMA integrity_check"))
        orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    return check if not orphans else f"{check}; {len(orphans)} orphan row(s)"


def bigger(network: Network, copies: int) -> Network:
    """``network`` with its facilities and streams repeated ``copies`` times (new ids),
    without the exchanges and stream qualities (they would name the old stream ids)."""
    facilities = pd.concat(
        [network.facilities.assign(id=network.facilities["id"] + f"~{i}") for i in range(copies)],
        ignore_index=True,
    )
    streams = pd.concat(
        [
            network.streams.assign(
                id=network.streams["id"] + f"~{i}",
                facility_id=network.streams["facility_id"] + f"~{i}",
            )
            for i in range(copies)
        ],
        ignore_index=True,
    )
    return Network(
        parameters=dict(network.parameters),
        **(
            network.tables()
            | {
                "facilities": facilities,
                "streams": streams,
                "exchanges": network.exchanges.iloc[0:0],
                "stream_quality": network.stream_quality.iloc[0:0],
            }
        ),
    )


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m symbiograph ARGS`` in a fresh process (its real exit code and streams)."""
    return subprocess.run(
        [sys.executable, "-m", "symbiograph", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "400", "NO_COLOR": "1", **(env or {})},
    )


def one_error_line(stderr: str) -> str:
    """The single ``error:`` line of a failed command's stderr (asserts there is just one
    line and no traceback)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


@contextmanager
def sqlite_write_lock(path: Path) -> Iterator[sqlite3.Connection]:
    """Hold the write lock of the SQLite file at ``path`` (BEGIN IMMEDIATE) until exit."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield connection
        connection.execute("ROLLBACK")
    finally:
        connection.close()


DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_url_or_skip() -> str:
    """The PostgreSQL test server's URL (``SYMBIOGRAPH_PG_URL``); skip when it does not
    answer, except under CI=true, where that is a failure."""
    import pytest

    url = os.environ.get("SYMBIOGRAPH_PG_URL", DEFAULT_PG_URL)
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as exc:
        message = f"PostgreSQL not reachable at {url}: {type(exc).__name__}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


@contextmanager
def pg_app_role(url: str, schema: str) -> Iterator[str]:
    """A fresh PostgreSQL login role that may use the store in ``schema`` under row-level
    security (no superuser, no BYPASSRLS, not the owner: ``store._rls``); yields the URL
    that connects as it, and drops the role afterwards. The schema must be migrated."""
    import uuid

    from symbiograph.store._rls import app_role_statements

    role = f"sg_app_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
            for statement in app_role_statements(role, schema):
                connection.exec_driver_sql(statement)
        yield sa.make_url(url).set(username=role, password=None).render_as_string(False)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (role,),
            )
            connection.exec_driver_sql(f"DROP OWNED BY {role}")
            connection.exec_driver_sql(f"DROP ROLE {role}")
        engine.dispose()
