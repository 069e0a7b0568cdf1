"""The registry: parks, organisations, facilities, streams (with their quality) and exchanges
as rows changed one at a time (tables ``sg_r_*``, migration 0011).

Each row has an integer ``version`` (1 when created, +1 on each change; the API's ETag) and
``created_at``/``updated_at`` stamps. A change names the version it read: a stale version is
refused (:class:`StaleVersionError`), never a lost update. Every change is one transaction
that also appends a row to ``sg_r_audit`` (who, when, table, row id, action, the row before
and after as JSON) and re-validates the whole park through the scenario validation of
``symbiograph.io`` (the CLI's ``import``): a change that would make the park invalid raises
``ScenarioError`` and changes nothing.

A row's values are the Network record (the YAML layout of ``symbiograph.io``, canonical
units) held as JSON text; references are real columns (facility -> organisation, stream ->
facility, exchange -> supply and demand streams). The tables the registry does not hold as
rows (parameters, resources, sources, transport modes, ...) are kept whole on the park
(``extras``), so :meth:`Registry.to_network` gives back a complete Network.

Who may do what is the :class:`Tenant`'s role: the platform admin and the system every row;
a facilitator every row of its park; an organisation's admin or member reads its park and
writes its own organisation's facilities and streams; an observer reads its park.

Confidential figures are stored apart. A stream marked ``confidential`` (and an exchange
with such a stream at either end) is *sealed*: its row's ``data`` holds its confidential
fields (quantity, its bounds, price, note; a stream's quality) as the bands of
``symbiograph.access``, and the exact values sit in ``sg_r_figures``. On PostgreSQL
row-level security (migration 0012, ``_rls``) shows a figures row, and a sealed stream's
quality rows, only to who may see them (the platform, the park's facilitator, the
stream's owner), so even a query that forgets to redact cannot return them to anyone
else; the tenant is set per transaction. On SQLite every figures row is read and the web
layer redacts (``symbiograph.access``), the same rule applied in code. Validation and the
Network of a park always read the exact figures (as the platform).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from symbiograph.access import band_label, redact_text, redacted_columns
from symbiograph.errors import InputError, NotFoundError
from symbiograph.model import Network, attributes
from symbiograph.store._rls import set_tenant

if TYPE_CHECKING:
    from symbiograph.store._store import Store

__all__ = [
    "AUDIT",
    "ROW_TABLES",
    "AccessDeniedError",
    "AuditEntry",
    "Organisation",
    "Park",
    "Registry",
    "RegistryRow",
    "StaleVersionError",
    "StaleWrite",
    "Tenant",
    "registry_tables",
]

_P = "sg_r_"
PARKS = f"{_P}parks"
ORGANISATIONS = f"{_P}organisations"
FACILITIES = f"{_P}facilities"
STREAMS = f"{_P}streams"
STREAM_QUALITY = f"{_P}stream_quality"
EXCHANGES = f"{_P}exchanges"
AUDIT = f"{_P}audit"
FIGURES = f"{_P}figures"

#: The Network tables held as registry rows (API name -> database table).
ROW_TABLES: dict[str, str] = {
    "facilities": FACILITIES,
    "streams": STREAMS,
    "exchanges": EXCHANGES,
}
#: Network tables the rows cover (the rest is the park's ``extras``).
_COVERED = frozenset({"facilities", "streams", "stream_quality", "exchanges"})
#: Filters a list accepts per table (record fields compared as text).
FILTERS: dict[str, frozenset[str]] = {
    "facilities": frozenset({"organisation_id", "region", "nace_code"}),
    "streams": frozenset({"organisation_id", "facility_id", "resource_id", "direction"}),
    "exchanges": frozenset({"supply_id", "demand_id", "status", "mode"}),
}
MAX_LIMIT = 500


class StaleVersionError(InputError):
    """The row changed since the version the caller read (HTTP 412)."""

    def __init__(self, table: str, row_id: int, version: int) -> None:
        super().__init__(f"{table} row {row_id} was changed since (now version {version})")
        self.table, self.row_id, self.version = table, row_id, version


#: The name the issue uses for a refused stale write.
StaleWrite = StaleVersionError


class AccessDeniedError(InputError):
    """The tenant may not make this change (HTTP 403)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class RowNotFoundError(NotFoundError):
    """No row of that id in that table (or not one the tenant may see)."""

    def __init__(self, table: str, row_id: int) -> None:
        super().__init__(f"no {table} row with id {row_id}")
        self.table = table


@dataclass(frozen=True)
class Tenant:
    """Who acts on the registry: a user id (for the audit), a role and its scope."""

    user_id: str
    role: str
    park_id: int | None = None
    organisation_id: int | None = None

    @classmethod
    def system(cls) -> Tenant:
        """The platform itself (every row; audit actor ``system``)."""
        return cls("system", "system")

    @property
    def everywhere(self) -> bool:
        """True for the platform admin and the system (bound to no park)."""
        return self.role in ("admin", "system")

    def reads(self, park_id: int) -> bool:
        """Whether this tenant may read the rows of park ``park_id``."""
        return self.everywhere or self.park_id == park_id

    def runs(self, park_id: int) -> bool:
        """Whether this tenant manages park ``park_id`` (admin, system, its facilitator)."""
        return self.everywhere or (self.role == "facilitator" and self.park_id == park_id)

    def writes(self, table: str, park_id: int, organisation_id: int | None) -> bool:
        """Whether this tenant may change a ``table`` row of that park and organisation."""
        if self.runs(park_id):
            return True
        if table not in ("facilities", "streams"):
            return False
        return (
            self.role in ("org_admin", "member")
            and self.park_id == park_id
            and organisation_id is not None
            and organisation_id == self.organisation_id
        )


