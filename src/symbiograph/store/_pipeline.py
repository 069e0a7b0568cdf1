"""The facilitator's deal pipeline: synergies between two organisations of a park, moved
through the stages of a deal, with their documents (tables ``sg_p_*``, migration 0013).

A synergy (from a match candidate, or entered by hand) names its giver and taker
organisations, optionally the supply and demand streams (their record ids), an owner (who
brokers it), dates, notes and its outcome figures (flow in the resource's unit per year,
money in currency/yr, t CO2e/yr, t/yr of landfill diverted and virgin material avoided, m3/yr
of water saved, MWh/yr of energy recovered, FTE jobs). Its stage moves along
:data:`MOVES`: identified -> contacted -> feasibility -> agreed -> contracted -> operating ->
ended, or to declined from any stage before operating; each move is allowed only to the roles
the table names (the park's facilitator and the platform admin every move; an organisation
admin of either side may decline the deal or end an operating one), and each is recorded in
``sg_p_moves`` (who, when, from, to, note) and in the registry's audit log.

Rows carry a version like the registry's rows (``symbiograph.store.Registry``): a change
names the version it read, a stale one is refused (:class:`StaleVersionError`). A document
is a record (a safe file name, media type, size, SHA-256, who, when) with its bytes in the
database, so no file name ever reaches a file system path.

Who reads what: the facilitator and the admin every synergy of the park; an organisation's
admin or member only the synergies its organisation is party to; an observer none. What a
party sees of the other side's confidential figures is the web layer's redaction
(``symbiograph.access``).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from symbiograph.errors import InputError
from symbiograph.store._registry import (
    PARKS,
    AccessDeniedError,
    Registry,
    RowNotFoundError,
    StaleVersionError,
    Tenant,
    _dumps,
    _loads,
    _new_id,
    _page,
    _utc,
)

if TYPE_CHECKING:
    from symbiograph.store._store import Store

__all__ = [
    "FIGURES",
    "MOVES",
    "PARTNER_STAGES",
    "STAGES",
    "Pipeline",
    "Synergy",
    "SynergyDocument",
    "SynergyMove",
    "pipeline_tables",
]

SYNERGIES = "sg_p_synergies"
MOVES_TABLE = "sg_p_moves"
DOCUMENTS = "sg_p_documents"

#: The stages of a deal, in order; ``ended`` and ``declined`` are final.
STAGES: tuple[str, ...] = (
    "identified",
    "contacted",
    "feasibility",
    "agreed",
    "contracted",
    "operating",
    "ended",
    "declined",
)
#: Stages at which both sides have accepted the synergy (they are each other's partners).
PARTNER_STAGES = frozenset({"agreed", "contracted", "operating"})
_BEFORE_OPERATING = ("identified", "contacted", "feasibility", "agreed", "contracted")

#: (from stage, to stage) -> who may make the move: ``facilitator`` (the park's facilitator,
#: the platform admin and the system) and ``party`` (an organisation admin of either side).
MOVES: dict[tuple[str, str], frozenset[str]] = {
    ("identified", "contacted"): frozenset({"facilitator"}),
    ("contacted", "feasibility"): frozenset({"facilitator"}),
    ("feasibility", "agreed"): frozenset({"facilitator"}),
    ("agreed", "contracted"): frozenset({"facilitator"}),
    ("contracted", "operating"): frozenset({"facilitator"}),
    ("operating", "ended"): frozenset({"facilitator", "party"}),
    **{(s, "declined"): frozenset({"facilitator", "party"}) for s in _BEFORE_OPERATING},
}

#: Outcome figures of a synergy (per year) and their units; money in the park's currency.
FIGURES: dict[str, str] = {
    "flow": "unit/yr",
    "net_benefit": "currency/yr",
    "capex": "currency",
    "co2e_avoided_t": "t/yr",
    "landfill_diverted_t": "t/yr",
    "virgin_material_avoided_t": "t/yr",
    "water_saved_m3": "m3/yr",
    "energy_recovered_mwh": "MWh/yr",
    "jobs": "FTE",
}
#: Text fields of a synergy's record.
_TEXTS = ("title", "owner", "notes", "resource", "unit", "candidate_id", "supply_id", "demand_id")
_DATES = ("expected_start",)
_MEDIA = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$"
)
#: Largest document kept (bytes).
MAX_DOCUMENT = 10 * 1024 * 1024


def pipeline_tables(meta: sa.MetaData) -> None:
    """Add the pipeline's tables to the store's metadata ``meta``."""
    stamp = sa.DateTime(timezone=True)
    sa.Table(
        SYNERGIES,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("park_id", sa.Integer(), sa.ForeignKey(f"{PARKS}.id"), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("partner_organisation_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("updated_at", stamp, nullable=False),
        sa.Index("ix_sg_p_synergies_park_id_stage", "park_id", "stage"),
        sqlite_autoincrement=True,
    )
    sa.Table(
        MOVES_TABLE,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("synergy_id", sa.Integer(), sa.ForeignKey(f"{SYNERGIES}.id"), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("at", stamp, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("from_stage", sa.Text(), nullable=True),
        sa.Column("to_stage", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Index("ix_sg_p_moves_synergy_id_id", "synergy_id", "id"),
        sqlite_autoincrement=True,
    )
    sa.Table(
        DOCUMENTS,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("synergy_id", sa.Integer(), sa.ForeignKey(f"{SYNERGIES}.id"), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.Text(), nullable=False),
        sa.Column("uploaded_at", stamp, nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Index("ix_sg_p_documents_synergy_id", "synergy_id"),
        sqlite_autoincrement=True,
    )


@dataclass(frozen=True)
class Synergy:
    """One synergy: the giver ``organisation_id`` and the taker ``partner_organisation_id``,
    its ``stage``, its record ``values`` (title, owner, notes, streams, dates per stage,
    figures) and its version."""

    row_id: int
    park_id: int
    organisation_id: int
    partner_organisation_id: int
    stage: str
    version: int
    created_at: datetime
    updated_at: datetime
    values: dict[str, Any]

    def json(self) -> dict[str, Any]:
        """The synergy as the API shows it (full values; redact for a viewer)."""
        return {
            **self.values,
            "row_id": self.row_id,
            "park_id": self.park_id,
            "organisation_id": self.organisation_id,
            "partner_organisation_id": self.partner_organisation_id,
            "stage": self.stage,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class SynergyMove:
    """One move of a synergy: who, when, from which stage (None at creation) to which."""

    id: int
    synergy_id: int
    at: datetime
    actor: str
    from_stage: str | None
    to_stage: str
    note: str

    def json(self) -> dict[str, Any]:
        """The move as the API shows it."""
        return {
            "id": self.id,
            "synergy_id": self.synergy_id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "from": self.from_stage,
            "to": self.to_stage,
            "note": self.note,
        }


@dataclass(frozen=True)
class SynergyDocument:
    """A document record of a synergy (its bytes are read with :meth:`Pipeline.content`)."""

    id: int
    synergy_id: int
    name: str
    media_type: str
    size: int
    sha256: str
    note: str
    uploaded_by: str
    uploaded_at: datetime

    def json(self) -> dict[str, Any]:
        """The record as the API shows it."""
        return {
            "id": self.id,
            "synergy_id": self.synergy_id,
            "name": self.name,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
            "note": self.note,
            "uploaded_by": self.uploaded_by,
            "uploaded_at": self.uploaded_at.isoformat(),
        }


def _figure(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Field(f"synergy: {name} must be a number ({FIGURES[name]})", name)
    if not math.isfinite(float(value)):
        raise _Field(f"synergy: {name} must be a finite number", name)
    return float(value)


def _text(name: str, value: Any, longest: int = 10_000) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > longest:
        raise InputError(f"synergy: {name} must be a text of at most {longest} characters")
    return value


def _day(name: str, value: Any) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InputError(f"synergy: {name} must be a date (YYYY-MM-DD), not {value!r}") from None


class _Field(InputError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _record(values: Mapping[str, Any]) -> dict[str, Any]:
    """The record fields of ``values`` checked (unknown fields refused, Nones dropped)."""
    known = {*_TEXTS, *_DATES, *FIGURES, "organisation_id", "partner_organisation_id"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise _Field(
            f"synergy: unknown field {unknown[0]!r} (fields: {', '.join(sorted(known))})",
            unknown[0],
        )
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("organisation_id", "partner_organisation_id"):
            continue
        if name in FIGURES:
            checked: Any = _figure(name, value)
        elif name in _DATES:
            checked = _day(name, value)
        else:
            checked = _text(name, value, 200 if name != "notes" else 10_000)
        if checked is not None:
            out[name] = checked
    return out


class Pipeline:
    """The deal pipeline of a :class:`~symbiograph.store.Store` as ``tenant`` sees it (the
    system when None). Every method is one transaction; changes are audited."""

    def __init__(self, store: Store, tenant: Tenant | None = None) -> None:
        from symbiograph.store._schema import metadata

        self.store = store
        self.tenant = tenant or Tenant.system()
        self._registry = Registry(store, self.tenant)
        tables = metadata().tables
        self._synergies = tables[SYNERGIES]
        self._moves = tables[MOVES_TABLE]
        self._documents = tables[DOCUMENTS]

    # --- who may ---------------------------------------------------------------------

    def _party(self, synergy: Synergy) -> bool:
        """Whether the tenant speaks for either side of ``synergy``."""
        t = self.tenant
        return (
            t.role in ("org_admin", "member")
            and t.park_id == synergy.park_id
            and t.organisation_id in (synergy.organisation_id, synergy.partner_organisation_id)
        )

    def _sees(self, synergy: Synergy) -> bool:
        return self.tenant.runs(synergy.park_id) or self._party(synergy)

    def may_move(self, synergy: Synergy, to_stage: str) -> bool:
        """Whether the tenant may move ``synergy`` to ``to_stage`` (see :data:`MOVES`)."""
        who = MOVES.get((synergy.stage, to_stage), frozenset())
        if "facilitator" in who and self.tenant.runs(synergy.park_id):
            return True
        return "party" in who and self._party(synergy) and self.tenant.role == "org_admin"

    # --- reading ---------------------------------------------------------------------

    def _synergy(self, connection: sa.Connection, synergy_id: int) -> Synergy:
        s = self._synergies
        row = connection.execute(sa.select(s).where(s.c.id == synergy_id)).one_or_none()
        if row is None:
            raise RowNotFoundError("synergies", synergy_id)
        found = _synergy_of(row)
        if not self._sees(found):
            raise RowNotFoundError("synergies", synergy_id)
        return found

    def get(self, synergy_id: int) -> Synergy:
        """Synergy ``synergy_id`` (RowNotFoundError if absent or not the tenant's to see)."""
        with self._registry._reading() as connection:
            return self._synergy(connection, synergy_id)

    def synergies(
        self,
        park_id: int,
        *,
        stage: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Synergy], int]:
        """A page of park ``park_id``'s synergies the tenant may see (by id; of one
        ``stage`` if given) and how many there are in all."""
        limit, offset = _page(limit, offset)
        if stage is not None and stage not in STAGES:
            raise _Field(f"stage must be one of {', '.join(STAGES)}, not {stage!r}", "stage")
        s = self._synergies
        where = s.c.park_id == park_id
        if stage is not None:
            where = where & (s.c.stage == stage)
        if not self.tenant.runs(park_id):
            org = self.tenant.organisation_id
            if self.tenant.role not in ("org_admin", "member") or org is None:
                raise AccessDeniedError(f"a {self.tenant.role} may not read the deal pipeline")
            where = where & ((s.c.organisation_id == org) | (s.c.partner_organisation_id == org))
        with self._registry._reading() as connection:
            self._registry._park(connection, park_id)
            total = connection.execute(
                sa.select(sa.func.count()).select_from(s).where(where)
            ).scalar_one()
            rows = connection.execute(
                sa.select(s).where(where).order_by(s.c.id).limit(limit).offset(offset)
            ).all()
        return [_synergy_of(r) for r in rows], int(total)

    def moves(self, synergy_id: int) -> list[SynergyMove]:
        """Every move of synergy ``synergy_id``, oldest first (its creation the first)."""
        m = self._moves
        with self._registry._reading() as connection:
            self._synergy(connection, synergy_id)
            rows = connection.execute(
                sa.select(m).where(m.c.synergy_id == synergy_id).order_by(m.c.id)
            ).all()
        return [
            SynergyMove(
                int(r.id),
                int(r.synergy_id),
                _utc(r.at),
                str(r.actor),
                r.from_stage,
                str(r.to_stage),
                str(r.note),
            )
            for r in rows
        ]

    # --- writing ---------------------------------------------------------------------

    def _references(
        self,
        connection: sa.Connection,
        park_id: int,
        values: Mapping[str, Any],
        record: dict[str, Any],
    ) -> tuple[int, int]:
        """The two organisations (checked to be of park ``park_id`` and different) and the
        streams named (checked to be theirs, on the right side)."""
        sides: list[int] = []
        for name in ("organisation_id", "partner_organisation_id"):
            value = values.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value < 2**53:
                raise _Field(f"synergy: {name} is required (an organisation's row id)", name)
            try:
                org = self._registry._organisation(connection, value)
            except RowNotFoundError:
                raise _Field(f"synergy: no organisation {value} in park {park_id}", name) from None
            if org.park_id != park_id:
                raise _Field(f"synergy: no organisation {value} in park {park_id}", name)
            sides.append(value)
        if sides[0] == sides[1]:
            raise _Field(
                "synergy: the two sides must be different organisations", "partner_organisation_id"
            )
        streams = self._registry._rows["streams"]
        for name, side, direction in (
            ("supply_id", sides[0], "supply"),
            ("demand_id", sides[1], "demand"),
        ):
            key = record.get(name)
            if key is None:
                continue
            found = connection.execute(
                sa.select(streams.c.id).where(
                    (streams.c.park_id == park_id) & (streams.c.key == key)
                )
            ).scalar_one_or_none()
            if found is None:
                raise _Field(f"synergy: no stream {key!r} in park {park_id}", name)
            row = self._registry._row(connection, "streams", int(found))
            if row.organisation_id != side or row.values.get("direction") != direction:
                raise _Field(
                    f"synergy: stream {key!r} is not a {direction} of organisation {side}", name
                )
        return sides[0], sides[1]

    def create(self, park_id: int, values: Mapping[str, Any], *, note: str = "") -> Synergy:
        """A new synergy at stage ``identified`` in park ``park_id`` (its facilitator or the
        admin) from ``values``: organisation_id (giver), partner_organisation_id (taker),
        and optionally title, owner, notes, resource, unit, candidate_id, supply_id and
        demand_id (stream record ids), expected_start (a date) and the figures of
        :data:`FIGURES`."""
        record = _record(values)
        with self._registry._writing() as connection:
            self._registry._park(connection, park_id)
            if not self.tenant.runs(park_id):
                raise AccessDeniedError(f"a {self.tenant.role} may not add a synergy")
            giver, taker = self._references(connection, park_id, values, record)
            now = self._registry._now()
            record["dates"] = {"identified": now.date().isoformat()}
            s = self._synergies
            synergy_id = _new_id(
                connection.execute(
                    s.insert().values(
                        park_id=park_id,
                        organisation_id=giver,
                        partner_organisation_id=taker,
                        stage="identified",
                        data=_dumps(record),
                        version=1,
                        created_at=now,
                        updated_at=now,
                    )
                )
            )
            self._record_move(connection, park_id, synergy_id, None, "identified", note)
            after = self._synergy(connection, synergy_id)
            self._registry._log(
                connection, park_id, "synergies", synergy_id, "create", None, after.json()
            )
            return after

    def update(self, synergy_id: int, version: int, values: Mapping[str, Any]) -> Synergy:
        """Change the record fields in ``values`` of synergy ``synergy_id`` from ``version``
        (a field given as None is cleared; the stage changes only by :meth:`move`)."""
        if "stage" in values:
            raise _Field("synergy: the stage changes by a move, not by an edit", "stage")
        cleared = {k for k, v in values.items() if v is None}
        record = _record(values)
        with self._registry._writing() as connection:
            before = self._synergy(connection, synergy_id)
            if not self.tenant.runs(before.park_id):
                raise AccessDeniedError(f"a {self.tenant.role} may not edit a synergy")
            merged = {k: v for k, v in before.values.items() if k not in cleared} | record
            sides = {
                "organisation_id": values.get("organisation_id", before.organisation_id),
                "partner_organisation_id": values.get(
                    "partner_organisation_id", before.partner_organisation_id
                ),
            }
            giver, taker = self._references(connection, before.park_id, sides, merged)
            self._registry._bump(
                connection,
                self._synergies,
                "synergies",
                synergy_id,
                version,
                {
                    "data": _dumps(merged),
                    "organisation_id": giver,
                    "partner_organisation_id": taker,
                },
            )
            after = self._synergy(connection, synergy_id)
            self._registry._log(
                connection,
                before.park_id,
                "synergies",
                synergy_id,
                "update",
                before.json(),
                after.json(),
            )
            return after

    def move(
        self, synergy_id: int, version: int, to_stage: str, *, note: str = "", on: Any = None
    ) -> Synergy:
        """Move synergy ``synergy_id`` (read at ``version``) to ``to_stage`` on the day
        ``on`` (default today), if :data:`MOVES` allows it from its stage for the tenant
        (AccessDeniedError otherwise; InputError for a move the pipeline has not)."""
        if to_stage not in STAGES:
            raise _Field(f"to must be one of {', '.join(STAGES)}, not {to_stage!r}", "to")
        note = _text("note", note) or ""
        day = _day("on", on)
        with self._registry._writing() as connection:
            before = self._synergy(connection, synergy_id)
            if before.version != version:
                raise StaleVersionError("synergies", synergy_id, before.version)
            if (before.stage, to_stage) not in MOVES:
                allowed = sorted(t for f, t in MOVES if f == before.stage)
                raise _Field(
                    f"a synergy at {before.stage!r} cannot move to {to_stage!r} "
                    f"(it can move to: {', '.join(allowed) or 'nothing, it is closed'})",
                    "to",
                )
            if not self.may_move(before, to_stage):
                raise AccessDeniedError(
                    f"a {self.tenant.role} may not move a synergy from {before.stage} to {to_stage}"
                )
            values = dict(before.values)
            values["dates"] = {
                **values.get("dates", {}),
                to_stage: day or self._registry._now().date().isoformat(),
            }
            self._registry._bump(
                connection,
                self._synergies,
                "synergies",
                synergy_id,
                version,
                {"stage": to_stage, "data": _dumps(values)},
            )
            self._record_move(connection, before.park_id, synergy_id, before.stage, to_stage, note)
            after = self._synergy(connection, synergy_id)
            self._registry._log(
                connection,
                before.park_id,
                "synergies",
                synergy_id,
                "move",
                before.json(),
                after.json(),
            )
            return after

    def _record_move(
        self,
        connection: sa.Connection,
        park_id: int,
        synergy_id: int,
        from_stage: str | None,
        to_stage: str,
        note: str,
    ) -> None:
        connection.execute(
            self._moves.insert().values(
                synergy_id=synergy_id,
                park_id=park_id,
                at=self._registry._now(),
                actor=self.tenant.user_id,
                from_stage=from_stage,
                to_stage=to_stage,
                note=note,
            )
        )

    # --- documents -------------------------------------------------------------------

    def add_document(
        self, synergy_id: int, name: str, media_type: str, content: bytes, *, note: str = ""
    ) -> SynergyDocument:
        """Attach a document to synergy ``synergy_id`` (its facilitator, the admin, or an
        admin or member of either side). ``name`` must already be a safe file name (no path:
        the web layer reduces a client's name with ``safe_filename``); a slash, a backslash,
        a control character or a leading dot is refused."""
        if (
            not isinstance(name, str)
            or not name
            or len(name) > 128
            or re.search(r'[\x00-\x1f\x7f/\\<>:"|?*]', name)
            or name.startswith(".")
        ):
            raise _Field(f"document name {str(name)[:80]!r} is not a safe file name", "name")
        if not isinstance(media_type, str) or not _MEDIA.fullmatch(media_type):
            raise _Field(f"media type {str(media_type)[:80]!r} is not type/subtype", "media_type")
        if not isinstance(content, bytes) or not content:
            raise _Field("a document needs some content", "file")
        if len(content) > MAX_DOCUMENT:
            raise _Field(f"a document may have at most {MAX_DOCUMENT:,} bytes", "file")
        note = _text("note", note, 2000) or ""
        with self._registry._writing() as connection:
            synergy = self._synergy(connection, synergy_id)
            if not (self.tenant.runs(synergy.park_id) or self._party(synergy)):
                raise AccessDeniedError(f"a {self.tenant.role} may not attach documents here")
            now = self._registry._now()
            d = self._documents
            digest = hashlib.sha256(content).hexdigest()
            doc_id = _new_id(
                connection.execute(
                    d.insert().values(
                        synergy_id=synergy_id,
                        park_id=synergy.park_id,
                        name=name,
                        media_type=media_type.lower(),
                        size=len(content),
                        sha256=digest,
                        note=note,
                        uploaded_by=self.tenant.user_id,
                        uploaded_at=now,
                        content=content,
                    )
                )
            )
            found = self._document(connection, synergy_id, doc_id)
            self._registry._log(
                connection,
                synergy.park_id,
                "synergy_documents",
                doc_id,
                "create",
                None,
                found.json(),
            )
            return found

    def _document(self, connection: sa.Connection, synergy_id: int, doc_id: int) -> SynergyDocument:
        d = self._documents
        row = connection.execute(
            sa.select(*(c for c in d.c if c.name != "content")).where(
                (d.c.id == doc_id) & (d.c.synergy_id == synergy_id)
            )
        ).one_or_none()
        if row is None:
            raise RowNotFoundError("synergy_documents", doc_id)
        return SynergyDocument(
            int(row.id),
            int(row.synergy_id),
            str(row.name),
            str(row.media_type),
            int(row.size),
            str(row.sha256),
            str(row.note),
            str(row.uploaded_by),
            _utc(row.uploaded_at),
        )

    def documents(self, synergy_id: int) -> list[SynergyDocument]:
        """The document records of synergy ``synergy_id``, oldest first."""
        d = self._documents
        with self._registry._reading() as connection:
            self._synergy(connection, synergy_id)
            ids = connection.execute(
                sa.select(d.c.id).where(d.c.synergy_id == synergy_id).order_by(d.c.id)
            ).scalars()
            return [self._document(connection, synergy_id, int(i)) for i in ids.all()]

    def content(self, synergy_id: int, doc_id: int) -> tuple[SynergyDocument, bytes]:
        """A document's record and its bytes."""
        d = self._documents
        with self._registry._reading() as connection:
            self._synergy(connection, synergy_id)
            record = self._document(connection, synergy_id, doc_id)
            data = connection.execute(sa.select(d.c.content).where(d.c.id == doc_id)).scalar_one()
        return record, bytes(data)

    # --- outcomes --------------------------------------------------------------------

    def outcomes(self, park_id: int) -> dict[str, Any]:
        """The pipeline's outcome figures of park ``park_id`` (its facilitator or the
        admin): per stage the count of synergies and the sum of each figure of
        :data:`FIGURES` (a figure no synergy of the stage gives is 0, with ``known``
        counting those that give it); ``operating`` is today's running synergies, and
        ``pipeline`` those still being brokered (identified to contracted)."""
        if not self.tenant.runs(park_id):
            raise AccessDeniedError(f"a {self.tenant.role} may not read the pipeline's outcomes")
        s = self._synergies
        with self._registry._reading() as connection:
            park = self._registry._park(connection, park_id)
            rows = connection.execute(
                sa.select(s.c.stage, s.c.data).where(s.c.park_id == park_id)
            ).all()
        empty: dict[str, Any] = {
            "count": 0,
            **{f: 0.0 for f in FIGURES},
            "known": {f: 0 for f in FIGURES},
        }
        stages: dict[str, dict[str, Any]] = {
            stage: {**empty, "known": dict(empty["known"])} for stage in STAGES
        }
        for row in rows:
            entry = stages[str(row.stage)]
            entry["count"] += 1
            values = _loads(row.data)
            for figure in FIGURES:
                if values.get(figure) is not None:
                    entry[figure] += float(values[figure])
                    entry["known"][figure] += 1
        brokered = [stages[s_] for s_ in _BEFORE_OPERATING]
        pipeline = {
            "count": sum(e["count"] for e in brokered),
            **{f: sum(e[f] for e in brokered) for f in FIGURES},
        }
        currency = str(park.extras.get("parameters", {}).get("currency", "EUR"))
        return {
            "park_id": park_id,
            "currency": currency,
            "units": dict(FIGURES),
            "stages": stages,
            "operating": {k: v for k, v in stages["operating"].items() if k != "known"},
            "pipeline": pipeline,
        }


def _synergy_of(row: Any) -> Synergy:
    return Synergy(
        int(row.id),
        int(row.park_id),
        int(row.organisation_id),
        int(row.partner_organisation_id),
        str(row.stage),
        int(row.version),
        _utc(row.created_at),
        _utc(row.updated_at),
        _loads(row.data),
    )
