"""The Store: named Networks saved in and loaded from SQLite or PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from symbiograph.errors import NotFoundError
from symbiograph.model import TABLES, Network, attributes, key_columns
from symbiograph.store import _bulk
from symbiograph.store._schema import NETWORKS, count_column, metadata

__all__ = ["NetworkExistsError", "NetworkNotFoundError", "Store", "upgrade"]

#: Where Alembic finds the store's migrations (inside the installed package).
SCRIPT_LOCATION = "symbiograph.store:migrations"

#: PostgreSQL advisory-lock key that serialises concurrent migrations of one database.
_MIGRATION_LOCK = 0x5367_5374  # "SgSt"

#: PostgreSQL advisory-lock class of saves (with the hash of the network name).
_SAVE_LOCK = 0x5367

#: Execution option naming the SQLite BEGIN mode (DEFERRED by default, IMMEDIATE for saves).
_SQLITE_BEGIN = "symbiograph_sqlite_begin"

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class NetworkNotFoundError(NotFoundError):
    """No network of that name is stored; ``name`` says which."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"no network named {self.name!r} in the store"


class NetworkExistsError(ValueError):
    """A network of that name is stored and ``replace=False`` was asked."""

    def __init__(self, name: str) -> None:
        super().__init__(f"a network named {name!r} is already stored (pass replace=True)")
        self.name = name


def upgrade(connectable: sa.Engine | sa.Connection, revision: str = "head") -> None:
    """Migrate the store's tables in a database to ``revision`` (Alembic, shipped migrations).

    An engine is migrated in one transaction of its own; a connection is migrated in its
    current transaction, which the caller commits. On PostgreSQL an advisory lock keeps
    two processes from migrating the same database at once.
    """
    if isinstance(connectable, sa.Engine):
        with connectable.begin() as connection:
            upgrade(connection, revision)
        return
    if connectable.dialect.name == "postgresql":
        connectable.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connectable
    command.upgrade(config, revision)


def _sqlite_events(engine: sa.Engine) -> None:
    """Real transactions on SQLite (BEGIN emitted by us) and bulk-friendly, safe pragmas."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite must not BEGIN or COMMIT itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer
        cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; fewer fsyncs
        cursor.execute("PRAGMA cache_size = -65536")  # 64 MiB page cache
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        # A save takes the write lock at once (BEGIN IMMEDIATE), so two writers wait for
        # each other (busy timeout) instead of failing when a read lock is upgraded.
        mode = connection.get_execution_options().get(_SQLITE_BEGIN, "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a parameter value (numpy scalars become Python numbers)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _checked_tables(network: Network) -> dict[str, pd.DataFrame]:
    """The network's tables, after checking they can be stored (else ValueError, nothing written)."""
    out: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        frame = network.table(table)
        expected = [a.name for a in attributes(table)]
        missing = [c for c in expected if c not in frame.columns]
        extra = [c for c in frame.columns if c not in expected]
        if missing or extra:
            raise ValueError(
                f"{table}: cannot store columns that differ from the schema "
                f"(missing {missing}, unknown {extra})"
            )
        keys = list(key_columns(table))
        if len(frame) and frame[keys].isna().to_numpy().any():
            raise ValueError(f"{table}: a key column {keys} has a missing value")
        duplicated = frame.duplicated(keys)
        if duplicated.any():
            row = int(np.flatnonzero(duplicated.to_numpy())[0])
            key = tuple(frame[keys].iloc[row])
            raise ValueError(f"{table}: duplicate key {keys}={key} at row {row + 1}")
        out[table] = frame
    return out


