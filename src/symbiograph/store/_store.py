"""The Store: named Networks, each with every version saved, in SQLite or PostgreSQL.

Every failure of the database (locked, full, unreachable, not a database, a bad URL) leaves
this module as a :class:`~symbiograph.errors.StoreError` with a one-line message; the
driver's exception is chained for those who want the traceback.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from symbiograph.errors import InputError, NotFoundError, StoreError, SymbiographError
from symbiograph.model import TABLES, Network, attributes, key_columns
from symbiograph.store import _bulk
from symbiograph.store._schema import NETWORKS, VERSION_TABLE, VERSIONS, count_column, metadata

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "LOCK_TIMEOUT_ENV",
    "DatabaseNotFoundError",
    "NetworkExistsError",
    "NetworkNotFoundError",
    "Store",
    "Version",
    "VersionNotFoundError",
    "lock_timeout",
    "upgrade",
]

#: Where Alembic finds the store's migrations (inside the installed package).
SCRIPT_LOCATION = "symbiograph.store:migrations"

#: Seconds a writer waits for another writer's lock before it gives up.
DEFAULT_LOCK_TIMEOUT = 10.0
#: Environment variable that overrides :data:`DEFAULT_LOCK_TIMEOUT` (seconds).
LOCK_TIMEOUT_ENV = "SYMBIOGRAPH_LOCK_TIMEOUT"

#: PostgreSQL advisory-lock key that serialises concurrent migrations of one database.
_MIGRATION_LOCK = 0x5367_5374  # "SgSt"

#: PostgreSQL advisory-lock class of writes (with the hash of the network name).
_SAVE_LOCK = 0x5367

#: Execution option naming the SQLite BEGIN mode (DEFERRED by default, IMMEDIATE for saves).
_SQLITE_BEGIN = "symbiograph_sqlite_begin"

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class NetworkNotFoundError(NotFoundError):
    """No network of that name is stored; ``name`` says which."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"no network named {self.name!r} in the store"


class VersionNotFoundError(NotFoundError):
    """The network has no version of that number; ``name``, ``number``, ``numbers`` say so."""

    def __init__(self, name: str, number: int, numbers: list[int]) -> None:
        super().__init__(name)
        self.name, self.number, self.numbers = name, number, numbers

    def __str__(self) -> str:
        kept = ", ".join(map(str, self.numbers)) or "none"
        return f"network {self.name!r} has no version {self.number} (kept: {kept})"


class DatabaseNotFoundError(NotFoundError):
    """A database to read from does not exist (an SQLite file that is not there)."""

    def __str__(self) -> str:
        return str(self.args[0])