@dataclass(frozen=True)
class Park:
    """A park of the registry; ``extras`` are its Network tables not held as rows."""

    row_id: int
    name: str
    version: int
    created_at: datetime
    updated_at: datetime
    extras: dict[str, Any] = field(repr=False)

    @property
    def park_id(self) -> int:
        """The park's own id (a park is its own park)."""
        return self.row_id

    def json(self) -> dict[str, Any]:
        """The park as the API shows it (without the extras)."""
        return {
            "row_id": self.row_id,
            "name": self.name,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class Organisation:
    """An organisation (a participant, a legal entity) of a park."""

    row_id: int
    park_id: int
    name: str
    version: int
    created_at: datetime
    updated_at: datetime

    def json(self) -> dict[str, Any]:
        """The organisation as the API shows it."""
        return {
            "row_id": self.row_id,
            "park_id": self.park_id,
            "name": self.name,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class RegistryRow:
    """One facility, stream or exchange row: its ``values`` are the Network record (for a
    facility ``organisation_id`` instead of the organisation's name; for a stream its
    ``quality`` as attribute -> {value, min, max}). ``organisation_id`` is the owner (of the
    facility; of the stream's facility; of an exchange's supply), ``partner_organisation_id``
    an exchange's demand side. ``banded`` is True when the database withheld the row's
    exact figures from the tenant (PostgreSQL row-level security): its confidential
    fields are then already the bands of ``symbiograph.access``."""

    table: str
    row_id: int
    park_id: int
    organisation_id: int | None
    partner_organisation_id: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    values: dict[str, Any]
    banded: bool = False

    def json(self) -> dict[str, Any]:
        """The row as the API shows it: its meta fields and its values, flat."""
        return {
            **self.values,
            "row_id": self.row_id,
            "park_id": self.park_id,
            "organisation_id": self.organisation_id,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class AuditEntry:
    """One change: who, when, which row, what it was before and after (None if absent)."""

    id: int
    at: datetime
    actor: str
    park_id: int | None
    table: str
    row_id: int
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _stamps() -> list[sa.Column[Any]]:
    stamp = sa.DateTime(timezone=True)
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("updated_at", stamp, nullable=False),
    ]


def registry_tables(meta: sa.MetaData) -> None:
    """Add the registry's tables to the store's metadata ``meta``."""
    sa.Table(
        PARKS,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text(), nullable=False, unique=True),
        sa.Column("extras", sa.Text(), nullable=False),
        *_stamps(),
        sqlite_autoincrement=True,
    )
    sa.Table(
        ORGANISATIONS,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey(f"{PARKS}.id"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("park_id", "name"),
        sqlite_autoincrement=True,
    )
    sa.Table(
        FACILITIES,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey(f"{PARKS}.id"), nullable=False),
        sa.Column(
            "organisation_id", sa.Integer(), sa.ForeignKey(f"{ORGANISATIONS}.id"), nullable=False
        ),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("park_id", "key"),
        sqlite_autoincrement=True,
    )
    sa.Table(
        STREAMS,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey(f"{PARKS}.id"), nullable=False),
        sa.Column("facility_id", sa.Integer(), sa.ForeignKey(f"{FACILITIES}.id"), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        *_stamps(),
        sa.Column("sealed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("park_id", "key"),
        sqlite_autoincrement=True,
    )
    sa.Table(
        STREAM_QUALITY,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "stream_id",
            sa.Integer(),
            sa.ForeignKey(f"{STREAMS}.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("attribute", sa.Text(), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("min", sa.Double(), nullable=True),
        sa.Column("max", sa.Double(), nullable=True),
        sa.UniqueConstraint("stream_id", "attribute"),
        sqlite_autoincrement=True,
    )
    sa.Table(
        EXCHANGES,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey(f"{PARKS}.id"), nullable=False),
        sa.Column("supply_id", sa.Integer(), sa.ForeignKey(f"{STREAMS}.id"), nullable=False),
        sa.Column("demand_id", sa.Integer(), sa.ForeignKey(f"{STREAMS}.id"), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("park_id", "key"),
        sqlite_autoincrement=True,
    )
    sa.Table(
        AUDIT,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("sealed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Index("ix_sg_r_audit_park_id_id", "park_id", "id"),
        sqlite_autoincrement=True,
    )
    sa.Table(
        FIGURES,
        meta,
        sa.Column("table_name", sa.Text(), primary_key=True),
        sa.Column("row_id", sa.Integer(), primary_key=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey(f"{PARKS}.id"), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
    )


# --- JSON text (Infinity allowed: a price may be inf; PostgreSQL's JSON type refuses it) ---


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=True)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _fields(table: str) -> dict[str, Any]:
    return {a.name: a for a in attributes(table)}


#: Record fields that are references (stored as columns, not in ``data``).
_REFERENCES = {
    "facilities": ("id", "organisation"),
    "streams": ("id", "facility_id"),
    "exchanges": ("id", "supply_id", "demand_id"),
}


def _record_data(table: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The non-reference fields of a record (unknown fields refused), Nones dropped."""
    known = _fields(table)
    extra = {"organisation_id"} if table == "facilities" else set()
    if table == "streams":
        extra.add("quality")
    if table == "facilities" and "organisation" in values:
        raise InputError("facilities: name the organisation by organisation_id (its row id)")
    data: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known and name not in extra:
            raise InputError(
                f"{table}: unknown field {name!r} (fields: {', '.join(sorted(known))})"
            ) from None
        if name in _REFERENCES[table] or name in extra or value is None:
            continue
        if isinstance(value, float) and math.isnan(value):
            continue
        data[name] = value
    return data


def _quality_spec(spec: Any, stream: str) -> tuple[Any, Any, Any]:
    """(value, min, max) of one quality entry given as a number, [min, max] or a mapping."""
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"value", "min", "max"}
        if unknown:
            raise InputError(f"stream {stream!r}: quality keys are value, min, max")
        return spec.get("value"), spec.get("min"), spec.get("max")
    if isinstance(spec, list | tuple) and len(spec) == 2:
        return None, spec[0], spec[1]
    if spec is None or (isinstance(spec, int | float) and not isinstance(spec, bool)):
        return spec, None, None
    raise InputError(f"stream {stream!r}: a quality is a number, [min, max] or a mapping")


def _quality_json(value: Any, lo: Any, hi: Any) -> dict[str, Any]:
    return {k: v for k, v in (("value", value), ("min", lo), ("max", hi)) if v is not None}


class Registry:
    """The registry of a :class:`~symbiograph.store.Store` as ``tenant`` sees it (the
    system when None). Every method is one transaction."""

    def __init__(self, store: Store, tenant: Tenant | None = None) -> None:
        from symbiograph.store._schema import metadata

        self.store = store
        self.tenant = tenant or Tenant.system()
        tables = metadata().tables
        self._parks = tables[PARKS]
        self._orgs = tables[ORGANISATIONS]
        self._rows = {name: tables[db] for name, db in ROW_TABLES.items()}
        self._quality = tables[STREAM_QUALITY]
        self._audit = tables[AUDIT]
        self._figures = tables[FIGURES]
        self._system_depth = 0

    # --- plumbing -------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        with self.store._writing() as connection:
            self._enter(connection, self.tenant)
            yield connection

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        with self.store._reading() as connection:
            self._enter(connection, self.tenant)
            yield connection

    @staticmethod
    def _enter(connection: sa.Connection, tenant: Tenant) -> None:
        """Make ``tenant`` the transaction's tenant for row-level security (PostgreSQL)."""
        set_tenant(connection, tenant.role, tenant.park_id, tenant.organisation_id)

    @contextmanager
    def _as_system(self, connection: sa.Connection) -> Iterator[None]:
        """Within the transaction, read and write as the platform (validation, sealing),
        then as the tenant again (nested uses return to the tenant at the outermost)."""
        if self._system_depth == 0:
            self._enter(connection, Tenant.system())
        self._system_depth += 1
        try:
            yield
        except BaseException:
            # The transaction unwinds and rolls back (every method is one transaction), and
            # the setting with it; a statement now would fail on PostgreSQL's aborted
            # transaction and hide the error.
            self._system_depth -= 1
            raise
        self._system_depth -= 1
        if self._system_depth == 0:
            self._enter(connection, self.tenant)

    def _seal(self, connection: sa.Connection, table: str, row_id: int) -> None:
        """Store the exact confidential fields of row ``row_id`` apart (``sg_r_figures``)
        and their bands in the row, when it is sealed (a confidential stream; an exchange
        with a sealed end); unseal it otherwise. A stream's exchanges follow it."""
        if table not in _SEALABLE:
            return
        t, f = self._rows[table], self._figures
        with self._as_system(connection):
            row = self._row(connection, table, row_id)
            full = _record_data(table, row.values)
            if table == "streams":
                sealed = bool(full.get("confidential"))
            else:
                ends = connection.execute(
                    sa.select(t.c.supply_id, t.c.demand_id).where(t.c.id == row_id)
                ).one()
                s = self._rows["streams"]
                sealed = bool(
                    connection.execute(
                        sa.select(sa.func.count())
                        .select_from(s)
                        .where(s.c.id.in_([ends.supply_id, ends.demand_id]) & s.c.sealed)
                    ).scalar_one()
                )
            connection.execute(f.delete().where((f.c.table_name == table) & (f.c.row_id == row_id)))
            changes: dict[str, Any] = {"data": _dumps(full)}
            if sealed:
                exact = {k: full[k] for k in _sealed_fields(table) if k in full}
                shared: dict[str, Any] = {**full, **{k: _band(v) for k, v in exact.items()}}
                shared[_BANDED] = True
                quality = row.values.get("quality")
                if table == "streams" and quality:
                    shared[_BANDED_QUALITY] = {
                        a: {k: _band(v) for k, v in spec.items()} for a, spec in quality.items()
                    }
                changes["data"] = _dumps(shared)
                connection.execute(
                    f.insert().values(
                        table_name=table, row_id=row_id, park_id=row.park_id, data=_dumps(exact)
                    )
                )
            if table == "streams":
                changes["sealed"] = sealed
            connection.execute(t.update().where(t.c.id == row_id).values(**changes))
            if table == "streams":
                ex = self._rows["exchanges"]
                for (exchange,) in connection.execute(
                    sa.select(ex.c.id).where(
                        (ex.c.supply_id == row_id) | (ex.c.demand_id == row_id)
                    )
                ).all():
                    self._seal(connection, "exchanges", int(exchange))

    def _unseal_row(self, connection: sa.Connection, table: str, row_id: int) -> None:
        """Remove the figures of a deleted row."""
        f = self._figures
        with self._as_system(connection):
            connection.execute(f.delete().where((f.c.table_name == table) & (f.c.row_id == row_id)))

    def seal_all(self) -> int:
        """Seal (or unseal) every stream and exchange row by its confidentiality (rows
        written before figures were stored apart); how many rows are sealed now."""
        with self._writing() as connection:
            return seal_rows(self, connection)

    @staticmethod
    def _now() -> datetime:
        return datetime.now(UTC)

    def _log(
        self,
        connection: sa.Connection,
        park_id: int | None,
        table: str,
        row_id: int,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        connection.execute(
            self._audit.insert().values(
                at=self._now(),
                actor=self.tenant.user_id,
                park_id=park_id,
                table_name=table,
                row_id=row_id,
                action=action,
                before=None if before is None else _dumps(before),
                after=None if after is None else _dumps(after),
                sealed=_sealed_entry(table, before, after),
            )
        )

    def _deny(self, what: str) -> AccessDeniedError:
        return AccessDeniedError(f"a {self.tenant.role} may not {what}")

    # --- parks ----------------------------------------------------------------------

    def _park(self, connection: sa.Connection, park_id: int) -> Park:
        row = connection.execute(
            sa.select(self._parks).where(self._parks.c.id == park_id)
        ).one_or_none()
        if row is None or not self.tenant.reads(park_id):
            raise RowNotFoundError("parks", park_id)
        return Park(
            int(row.id),
            str(row.name),
            int(row.version),
            _utc(row.created_at),
            _utc(row.updated_at),
            _loads(row.extras),
        )

    def park(self, park_id: int) -> Park:
        """The park of id ``park_id`` (RowNotFoundError if absent or not the tenant's)."""
        with self._reading() as connection:
            return self._park(connection, park_id)

    def parks(self) -> list[Park]:
        """The parks the tenant may read, by id."""
        with self._reading() as connection:
            rows = connection.execute(sa.select(self._parks.c.id).order_by(self._parks.c.id))
            return [
                self._park(connection, int(r.id)) for r in rows.all() if self.tenant.reads(r.id)
            ]

    def create_park(self, name: str, extras: Mapping[str, Any] | None = None) -> Park:
        """A new, empty park called ``name`` (admin or system only); ``extras`` are the
        Network tables not held as rows (YAML layout: parameters, resources, ...)."""
        if not self.tenant.everywhere:
            raise self._deny("create a park")
        name = _name(name, "name")
        extras = dict(extras or {})
        bad = set(extras) & _COVERED
        if bad:
            raise InputError(f"extras may not hold {', '.join(sorted(bad))} (they are rows)")
        now = self._now()
        with self._writing() as connection:
            if connection.execute(
                sa.select(self._parks.c.id).where(self._parks.c.name == name)
            ).first():
                raise InputError(f"a park named {name!r} exists already")
            park_id = connection.execute(
                self._parks.insert().values(
                    name=name, extras=_dumps(extras), version=1, created_at=now, updated_at=now
                )
            )
            park = self._park(connection, _new_id(park_id))
            self._validate(connection, park.row_id)
            self._log(connection, park.row_id, "parks", park.row_id, "create", None, park.json())
            return park

    def update_park(
        self, park_id: int, version: int, *, name: str | None = None, extras: Any = None
    ) -> Park:
        """Rename park ``park_id`` or replace its extras, from ``version``."""
        with self._writing() as connection:
            before = self._park(connection, park_id)
            if not self.tenant.runs(park_id):
                raise self._deny("change this park")
            changes: dict[str, Any] = {}
            if name is not None:
                changes["name"] = _name(name, "name")
                if connection.execute(
                    sa.select(self._parks.c.id).where(
                        (self._parks.c.name == changes["name"]) & (self._parks.c.id != park_id)
                    )
                ).first():
                    raise InputError(f"a park named {changes['name']!r} exists already")
            if extras is not None:
                if set(extras) & _COVERED:
                    raise InputError("extras may not hold the tables held as rows")
                changes["extras"] = _dumps(dict(extras))
            self._bump(connection, self._parks, "parks", park_id, version, changes)
            after = self._park(connection, park_id)
            self._validate(connection, park_id)
            self._log(connection, park_id, "parks", park_id, "update", before.json(), after.json())
            return after

    def delete_park(self, park_id: int, version: int) -> None:
        """Delete an empty park (one with organisations is refused)."""
        with self._writing() as connection:
            before = self._park(connection, park_id)
            if not self.tenant.everywhere:
                raise self._deny("delete a park")
            count = connection.execute(
                sa.select(sa.func.count()).where(self._orgs.c.park_id == park_id)
            ).scalar_one()
            if count:
                raise InputError(f"park {park_id} has {count} organisation(s): delete them first")
            self._remove(connection, self._parks, "parks", park_id, version)
            self._log(connection, park_id, "parks", park_id, "delete", before.json(), None)

    # --- organisations --------------------------------------------------------------

    def _organisation(self, connection: sa.Connection, organisation_id: int) -> Organisation:
        row = connection.execute(
            sa.select(self._orgs).where(self._orgs.c.id == organisation_id)
        ).one_or_none()
        if row is None or not self.tenant.reads(int(row.park_id)):
            raise RowNotFoundError("organisations", organisation_id)
        return Organisation(
            int(row.id),
            int(row.park_id),
            str(row.name),
            int(row.version),
            _utc(row.created_at),
            _utc(row.updated_at),
        )

    def organisation(self, organisation_id: int) -> Organisation:
        """The organisation of id ``organisation_id``."""
        with self._reading() as connection:
            return self._organisation(connection, organisation_id)

    def organisations(
        self, park_id: int, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[Organisation], int]:
        """A page of the park's organisations by id and how many there are in all."""
        limit, offset = _page(limit, offset)
        with self._reading() as connection:
            self._park(connection, park_id)
            where = self._orgs.c.park_id == park_id
            total = connection.execute(sa.select(sa.func.count()).where(where)).scalar_one()
            ids = connection.execute(
                sa.select(self._orgs.c.id)
                .where(where)
                .order_by(self._orgs.c.id)
                .limit(limit)
                .offset(offset)
            ).scalars()
            return [self._organisation(connection, int(i)) for i in ids.all()], int(total)

    def create_organisation(self, park_id: int, name: str) -> Organisation:
        """A new organisation ``name`` in park ``park_id`` (admin or its facilitator)."""
        with self._writing() as connection:
            self._park(connection, park_id)
            if not self.tenant.runs(park_id):
                raise self._deny("create an organisation")
            org = self._insert_organisation(connection, park_id, _name(name, "name"))
            self._log(connection, park_id, "organisations", org.row_id, "create", None, org.json())
            return org

    def _insert_organisation(
        self, connection: sa.Connection, park_id: int, name: str
    ) -> Organisation:
        exists = connection.execute(
            sa.select(self._orgs.c.id).where(
                (self._orgs.c.park_id == park_id) & (self._orgs.c.name == name)
            )
        ).first()
        if exists:
            raise InputError(f"park {park_id} has an organisation named {name!r} already")
        now = self._now()
        new_id = connection.execute(
            self._orgs.insert().values(
                park_id=park_id, name=name, version=1, created_at=now, updated_at=now
            )
        )
        return self._organisation(connection, _new_id(new_id))

    def update_organisation(self, organisation_id: int, version: int, name: str) -> Organisation:
        """Rename an organisation (admin, its park's facilitator, its own org admin)."""
        with self._writing() as connection:
            before = self._organisation(connection, organisation_id)
            own = (
                self.tenant.role == "org_admin"
                and self.tenant.organisation_id == organisation_id
                and self.tenant.park_id == before.park_id
            )
            if not (self.tenant.runs(before.park_id) or own):
                raise self._deny("rename this organisation")
            name = _name(name, "name")
            clash = connection.execute(
                sa.select(self._orgs.c.id).where(
                    (self._orgs.c.park_id == before.park_id)
                    & (self._orgs.c.name == name)
                    & (self._orgs.c.id != organisation_id)
                )
            ).first()
            if clash:
                raise InputError(
                    f"park {before.park_id} has an organisation named {name!r} already"
                )
            self._bump(
                connection,
                self._orgs,
                "organisations",
                organisation_id,
                version,
                {"name": _name(name, "name")},
            )
            after = self._organisation(connection, organisation_id)
            self._validate(connection, before.park_id)
            self._log(
                connection,
                before.park_id,
                "organisations",
                organisation_id,
                "update",
                before.json(),
                after.json(),
            )
            return after

    def delete_organisation(self, organisation_id: int, version: int) -> None:
        """Delete an organisation without facilities."""
        with self._writing() as connection:
            before = self._organisation(connection, organisation_id)
            if not self.tenant.runs(before.park_id):
                raise self._deny("delete an organisation")
            table = self._rows["facilities"]
            count = connection.execute(
                sa.select(sa.func.count()).where(table.c.organisation_id == organisation_id)
            ).scalar_one()
            if count:
                raise InputError(
                    f"organisation {organisation_id} has {count} facilities: delete them first"
                )
            self._remove(connection, self._orgs, "organisations", organisation_id, version)
            self._log(
                connection,
                before.park_id,
                "organisations",
                organisation_id,
                "delete",
                before.json(),
                None,
            )

    # --- facility, stream and exchange rows -------------------------------------------

    def _table(self, table: str) -> sa.Table:
        found = self._rows.get(table)
        if found is None:
            raise NotFoundError(f"no registry table {table!r} (tables: {', '.join(ROW_TABLES)})")
        return found

    def _row(self, connection: sa.Connection, table: str, row_id: int) -> RegistryRow:
        t = self._table(table)
        row = connection.execute(sa.select(t).where(t.c.id == row_id)).one_or_none()
        if row is None or not self.tenant.reads(int(row.park_id)):
            raise RowNotFoundError(table, row_id)
        values: dict[str, Any] = {"id": row.key}
        partner: int | None = None
        if table == "facilities":
            organisation: int | None = int(row.organisation_id)
            values["organisation_id"] = organisation
        elif table == "streams":
            fac = self._row(connection, "facilities", int(row.facility_id))
            organisation = fac.organisation_id
            values["facility_id"] = fac.values["id"]
            quality = connection.execute(
                sa.select(self._quality)
                .where(self._quality.c.stream_id == row.id)
                .order_by(self._quality.c.id)
            ).all()
            if quality:
                values["quality"] = {
                    q.attribute: _quality_json(q.value, q.min, q.max) for q in quality
                }
        else:
            supply = self._row(connection, "streams", int(row.supply_id))
            demand = self._row(connection, "streams", int(row.demand_id))
            organisation, partner = supply.organisation_id, demand.organisation_id
            values["supply_id"] = supply.values["id"]
            values["demand_id"] = demand.values["id"]
        banded = False
        if table in _SEALABLE:
            exact = connection.execute(
                sa.select(self._figures.c.data).where(
                    (self._figures.c.table_name == table) & (self._figures.c.row_id == row.id)
                )
            ).scalar_one_or_none()
            banded = _unseal(values, row.data, exact)
        else:
            values.update(_loads(row.data))
        return RegistryRow(
            table,
            int(row.id),
            int(row.park_id),
            organisation,
            partner,
            int(row.version),
            _utc(row.created_at),
            _utc(row.updated_at),
            values,
            banded,
        )

    def _park_rows(self, connection: sa.Connection, park_id: int) -> dict[str, list[RegistryRow]]:
        """Every facility, stream and exchange row of park ``park_id`` by row id, in four
        queries (what :meth:`_row` gives one at a time)."""
        q = self._quality
        quality: dict[int, dict[str, Any]] = {}
        streams_t = self._rows["streams"]
        for r in connection.execute(
            sa.select(q)
            .join(streams_t, streams_t.c.id == q.c.stream_id)
            .where(streams_t.c.park_id == park_id)
            .order_by(q.c.id)
        ).all():
            quality.setdefault(int(r.stream_id), {})[r.attribute] = _quality_json(
                r.value, r.min, r.max
            )
        f = self._figures
        figures = {
            (str(r.table_name), int(r.row_id)): r.data
            for r in connection.execute(
                sa.select(f.c.table_name, f.c.row_id, f.c.data).where(f.c.park_id == park_id)
            ).all()
        }
        out: dict[str, list[RegistryRow]] = {}
        by_id: dict[str, dict[int, RegistryRow]] = {}
        for table in ("facilities", "streams", "exchanges"):
            t = self._rows[table]
            made: list[RegistryRow] = []
            for row in connection.execute(
                sa.select(t).where(t.c.park_id == park_id).order_by(t.c.id)
            ).all():
                values: dict[str, Any] = {"id": row.key}
                partner: int | None = None
                if table == "facilities":
                    organisation: int | None = int(row.organisation_id)
                    values["organisation_id"] = organisation
                elif table == "streams":
                    fac = by_id["facilities"][int(row.facility_id)]
                    organisation = fac.organisation_id
                    values["facility_id"] = fac.values["id"]
                    if int(row.id) in quality:
                        values["quality"] = quality[int(row.id)]
                else:
                    supply = by_id["streams"][int(row.supply_id)]
                    demand = by_id["streams"][int(row.demand_id)]
                    organisation, partner = supply.organisation_id, demand.organisation_id
                    values["supply_id"] = supply.values["id"]
                    values["demand_id"] = demand.values["id"]
                banded = False
                if table in _SEALABLE:
                    banded = _unseal(values, row.data, figures.get((table, int(row.id))))
                else:
                    values.update(_loads(row.data))
                made.append(
                    RegistryRow(
                        table,
                        int(row.id),
                        int(row.park_id),
                        organisation,
                        partner,
                        int(row.version),
                        _utc(row.created_at),
                        _utc(row.updated_at),
                        values,
                        banded,
                    )
                )
            out[table] = made
            by_id[table] = {r.row_id: r for r in made}
        return out

    def get(self, table: str, row_id: int) -> RegistryRow:
        """Row ``row_id`` of ``table`` (facilities, streams or exchanges)."""
        with self._reading() as connection:
            return self._row(connection, table, row_id)

    def rows(
        self,
        table: str,
        park_id: int,
        *,
        limit: int = 50,
        offset: int = 0,
        filters: Mapping[str, Any] | None = None,
    ) -> tuple[list[RegistryRow], int]:
        """A page of ``table``'s rows of park ``park_id`` (by row id) matching ``filters``
        (field -> value, compared as text; see ``FILTERS``) and how many match in all."""
        limit, offset = _page(limit, offset)
        filters = dict(filters or {})
        unknown = set(filters) - FILTERS.get(table, frozenset())
        if unknown:
            allowed = ", ".join(sorted(FILTERS.get(table, frozenset())))
            raise InputError(f"{table}: cannot filter on {', '.join(sorted(unknown))} ({allowed})")
        self._table(table)
        with self._reading() as connection:
            self._park(connection, park_id)
            rows = self._park_rows(connection, park_id)[table]
        if filters:
            rows = [
                r
                for r in rows
                if all(str(r.json().get(k)) == str(v) for k, v in filters.items() if v is not None)
            ]
        return rows[offset : offset + limit], len(rows)

    def create(self, table: str, park_id: int, values: Mapping[str, Any]) -> RegistryRow:
        """A new row of ``table`` in park ``park_id`` from the Network record ``values``
        (a facility names its ``organisation_id``; a stream its ``facility_id`` and an
        exchange its ``supply_id``/``demand_id`` by their record ids)."""
        t = self._table(table)
        with self._writing() as connection:
            self._park(connection, park_id)
            columns = self._columns(connection, table, park_id, dict(values), None)
            owner = self._owner(connection, table, columns)
            if not self.tenant.writes(table, park_id, owner):
                raise self._deny(f"create {table} here")
            now = self._now()
            quality = columns.pop("_quality", None)
            row_id = _new_id(
                connection.execute(
                    t.insert().values(
                        park_id=park_id, version=1, created_at=now, updated_at=now, **columns
                    )
                )
            )
            if quality is not None:
                self._set_quality(connection, row_id, quality)
            self._seal(connection, table, row_id)
            after = self._row(connection, table, row_id)
            self._validate(connection, park_id)
            self._log(connection, park_id, table, row_id, "create", None, after.json())
            return after

    def update(
        self,
        table: str,
        row_id: int,
        version: int,
        values: Mapping[str, Any],
        *,
        replace: bool = False,
    ) -> RegistryRow:
        """Change row ``row_id`` of ``table`` from ``version``: the fields in ``values``
        (``replace``: the whole record, fields not given are cleared)."""
        t = self._table(table)
        with self._writing() as connection:
            before = self._row(connection, table, row_id)
            if not self.tenant.writes(table, before.park_id, before.organisation_id):
                raise self._deny(f"change this {table} row")
            if before.version != version:
                raise StaleVersionError(table, row_id, before.version)
            meta = {"row_id", "park_id", "version", "created_at", "updated_at"}
            given = {k: v for k, v in values.items() if k not in meta}
            if replace:
                merged = given
                for ref in (*_REFERENCES[table], "organisation_id"):
                    if ref in before.values and ref not in merged:
                        merged[ref] = before.values[ref]
            else:
                merged = {**before.values, **given}
            columns = self._columns(connection, table, before.park_id, merged, row_id)
            owner = self._owner(connection, table, columns)
            if not self.tenant.writes(table, before.park_id, owner):
                raise self._deny(f"give this {table} row to another organisation")
            quality = columns.pop("_quality", None)
            self._bump(connection, t, table, row_id, version, columns)
            if quality is not None or replace:
                self._set_quality(connection, row_id, quality or {})
            self._seal(connection, table, row_id)
            after = self._row(connection, table, row_id)
            self._validate(connection, before.park_id)
            self._log(
                connection, before.park_id, table, row_id, "update", before.json(), after.json()
            )
            return after

    def delete(self, table: str, row_id: int, version: int) -> None:
        """Delete row ``row_id`` of ``table`` at ``version`` (refused while another row or
        an extras table refers to it)."""
        t = self._table(table)
        with self._writing() as connection:
            before = self._row(connection, table, row_id)
            if not self.tenant.writes(table, before.park_id, before.organisation_id):
                raise self._deny(f"delete this {table} row")
            self._refuse_referenced(connection, table, row_id)
            self._remove(connection, t, table, row_id, version)
            self._unseal_row(connection, table, row_id)
            self._validate(connection, before.park_id)
            self._log(connection, before.park_id, table, row_id, "delete", before.json(), None)

    def _refuse_referenced(self, connection: sa.Connection, table: str, row_id: int) -> None:
        checks: list[tuple[str, Any]] = []
        if table == "facilities":
            checks.append(("streams", self._rows["streams"].c.facility_id == row_id))
        if table == "streams":
            ex = self._rows["exchanges"]
            checks.append(("exchanges", (ex.c.supply_id == row_id) | (ex.c.demand_id == row_id)))
        for name, where in checks:
            n = connection.execute(
                sa.select(sa.func.count()).select_from(self._rows[name]).where(where)
            ).scalar_one()
            if n:
                raise InputError(f"{table} row {row_id} is used by {n} {name} row(s)")

    def _owner(self, connection: sa.Connection, table: str, columns: dict[str, Any]) -> int | None:
        if table == "facilities":
            return int(columns["organisation_id"])
        if table == "streams":
            return self._row(connection, "facilities", int(columns["facility_id"])).organisation_id
        return self._row(connection, "streams", int(columns["supply_id"])).organisation_id

    def _key_row(self, connection: sa.Connection, table: str, park_id: int, key: Any) -> int:
        t = self._rows[table]
        found = connection.execute(
            sa.select(t.c.id).where((t.c.park_id == park_id) & (t.c.key == str(key)))
        ).scalar_one_or_none()
        if found is None:
            field = {"facilities": "facility_id", "streams": "stream"}[table]
            raise InputError(f"no {table[:-1]} {key!r} in park {park_id} ({field})")
        return int(found)

    def _columns(
        self,
        connection: sa.Connection,
        table: str,
        park_id: int,
        values: dict[str, Any],
        row_id: int | None,
    ) -> dict[str, Any]:
        """The database columns of a record (references resolved in park ``park_id``)."""
        key = values.get("id")
        if not isinstance(key, str) or not key.strip():
            raise InputError(f"{table}: id is required (a non-empty text)")
        t = self._rows[table]
        clash = connection.execute(
            sa.select(t.c.id).where((t.c.park_id == park_id) & (t.c.key == key))
        ).scalar_one_or_none()
        if clash is not None and clash != row_id:
            raise InputError(f"{table}: park {park_id} has a row with id {key!r} already")
        out: dict[str, Any] = {"key": key, "data": _dumps(_record_data(table, values))}
        if table == "facilities":
            org = values.get("organisation_id")
            if not isinstance(org, int) or isinstance(org, bool):
                raise InputError("facilities: organisation_id is required (a whole number)")
            found = connection.execute(
                sa.select(self._orgs.c.park_id).where(self._orgs.c.id == org)
            ).scalar_one_or_none()
            if found != park_id:
                raise InputError(f"facilities: no organisation {org} in park {park_id}")
            out["organisation_id"] = org
        elif table == "streams":
            out["facility_id"] = self._key_row(
                connection, "facilities", park_id, values.get("facility_id")
            )
            quality = values.get("quality")
            if quality is not None:
                if not isinstance(quality, Mapping):
                    raise InputError(f"stream {key!r}: quality is attribute -> value")
                out["_quality"] = {str(a): _quality_spec(s, key) for a, s in quality.items()}
        else:
            out["supply_id"] = self._key_row(
                connection, "streams", park_id, values.get("supply_id")
            )
            out["demand_id"] = self._key_row(
                connection, "streams", park_id, values.get("demand_id")
            )
        return out

    def _set_quality(
        self, connection: sa.Connection, stream_row: int, quality: Mapping[str, Any]
    ) -> None:
        connection.execute(self._quality.delete().where(self._quality.c.stream_id == stream_row))
        for attribute, (value, lo, hi) in quality.items():
            for v in (value, lo, hi):
                if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                    raise InputError(f"quality {attribute!r}: values must be numbers")
            connection.execute(
                self._quality.insert().values(
                    stream_id=stream_row, attribute=attribute, value=value, min=lo, max=hi
                )
            )

    def _bump(
        self,
        connection: sa.Connection,
        t: sa.Table,
        table: str,
        row_id: int,
        version: int,
        changes: dict[str, Any],
    ) -> None:
        done = connection.execute(
            t.update()
            .where((t.c.id == row_id) & (t.c.version == version))
            .values(version=t.c.version + 1, updated_at=self._now(), **changes)
        )
        if done.rowcount != 1:
            self._stale(connection, t, table, row_id)

    def _remove(
        self, connection: sa.Connection, t: sa.Table, table: str, row_id: int, version: int
    ) -> None:
        done = connection.execute(t.delete().where((t.c.id == row_id) & (t.c.version == version)))
        if done.rowcount != 1:
            self._stale(connection, t, table, row_id)

    @staticmethod
    def _stale(connection: sa.Connection, t: sa.Table, table: str, row_id: int) -> None:
        now = connection.execute(sa.select(t.c.version).where(t.c.id == row_id)).scalar()
        if now is None:
            raise RowNotFoundError(table, row_id)
        raise StaleVersionError(table, row_id, int(now))

    # --- audit ----------------------------------------------------------------------

    def audit(
        self, park_id: int | None = None, *, limit: int = 50, offset: int = 0
    ) -> list[AuditEntry]:
        """The audit log (of one park, or all for the admin), oldest first."""
        limit, offset = _page(limit, offset)
        a = self._audit
        query = sa.select(a).order_by(a.c.id).limit(limit).offset(offset)
        with self._reading() as connection:
            if park_id is not None:
                self._park(connection, park_id)
                query = query.where(a.c.park_id == park_id)
                if not self.tenant.runs(park_id):  # what row-level security does on PostgreSQL
                    query = query.where(a.c.sealed.is_(False))
            elif not self.tenant.everywhere:
                raise self._deny("read every park's audit log")
            return [
                AuditEntry(
                    int(r.id),
                    _utc(r.at),
                    str(r.actor),
                    None if r.park_id is None else int(r.park_id),
                    str(r.table_name),
                    int(r.row_id),
                    str(r.action),
                    _loads(r.before),
                    _loads(r.after),
                )
                for r in connection.execute(query).all()
            ]

    # --- Network in and out ---------------------------------------------------------

    def _document(self, connection: sa.Connection, park_id: int) -> dict[str, Any]:
        park = self._park(connection, park_id)
        doc: dict[str, Any] = dict(park.extras)
        orgs = dict(
            connection.execute(
                sa.select(self._orgs.c.id, self._orgs.c.name).where(self._orgs.c.park_id == park_id)
            ).all()
        )
        every = self._park_rows(connection, park_id)
        for table in ("facilities", "streams", "exchanges"):
            records = []
            for found in every[table]:
                values = dict(found.values)
                if table == "facilities":
                    values["organisation"] = orgs[values.pop("organisation_id")]
                records.append(values)
            if records:
                doc[table] = records
        return doc

    def _validate(self, connection: sa.Connection, park_id: int) -> Network:
        from symbiograph.io import network_from_document

        with self._as_system(connection):  # the exact figures, whoever asks
            document = self._document(connection, park_id)
        return network_from_document(document, f"park {park_id}", allow_empty=True)

    def to_network(self, park_id: int) -> Network:
        """The park as the core's Network (validated like the CLI's ``import``; full values:
        redact for a viewer with ``symbiograph.access``)."""
        with self._reading() as connection:
            return self._validate(connection, park_id)

    def import_network(self, park_id: int, network: Network) -> list[Organisation]:
        """Add ``network``'s facilities, streams and exchanges to the empty park ``park_id``
        (its other tables become the park's extras), creating its organisations (sorted by
        name, so their ids follow that order in a fresh registry). Validated like the CLI's
        ``import``; all or nothing. The organisations, by name."""
        from symbiograph.io import network_document, network_from_document

        document = network_document(network)
        network_from_document(document, f"park {park_id}", allow_empty=True)
        with self._writing() as connection:
            park = self._park(connection, park_id)
            if not self.tenant.runs(park_id):
                raise self._deny("import into this park")
            for table, t in self._rows.items():
                n = connection.execute(
                    sa.select(sa.func.count()).where(t.c.park_id == park_id)
                ).scalar_one()
                if n:
                    raise InputError(f"park {park_id} holds {n} {table} already: import is refused")
            if document.get("stream_quality"):
                raise InputError("stream quality rows name streams the network does not hold")
            extras = {k: v for k, v in document.items() if k not in _COVERED}
            connection.execute(
                self._parks.update()
                .where(self._parks.c.id == park_id)
                .values(extras=_dumps(extras), version=self._parks.c.version + 1)
            )
            after = self._park(connection, park_id)
            self._log(connection, park_id, "parks", park_id, "update", park.json(), after.json())
            names = sorted({str(f["organisation"]) for f in document.get("facilities", [])})
            existing = dict(
                connection.execute(
                    sa.select(self._orgs.c.name, self._orgs.c.id).where(
                        self._orgs.c.park_id == park_id
                    )
                ).all()
            )
            organisations: list[Organisation] = []
            by_name: dict[str, int] = {}
            for name in names:
                if name in existing:
                    org = self._organisation(connection, int(existing[name]))
                else:
                    org = self._insert_organisation(connection, park_id, name)
                    self._log(
                        connection, park_id, "organisations", org.row_id, "create", None, org.json()
                    )
                organisations.append(org)
                by_name[name] = org.row_id
            now = self._now()
            for table in ("facilities", "streams", "exchanges"):
                t = self._rows[table]
                for record in document.get(table, []):
                    values = dict(record)
                    if table == "facilities":
                        values["organisation_id"] = by_name[str(values.pop("organisation"))]
                    columns = self._columns(connection, table, park_id, values, None)
                    quality = columns.pop("_quality", None)
                    row_id = _new_id(
                        connection.execute(
                            t.insert().values(
                                park_id=park_id,
                                version=1,
                                created_at=now,
                                updated_at=now,
                                **columns,
                            )
                        )
                    )
                    if quality is not None:
                        self._set_quality(connection, row_id, quality)
                    self._seal(connection, table, row_id)
                    row = self._row(connection, table, row_id)
                    self._log(connection, park_id, table, row_id, "create", None, row.json())
            self._validate(connection, park_id)
            return organisations


#: Tables whose rows may be sealed (confidential figures stored apart).
_SEALABLE = frozenset({"streams", "exchanges"})
#: Keys of a sealed row's ``data``: the row is banded; a stream's banded quality.
_BANDED = "_banded"
_BANDED_QUALITY = "_quality"


def _sealed_fields(table: str) -> tuple[str, ...]:
    """The fields of a sealed row of ``table`` held apart (its confidential columns and
    its note, which may repeat a figure)."""
    return (*redacted_columns(table), "note")


def _band(value: Any) -> Any:
    """The band of a figure (a number's 1-2-5 band, every number of a text banded)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return band_label(float(value))
    if isinstance(value, str):
        return redact_text(value)
    return value


def _unseal(values: dict[str, Any], data_text: str, exact_text: str | None) -> bool:
    """Add a row's stored ``data`` to ``values``, with its exact figures when the tenant
    may read them (``exact_text``); True when they were withheld (the bands stay)."""
    data = dict(_loads(data_text))
    banded = bool(data.pop(_BANDED, False))
    banded_quality = data.pop(_BANDED_QUALITY, None)
    values.update(data)
    if not banded:
        return False
    if exact_text is not None:
        values.update(_loads(exact_text))
        return False
    values.pop("quality", None)
    if banded_quality:
        values["quality"] = banded_quality
    return True


def _sealed_entry(
    table: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> bool:
    """Whether an audit entry holds confidential figures (a confidential stream before or
    after the change; any exchange): only the park's facilitator and the platform read it."""
    if table == "exchanges":
        return True
    if table != "streams":
        return False
    return any(bool(side.get("confidential")) for side in (before, after) if side is not None)


def seal_rows(registry: Registry, connection: sa.Connection) -> int:
    """Seal every stream, then every exchange, of the store on ``connection`` by its
    confidentiality (see :meth:`Registry._seal`); the number of sealed rows."""
    sealed = 0
    with registry._as_system(connection):
        for table in ("streams", "exchanges"):
            t = registry._rows[table]
            for (row_id,) in connection.execute(sa.select(t.c.id).order_by(t.c.id)).all():
                registry._seal(connection, table, int(row_id))
        f = registry._figures
        sealed = int(connection.execute(sa.select(sa.func.count()).select_from(f)).scalar_one())
    return sealed


def _new_id(result: sa.CursorResult[Any]) -> int:
    """The id of the row an INSERT made."""
    key = result.inserted_primary_key
    if key is None:
        raise InputError("the database gave no id for the new row")
    return int(key[0])


def _name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InputError(f"{field} must be a non-empty text of at most 200 characters")
    return value.strip()


def _page(limit: int, offset: int) -> tuple[int, int]:
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be between 1 and {MAX_LIMIT}")
    if not 0 <= offset < 2**31:
        raise InputError(f"offset must be between 0 and {2**31 - 1}")
    return int(limit), int(offset)