class Store:
    """Named Networks in a relational database (SQLite file by default, or PostgreSQL).

    Opening a Store migrates its tables to the current schema. ``schema`` (PostgreSQL
    only) keeps the tables in that database schema, created if needed. Use as a context
    manager or call :meth:`close`.
    """

    def __init__(self, url: str = "sqlite:///symbiograph.db", *, schema: str | None = None) -> None:
        self.url = url
        connect_args: dict[str, Any] = {}
        parsed = sa.make_url(url)
        if schema is not None:
            if parsed.get_backend_name() != "postgresql":
                raise ValueError("schema= is supported on PostgreSQL only")
            if not _SCHEMA_NAME.fullmatch(schema):
                raise ValueError(f"schema {schema!r}: use lower-case letters, digits and _")
            connect_args["options"] = f"-c search_path={schema}"
        self.schema = schema
        self._engine = sa.create_engine(url, connect_args=connect_args)
        if self._engine.dialect.name == "sqlite":
            _sqlite_events(self._engine)
        with self._writing() as connection:
            if schema is not None:
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
                connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            upgrade(connection)

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine (for callers that need their own queries)."""
        return self._engine

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    @contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        """A connection in a write transaction (BEGIN IMMEDIATE on SQLite), committed on exit."""
        with self._engine.connect() as connection:
            connection.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})
            with connection.begin():
                yield connection

    def save(self, network: Network, name: str, replace: bool = True) -> int:
        """Store ``network`` under ``name`` in one transaction and return its id.

        With ``replace`` (default) an existing network of that name is overwritten (the
        new version gets a new id); otherwise :class:`NetworkExistsError` is raised. If
        anything fails, the database is left exactly as it was.
        """
        frames = _checked_tables(network)
        networks = metadata().tables[NETWORKS]
        values: dict[str, Any] = {
            "parameters": _plain(dict(network.parameters)),
            "saved_at": datetime.now(UTC),
            **{count_column(t): len(frame) for t, frame in frames.items()},
        }
        with self._writing() as connection:
            if connection.dialect.name == "postgresql":  # saves of one name queue up
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(:name))"),
                    {"key": _SAVE_LOCK, "name": name},
                )
            found = connection.execute(
                sa.select(networks.c.id).where(networks.c.name == name)
            ).scalar_one_or_none()
            if found is not None:
                if not replace:
                    raise NetworkExistsError(name)
                # Rows of the old version go (ON DELETE CASCADE); the new version gets a
                # new id, so its keys never meet the old version's index entries.
                connection.execute(sa.delete(networks).where(networks.c.id == found))
            result = connection.execute(sa.insert(networks).values(name=name, **values))
            inserted = result.inserted_primary_key
            if inserted is None:  # pragma: no cover - every supported driver reports it
                raise RuntimeError(f"the database gave no id for network {name!r}")
            network_id = int(inserted[0])
            for table, frame in frames.items():
                _bulk.write_table(connection, table, frame, network_id)
        return network_id

    def load(self, name: str) -> Network:
        """The network stored under ``name`` (raises :class:`NetworkNotFoundError`)."""
        networks = metadata().tables[NETWORKS]
        connection = self._engine.connect()
        if connection.dialect.name == "postgresql":  # one snapshot for every table
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection, connection.begin():
            row = connection.execute(
                sa.select(networks.c.id, networks.c.parameters).where(networks.c.name == name)
            ).one_or_none()
            if row is None:
                raise NetworkNotFoundError(name)
            tables = {t: _bulk.read_table(connection, t, int(row.id)) for t in TABLES}
        return Network(parameters=dict(row.parameters), **tables)

    def names(self) -> list[str]:
        """The names of the stored networks, sorted."""
        networks = metadata().tables[NETWORKS]
        with self._engine.connect() as connection:
            return list(
                connection.execute(sa.select(networks.c.name).order_by(networks.c.name)).scalars()
            )

    def summary(self) -> pd.DataFrame:
        """One row per stored network: id, name, saved_at (UTC) and n_<table> row counts."""
        networks = metadata().tables[NETWORKS]
        columns = ["id", "name", "saved_at", *(count_column(t) for t in TABLES)]
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(*(networks.c[c] for c in columns)).order_by(networks.c.name)
            ).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
        frame["name"] = frame["name"].astype(object)
        frame["saved_at"] = pd.to_datetime(frame["saved_at"], utc=True)
        for column in columns:
            if column not in ("name", "saved_at"):
                frame[column] = frame[column].astype("int64")
        return frame

    def delete(self, name: str) -> None:
        """Remove the network stored under ``name`` (raises :class:`NetworkNotFoundError`)."""
        networks = metadata().tables[NETWORKS]
        with self._writing() as connection:
            result = connection.execute(sa.delete(networks).where(networks.c.name == name))
            if result.rowcount == 0:
                raise NetworkNotFoundError(name)