class NetworkExistsError(StoreError, ValueError):
    """A network of that name is stored and ``replace=False`` was asked (or a rename meets it)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"a network named {name!r} is already stored")
        self.name = name


@dataclass(frozen=True)
class Version:
    """One stored version of a network.

    ``number`` counts the versions of that network (1, 2, ...); ``version_id`` is unique in
    the store and never reused; ``counts`` holds the rows per Network table; ``previous``
    is the version this one replaced as the network's current version (None for a first).
    """

    network_id: int
    name: str
    number: int
    version_id: int
    saved_at: datetime
    note: str
    counts: dict[str, int] = field(default_factory=dict)
    previous: Version | None = None


def lock_timeout() -> float:
    """Seconds to wait for a lock: ``SYMBIOGRAPH_LOCK_TIMEOUT`` if set, else the default."""
    text = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        raise InputError(f"{LOCK_TIMEOUT_ENV}={text!r} is not a number of seconds") from None
    if not 0 <= seconds < 1e6:
        raise InputError(f"{LOCK_TIMEOUT_ENV}={text!r}: give 0 or more seconds")
    return seconds


def _checked_name(name: str) -> str:
    """``name`` if it can name a network (not empty, no control characters), else InputError."""
    if not isinstance(name, str) or not name.strip():
        raise InputError("a network name cannot be empty")
    if _CONTROL.search(name):
        raise InputError(f"network name {name!r} contains a control character")
    return name


@lru_cache(maxsize=1)
def _head() -> str | None:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return ScriptDirectory.from_config(config).get_current_head()


def upgrade(connectable: sa.Engine | sa.Connection, revision: str = "head") -> None:
    """Migrate the store's tables in a database to ``revision`` (Alembic, shipped migrations).

    An engine is migrated in one transaction of its own (on SQLite with foreign keys off
    while tables are recreated, checked before the commit); a connection is migrated in its
    current transaction, which the caller commits (on SQLite it must have foreign keys
    off). On PostgreSQL an advisory lock keeps two processes from migrating one database at
    once.
    """
    if isinstance(connectable, sa.Engine):
        with connectable.connect() as connection:
            _upgrade_in_own_transaction(connection, revision)
        return
    if connectable.dialect.name == "postgresql":
        connectable.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connectable
    command.upgrade(config, revision)


def _upgrade_in_own_transaction(
    connection: sa.Connection, revision: str, schema: str | None = None
) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # on the driver's connection: SQLAlchemy's would begin a transaction first
        _raw_sqlite(connection, "PRAGMA foreign_keys = OFF")
    try:
        with connection.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"}).begin():
            if schema is not None:
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
                connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            upgrade(connection, revision)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise StoreError(
                        f"migration left {len(broken)} row(s) without their parent "
                        f"(first: {tuple(broken[0])}); rolled back"
                    )
    finally:
        if sqlite:
            _raw_sqlite(connection, "PRAGMA foreign_keys = ON")


def _raw_sqlite(connection: sa.Connection, sql: str) -> None:
    """Run ``sql`` on the sqlite3 connection itself, outside any transaction."""
    raw: Any = connection.connection.dbapi_connection
    raw.execute(sql).close()


def _sqlite_events(engine: sa.Engine) -> None:
    """Real transactions on SQLite (BEGIN emitted by us) and bulk-friendly, safe pragmas."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite must not BEGIN or COMMIT itself
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer
            cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; fewer fsyncs
            cursor.execute("PRAGMA cache_size = -65536")  # 64 MiB page cache
            cursor.execute("PRAGMA temp_store = MEMORY")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        # A write takes the write lock at once (BEGIN IMMEDIATE), so two writers wait for
        # each other (busy timeout) instead of failing when a read lock is upgraded; a
        # read (BEGIN DEFERRED) never takes it and, with WAL, never waits for a writer.
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
    """The network's tables, after checking they can be stored (else InputError, nothing written)."""
    out: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        frame = network.table(table)
        expected = [a.name for a in attributes(table)]
        missing = [c for c in expected if c not in frame.columns]
        extra = [c for c in frame.columns if c not in expected]
        if missing or extra:
            raise InputError(
                f"{table}: cannot store columns that differ from the schema "
                f"(missing {missing}, unknown {extra})"
            )
        keys = list(key_columns(table))
        if len(frame) and frame[keys].isna().to_numpy().any():
            raise InputError(f"{table}: a key column {keys} has a missing value")
        duplicated = frame.duplicated(keys)
        if duplicated.any():
            row = int(np.flatnonzero(duplicated.to_numpy())[0])
            key = tuple(frame[keys].iloc[row])
            raise InputError(f"{table}: duplicate key {keys}={key} at row {row + 1}")
        out[table] = frame
    return out


def _one_line(text: str) -> str:
    return "; ".join(part.strip() for part in str(text).strip().splitlines() if part.strip())


def _driver_message(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)
    return _one_line(str(original if original is not None else exc))


def _describe(exc: BaseException, where: str, timeout: float) -> str:
    """A one-line account of a database failure, saying what to do about it."""
    message = _driver_message(exc)
    lowered = message.lower()
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if "database is locked" in lowered or "lock timeout" in lowered or code == "55P03":
        return (
            f"{where} is locked by another writer; gave up after {timeout:g} s "
            f"(wait longer with --lock-timeout or {LOCK_TIMEOUT_ENV})"
        )
    if "database or disk is full" in lowered or "no space left" in lowered or code == "53100":
        return f"{where}: the database or its disk is full; the transaction was rolled back"
    if "file is not a database" in lowered or "file is encrypted" in lowered:
        return f"{where} is not a database ({message})"
    if "unable to open database file" in lowered:
        return f"cannot open {where}: its folder does not exist or cannot be written ({message})"
    if "readonly database" in lowered or "read-only" in lowered:
        return f"{where} cannot be written ({message})"
    return f"{where}: {message}"


class Store:
    """Named Networks in a relational database (SQLite file by default, or PostgreSQL).

    Every save adds a version: the earlier versions stay (listed by :meth:`versions`,
    loaded or restored by number) until :meth:`prune` removes them. Opening a Store
    migrates its tables to the current schema if they are older (taking the write lock
    only then); reads never take the write lock, so with SQLite's WAL journal they run
    while a writer holds it. A writer waits up to ``lock_timeout`` seconds (default
    :func:`lock_timeout`: ``SYMBIOGRAPH_LOCK_TIMEOUT`` or 10 s) for another writer, then
    raises :class:`StoreError`. ``create=False`` refuses to create a new SQLite file
    (:class:`DatabaseNotFoundError`). ``schema`` (PostgreSQL only) keeps the tables in
    that database schema, created if needed. Use as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        url: str = "sqlite:///symbiograph.db",
        *,
        schema: str | None = None,
        lock_timeout: float | None = None,
        create: bool = True,
    ) -> None:
        self.url = url
        self.schema = schema
        self.lock_timeout = _lock_timeout(lock_timeout)
        self._where = f"database {url!r}"
        with self._errors():
            parsed = sa.make_url(url)
            self._where = f"database {parsed.render_as_string(hide_password=True)!r}"
            connect_args: dict[str, Any] = {}
            backend = parsed.get_backend_name()
            if schema is not None:
                if backend != "postgresql":
                    raise InputError("schema= is supported on PostgreSQL only")
                if not _SCHEMA_NAME.fullmatch(schema):
                    raise InputError(f"schema {schema!r}: use lower-case letters, digits and _")
            if backend == "sqlite":
                connect_args["timeout"] = self.lock_timeout
                self._check_sqlite_file(parsed.database, create)
            elif backend == "postgresql":
                options = [f"-c lock_timeout={round(self.lock_timeout * 1000)}"]
                if schema is not None:
                    options.append(f"-c search_path={schema}")
                connect_args["options"] = " ".join(options)
                connect_args["connect_timeout"] = 10
            self._engine = sa.create_engine(url, connect_args=connect_args)
            if self._engine.dialect.name == "sqlite":
                _sqlite_events(self._engine)
            try:
                if not self._at_head():
                    with self._engine.connect() as connection:
                        _upgrade_in_own_transaction(connection, "head", schema)
            except BaseException:
                self._engine.dispose()
                raise

    def _check_sqlite_file(self, database: str | None, create: bool) -> None:
        if not database or database == ":memory:" or database.startswith("file:"):
            return
        path = Path(database)
        self._where = f"SQLite database {str(path)!r}"
        if path.is_dir():
            raise StoreError(f"{self._where} is a folder, not a database file")
        if path.exists():
            return
        if not create:
            raise DatabaseNotFoundError(f"no database at {path}")
        if not path.parent.is_dir():
            raise StoreError(
                f"cannot create {self._where}: the folder {str(path.parent)!r} does not exist"
            )

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Database failures as one-line StoreErrors (the driver's error chained)."""
        try:
            yield
        except SymbiographError:
            raise
        except sa.exc.NoSuchModuleError as exc:
            raise StoreError(f"{self._where}: no such database kind ({exc})") from exc
        except sa.exc.ArgumentError as exc:
            raise StoreError(f"bad database URL {self.url!r}: {_one_line(str(exc))}") from exc
        except ImportError as exc:
            raise StoreError(
                f"{self._where}: its database driver is not installed ({exc})"
            ) from exc
        except (sa.exc.DBAPIError, sqlite3.Error) as exc:
            raise StoreError(_describe(exc, self._where, self.lock_timeout)) from exc
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"{self._where}: {_one_line(str(exc))}") from exc
        except OSError as exc:
            raise StoreError(f"{self._where}: {exc.strerror or exc}") from exc

    def _at_head(self) -> bool:
        """Whether the store's tables are at the newest migration (a read, no write lock)."""
        with self._engine.connect() as connection, connection.begin():
            current = MigrationContext.configure(
                connection, opts={"version_table": VERSION_TABLE}
            ).get_current_revision()
        return current is not None and current == _head()

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
        with self._errors(), self._engine.connect() as connection:
            connection.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})
            with connection.begin():
                yield connection

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        """A connection in a read transaction: one snapshot of every table, no write lock."""
        with self._errors(), self._engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                yield connection

    # --- looking up -----------------------------------------------------------------

    def _network_id(self, connection: sa.Connection, name: str) -> int:
        networks = metadata().tables[NETWORKS]
        found = connection.execute(
            sa.select(networks.c.id).where(networks.c.name == name)
        ).scalar_one_or_none()
        if found is None:
            raise NetworkNotFoundError(name)
        return int(found)

    def _version(self, connection: sa.Connection, name: str, number: int | None = None) -> Version:
        """Version ``number`` of network ``name`` (its newest when None)."""
        network_id = self._network_id(connection, name)
        versions = metadata().tables[VERSIONS]
        query = sa.select(versions).where(versions.c.network_id == network_id)
        if number is None:
            query = query.order_by(versions.c.number.desc()).limit(1)
        else:
            query = query.where(versions.c.number == number)
        row = connection.execute(query).one_or_none()
        if row is None:
            numbers = connection.execute(
                sa.select(versions.c.number)
                .where(versions.c.network_id == network_id)
                .order_by(versions.c.number)
            ).scalars()
            raise VersionNotFoundError(name, -1 if number is None else number, list(numbers))
        return _version_of(row, name)

    # --- writing --------------------------------------------------------------------

    def _lock_name(self, connection: sa.Connection, name: str) -> None:
        if connection.dialect.name == "postgresql":  # writes of one name queue up
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(:name))"),
                {"key": _SAVE_LOCK, "name": name},
            )

    def _add_version(
        self,
        connection: sa.Connection,
        name: str,
        parameters: dict[str, Any],
        counts: dict[str, int],
        note: str,
        replace: bool,
    ) -> Version:
        """Insert a new version row of ``name`` (and the network row for a new name)."""
        networks = metadata().tables[NETWORKS]
        versions = metadata().tables[VERSIONS]
        now = datetime.now(UTC)
        found = connection.execute(
            sa.select(networks.c.id).where(networks.c.name == name)
        ).scalar_one_or_none()
        previous: Version | None = None
        if found is None:
            inserted = connection.execute(
                sa.insert(networks).values(name=name, created_at=now)
            ).inserted_primary_key
            if inserted is None:  # pragma: no cover - every supported driver reports it
                raise StoreError(f"the database gave no id for network {name!r}")
            network_id = int(inserted[0])
        else:
            if not replace:
                raise NetworkExistsError(name)
            network_id = int(found)
            previous = self._version(connection, name)
        number = 1 if previous is None else previous.number + 1
        result = connection.execute(
            sa.insert(versions).values(
                network_id=network_id,
                number=number,
                parameters=parameters,
                saved_at=now,
                note=note,
                **{count_column(t): n for t, n in counts.items()},
            )
        )
        inserted = result.inserted_primary_key
        if inserted is None:  # pragma: no cover - every supported driver reports it
            raise StoreError(f"the database gave no id for a version of {name!r}")
        return Version(network_id, name, number, int(inserted[0]), now, note, counts, previous)

    def save(self, network: Network, name: str, replace: bool = True, *, note: str = "") -> Version:
        """Store ``network`` as a new version of ``name`` in one transaction.

        The earlier versions stay (``previous`` on the returned :class:`Version` is the one
        it replaced as current); with ``replace=False`` a stored name raises
        :class:`NetworkExistsError`. An empty name is refused (InputError). If anything
        fails, the database is left exactly as it was.
        """
        name = _checked_name(name)
        frames = _checked_tables(network)
        counts = {t: len(frame) for t, frame in frames.items()}
        with self._writing() as connection:
            self._lock_name(connection, name)
            version = self._add_version(
                connection, name, _plain(dict(network.parameters)), counts, note, replace
            )
            for table, frame in frames.items():
                _bulk.write_table(connection, table, frame, version.version_id)
        return version

    def restore(self, name: str, number: int) -> Version:
        """Make version ``number`` of ``name`` current again, as a new version copied from it.

        Nothing is removed: the version that was current stays listed and restorable.
        """
        with self._writing() as connection:
            self._lock_name(connection, name)
            old = self._version(connection, name, number)
            versions = metadata().tables[VERSIONS]
            parameters = connection.execute(
                sa.select(versions.c.parameters).where(versions.c.id == old.version_id)
            ).scalar_one()
            version = self._add_version(
                connection,
                name,
                parameters,
                old.counts,
                f"restored from version {number}",
                replace=True,
            )
            for table in TABLES:
                _bulk.copy_table(connection, table, old.version_id, version.version_id)
        return version

    def rename(self, name: str, new_name: str) -> None:
        """Give the network ``name`` (every version of it) the name ``new_name``."""
        new_name = _checked_name(new_name)
        networks = metadata().tables[NETWORKS]
        with self._writing() as connection:
            self._lock_name(connection, name)
            network_id = self._network_id(connection, name)
            if new_name == name:
                return
            taken = connection.execute(
                sa.select(networks.c.id).where(networks.c.name == new_name)
            ).scalar_one_or_none()
            if taken is not None:
                raise NetworkExistsError(new_name)
            connection.execute(
                sa.update(networks).where(networks.c.id == network_id).values(name=new_name)
            )

    def delete(self, name: str) -> None:
        """Remove the network ``name`` and every version of it (raises NetworkNotFoundError)."""
        networks = metadata().tables[NETWORKS]
        with self._writing() as connection:
            self._lock_name(connection, name)
            network_id = self._network_id(connection, name)
            connection.execute(sa.delete(networks).where(networks.c.id == network_id))

    def prune(self, name: str | None = None, keep: int = 1) -> int:
        """Remove all but the newest ``keep`` versions of ``name`` (of every network when
        None); the current version always stays. Returns how many versions were removed."""
        if keep < 1:
            raise InputError(f"keep at least one version, not {keep}")
        networks = metadata().tables[NETWORKS]
        versions = metadata().tables[VERSIONS]
        removed = 0
        with self._writing() as connection:
            if name is not None:
                self._lock_name(connection, name)
                ids = [self._network_id(connection, name)]
            else:
                ids = list(connection.execute(sa.select(networks.c.id)).scalars())
            for network_id in ids:
                numbers = list(
                    connection.execute(
                        sa.select(versions.c.number)
                        .where(versions.c.network_id == network_id)
                        .order_by(versions.c.number.desc())
                    ).scalars()
                )
                if len(numbers) <= keep:
                    continue
                result = connection.execute(
                    sa.delete(versions).where(
                        versions.c.network_id == network_id,
                        versions.c.number < numbers[keep - 1],
                    )
                )
                removed += int(result.rowcount)
        return removed

    # --- reading --------------------------------------------------------------------

    def load(self, name: str, version: int | None = None) -> Network:
        """The network stored under ``name``: its current version, or version ``version``.

        Raises :class:`NetworkNotFoundError` or :class:`VersionNotFoundError`.
        """
        versions = metadata().tables[VERSIONS]
        with self._reading() as connection:
            found = self._version(connection, name, version)
            parameters = connection.execute(
                sa.select(versions.c.parameters).where(versions.c.id == found.version_id)
            ).scalar_one()
            tables = {t: _bulk.read_table(connection, t, found.version_id) for t in TABLES}
        return Network(parameters=dict(parameters), **tables)

    def current(self, name: str) -> Version:
        """The current (newest) version of ``name``."""
        with self._reading() as connection:
            return self._version(connection, name)

    def names(self) -> list[str]:
        """The names of the stored networks, sorted."""
        networks = metadata().tables[NETWORKS]
        with self._reading() as connection:
            return list(
                connection.execute(sa.select(networks.c.name).order_by(networks.c.name)).scalars()
            )

    def summary(self) -> pd.DataFrame:
        """One row per stored network: id, name, version (the current one's number),
        versions (how many are kept), saved_at (UTC, of the current version) and n_<table>
        row counts of the current version."""
        networks = metadata().tables[NETWORKS]
        versions = metadata().tables[VERSIONS]
        newest = (
            sa.select(
                versions.c.network_id,
                sa.func.max(versions.c.number).label("number"),
                sa.func.count().label("kept"),
            )
            .group_by(versions.c.network_id)
            .subquery()
        )
        counts = [count_column(t) for t in TABLES]
        query = (
            sa.select(
                networks.c.id,
                networks.c.name,
                versions.c.number.label("version"),
                newest.c.kept.label("versions"),
                versions.c.saved_at,
                *(versions.c[c] for c in counts),
            )
            .join(newest, newest.c.network_id == networks.c.id)
            .join(
                versions,
                (versions.c.network_id == networks.c.id) & (versions.c.number == newest.c.number),
            )
            .order_by(networks.c.name)
        )
        columns = ["id", "name", "version", "versions", "saved_at", *counts]
        with self._reading() as connection:
            rows = connection.execute(query).all()
        return _typed_frame(rows, columns)

    def versions(self, name: str) -> pd.DataFrame:
        """Every kept version of ``name``, oldest first: version (number), version_id,
        saved_at (UTC), note and n_<table> row counts."""
        versions = metadata().tables[VERSIONS]
        counts = [count_column(t) for t in TABLES]
        with self._reading() as connection:
            network_id = self._network_id(connection, name)
            rows = connection.execute(
                sa.select(
                    versions.c.number.label("version"),
                    versions.c.id.label("version_id"),
                    versions.c.saved_at,
                    versions.c.note,
                    *(versions.c[c] for c in counts),
                )
                .where(versions.c.network_id == network_id)
                .order_by(versions.c.number)
            ).all()
        return _typed_frame(rows, ["version", "version_id", "saved_at", "note", *counts])


def _lock_timeout(seconds: float | None) -> float:
    if seconds is None:
        return lock_timeout()
    if not 0 <= seconds < 1e6 or seconds != seconds:
        raise InputError(f"lock timeout must be 0 or more seconds, not {seconds}")
    return float(seconds)


def _utc(value: Any) -> datetime:
    stamp = pd.Timestamp(value)
    return (
        stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    ).to_pydatetime()


def _version_of(row: Any, name: str) -> Version:
    return Version(
        network_id=int(row.network_id),
        name=name,
        number=int(row.number),
        version_id=int(row.id),
        saved_at=_utc(row.saved_at),
        note=str(row.note),
        counts={t: int(row._mapping[count_column(t)]) for t in TABLES},
    )


def _typed_frame(rows: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for column in columns:
        if column in ("name", "note"):
            frame[column] = frame[column].astype(object)
        elif column == "saved_at":
            frame[column] = pd.to_datetime(frame[column], utc=True)
        else:
            frame[column] = frame[column].astype("int64")
    return frame
