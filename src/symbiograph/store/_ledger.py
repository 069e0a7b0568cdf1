"""The ledger in the store: signed entries, their Merkle tree, checkpoints, commitment
openings, per-organisation Ed25519 keys and the contracts and joint decisions they make
(tables ``sg_l_*``, migration 0014).

Append-only: the entries, tree nodes, checkpoints, openings and keys are never updated or
deleted (triggers refuse UPDATE and DELETE on SQLite and PostgreSQL, TRUNCATE too on
PostgreSQL). An append is one transaction: the entry, its openings, its leaf and the tree
nodes it completes and the contract or decision it changes are written together or not
at all, so a crash never leaves half an entry. Appends are serialised (SQLite's write lock,
a PostgreSQL advisory lock), so entry indices have no gaps.

Private keys are sealed at rest: AES-256-GCM under a key derived with scrypt from the
ledger secret (``secret=`` or the environment variable ``SYMBIOGRAPH_LEDGER_SECRET``) and a
salt of their own, the organisation's name bound as associated data; public keys are
published (:meth:`Ledger.public_keys`). Without the secret the ledger can be read, proved
and verified but nothing can be signed.

Every record is checked against what the log says before it is appended (the pure replay
of :mod:`symbiograph.ledger`): a step the contract does not allow, a delivery outside an
active contract, an incomplete waste transfer note, all are refused and nothing is
written. Confidential fields (dotted paths such as ``terms.price``) enter the log as salted
commitments; their openings stay in ``sg_l_openings`` and never in an exported log.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from symbiograph.errors import InputError, NotFoundError
from symbiograph.ledger import (
    COMMITMENT_KEY,
    DOMAIN,
    EMPTY_ROOT,
    ContractState,
    ContractTerms,
    DecisionState,
    DemoPlan,
    Ed25519PrivateKey,
    Ed25519PublicKey,
    Entry,
    LedgerView,
    MerkleTree,
    Opening,
    Verdict,
    canonical_json,
    commit,
    evidence_bundle,
    generate_key,
    leaf_hash,
    load_public_key,
    node_hash,
    open_commitment,
    public_key_raw,
    settle,
    sign_checkpoint,
    sign_entry,
    terms_record,
    verifier_key,
    verify_checkpoint,
    verify_log,
    verify_signature,
)
from symbiograph.ledger import Checkpoint as CheckpointBody

if TYPE_CHECKING:
    from symbiograph.ledger import PeriodOutcome
    from symbiograph.store._store import Store

__all__ = [
    "APPEND_ONLY",
    "DEFAULT_ORIGIN",
    "SECRET_ENV",
    "Ledger",
    "LedgerEntry",
    "ledger_tables",
    "seed_demo",
    "tampered_copy",
]

_P = "sg_l_"
KEYS = f"{_P}keys"
ENTRIES = f"{_P}entries"
NODES = f"{_P}nodes"
CHECKPOINTS = f"{_P}checkpoints"
OPENINGS = f"{_P}openings"
CONTRACTS = f"{_P}contracts"
DECISIONS = f"{_P}decisions"
#: The tables no row of which may be updated or deleted.
APPEND_ONLY = (KEYS, ENTRIES, NODES, CHECKPOINTS, OPENINGS)

#: The environment variable holding the secret that seals the private keys.
SECRET_ENV = "SYMBIOGRAPH_LEDGER_SECRET"
#: The log's name (C2SP origin) and the name of its checkpoint key.
DEFAULT_ORIGIN = "symbiograph-ledger"
#: PostgreSQL advisory-lock key serialising appends.
_APPEND_LOCK = 0x5367_4C67  # "SgLg"
_SCRYPT_N = 2**14


def ledger_tables(meta: sa.MetaData) -> None:
    """Add the ledger's tables to the store's metadata ``meta``."""
    stamp = sa.DateTime(timezone=True)
    sa.Table(
        KEYS,
        meta,
        sa.Column("org", sa.Text(), primary_key=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", stamp, nullable=False),
    )
    sa.Table(
        ENTRIES,
        meta,
        sa.Column("idx", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("org", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column("appended_at", stamp, nullable=False),
        sa.Index("ix_sg_l_entries_subject", "subject"),
    )
    sa.Table(
        NODES,
        meta,
        sa.Column("level", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("position", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
    )
    sa.Table(
        CHECKPOINTS,
        meta,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", stamp, nullable=False),
        sqlite_autoincrement=True,
    )
    sa.Table(
        OPENINGS,
        meta,
        sa.Column("idx", sa.BigInteger(), sa.ForeignKey(f"{ENTRIES}.idx"), primary_key=True),
        sa.Column("path", sa.Text(), primary_key=True),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
    )
    for name, key in ((CONTRACTS, "contract"), (DECISIONS, "decision")):
        sa.Table(
            name,
            meta,
            sa.Column(key, sa.Text(), primary_key=True),
            sa.Column("status", sa.Text(), nullable=False),
            sa.Column("state", sa.Text(), nullable=False),
            sa.Column(
                "last_entry", sa.BigInteger(), sa.ForeignKey(f"{ENTRIES}.idx"), nullable=False
            ),
        )


@dataclass(frozen=True)
class LedgerEntry:
    """One stored entry: its ``index``, signing ``org``, record ``kind`` and ``subject``
    (the contract, decision or index it is about), the signed :class:`Entry` and when it
    was appended (UTC)."""

    index: int
    org: str
    kind: str
    subject: str
    entry: Entry
    appended_at: datetime

    def record(self) -> dict[str, Any]:
        """The record as logged (confidential fields as commitments)."""
        return dict(self.entry.content()["record"])


def _seal_paths(
    record: Mapping[str, Any], paths: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Opening]]:
    """``record`` with each dotted path replaced by a salted commitment, and the openings."""
    public = json.loads(json.dumps(record))  # a deep copy of plain JSON
    openings: dict[str, Opening] = {}
    for path in paths:
        *parents, last = path.split(".")
        node = public
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or last not in node:
            raise InputError(f"confidential field {path!r} is not in the record")
        digest, opening = commit(node[last])
        node[last] = {COMMITMENT_KEY: digest}
        openings[path] = opening
    return public, openings


def _open_paths(record: Mapping[str, Any], openings: Mapping[str, Opening]) -> dict[str, Any]:
    """``record`` with the openings put back (each checked against its commitment)."""
    opened = json.loads(json.dumps(record))
    for path, opening in openings.items():
        *parents, last = path.split(".")
        node = opened
        for part in parents:
            node = node[part]
        sealed = node.get(last)
        if not isinstance(sealed, dict) or not open_commitment(
            str(sealed.get(COMMITMENT_KEY)), opening
        ):
            raise InputError(f"the opening of {path!r} does not match its commitment")
        node[last] = opening.value
    return opened


def _subject(record: Mapping[str, Any]) -> str:
    for key in ("contract", "decision", "index"):
        if isinstance(record.get(key), str):
            return str(record[key])
    return str(record.get("delivery", ""))


@dataclass
class _Pending:
    """What a transaction's appends will write: entry rows, opening rows, tree nodes and
    the last state of each contract and decision they changed."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    openings: list[dict[str, Any]] = field(default_factory=list)
    nodes: dict[tuple[int, int], bytes] = field(default_factory=dict)
    states: dict[tuple[str, str], tuple[ContractState | DecisionState, int]] = field(
        default_factory=dict
    )
    synced: bool = False

    def node_rows(self) -> list[dict[str, Any]]:
        """The tree nodes as rows."""
        return [{"level": k, "position": i, "hash": h} for (k, i), h in self.nodes.items()]

    def clear(self) -> None:
        """Forget what was written (the view stays in step)."""
        self.entries.clear()
        self.openings.clear()
        self.nodes.clear()
        self.states.clear()


class Ledger:
    """The ledger of a :class:`~symbiograph.store.Store` (one log per database, named
    ``origin``). ``secret`` (bytes or text; default ``SYMBIOGRAPH_LEDGER_SECRET``) seals and
    unseals the private keys; without it the ledger is read-only."""

    def __init__(
        self,
        store: Store,
        secret: bytes | str | None = None,
        origin: str = DEFAULT_ORIGIN,
    ) -> None:
        from symbiograph.store._schema import metadata

        self.store = store
        self.origin = origin
        raw = secret if secret is not None else os.environ.get(SECRET_ENV) or None
        self._secret = raw.encode("utf-8") if isinstance(raw, str) else raw
        tables = metadata().tables
        self._keys = tables[KEYS]
        self._entries = tables[ENTRIES]
        self._nodes = tables[NODES]
        self._checkpoints = tables[CHECKPOINTS]
        self._openings = tables[OPENINGS]
        self._contracts = tables[CONTRACTS]
        self._decisions = tables[DECISIONS]
        self._private: dict[str, Ed25519PrivateKey] = {}
        self._view: LedgerView | None = None
        self._view_size = 0

    # --- keys -----------------------------------------------------------------------

    def _cipher_key(self, salt: bytes) -> bytes:
        if not self._secret:
            raise InputError(
                f"no ledger secret: set {SECRET_ENV} (it seals the organisations' private keys)"
            )
        return Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=8, p=1).derive(self._secret)

    def _seal_key(self, org: str, key: Ed25519PrivateKey) -> bytes:
        from cryptography.hazmat.primitives import serialization

        raw = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        sealed = AESGCM(self._cipher_key(salt)).encrypt(nonce, raw, org.encode("utf-8"))
        return salt + nonce + sealed

    def _unseal_key(self, org: str, blob: bytes) -> Ed25519PrivateKey:
        salt, nonce, sealed = blob[:16], blob[16:28], blob[28:]
        try:
            raw = AESGCM(self._cipher_key(salt)).decrypt(nonce, sealed, org.encode("utf-8"))
        except InvalidTag:
            raise InputError(
                f"the private key of {org!r} does not open with this ledger secret ({SECRET_ENV})"
            ) from None
        return Ed25519PrivateKey.from_private_bytes(raw)

    def _key_in(self, connection: sa.Connection, org: str, create: bool) -> Ed25519PrivateKey:
        """The private key of ``org`` (generated, sealed and published if new and
        ``create``)."""
        if org in self._private:
            return self._private[org]
        row = connection.execute(sa.select(self._keys).where(self._keys.c.org == org)).one_or_none()
        if row is None:
            if not create:
                raise NotFoundError(f"organisation {org!r} has no ledger key")
            _check_org(org)
            key = generate_key()
            connection.execute(
                self._keys.insert().values(
                    org=org,
                    public_key=public_key_raw(key),
                    sealed_key=self._seal_key(org, key),
                    created_at=datetime.now(UTC),
                )
            )
        else:
            if row.sealed_key is None:
                raise InputError(f"the ledger holds only the public key of {org!r}")
            key = self._unseal_key(org, bytes(row.sealed_key))
            if public_key_raw(key) != bytes(row.public_key):
                raise InputError(f"the sealed key of {org!r} is not its published key")
        self._private[org] = key
        return key

    def create_key(self, org: str) -> Ed25519PublicKey:
        """Generate ``org``'s Ed25519 key (kept sealed) if it has none; its public key."""
        with self.store._writing() as connection:
            return self._key_in(connection, org, create=True).public_key()

    def publish_key(self, org: str, public_key: bytes | str) -> None:
        """Publish the public key (raw bytes or PEM) of an organisation that keeps its
        private key itself; entries it signs elsewhere can then be appended."""
        _check_org(org)
        key = load_public_key(public_key)
        with self.store._writing() as connection:
            row = connection.execute(
                sa.select(self._keys.c.public_key).where(self._keys.c.org == org)
            ).one_or_none()
            if row is not None:
                if bytes(row.public_key) != public_key_raw(key):
                    raise InputError(f"organisation {org!r} already has another key")
                return
            connection.execute(
                self._keys.insert().values(
                    org=org, public_key=public_key_raw(key), created_at=datetime.now(UTC)
                )
            )

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        """Every published key: organisation (and the log's key name) -> public key."""
        with self.store._reading() as connection:
            return self._public_keys(connection)

    def _public_keys(self, connection: sa.Connection) -> dict[str, Ed25519PublicKey]:
        rows = connection.execute(sa.select(self._keys.c.org, self._keys.c.public_key)).all()
        return {str(r.org): load_public_key(bytes(r.public_key)) for r in rows}

    # --- appending ------------------------------------------------------------------

    @contextmanager
    def _appending(self) -> Iterator[sa.Connection]:
        """A write transaction holding the append lock."""
        with self.store._writing() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK}
                )
            try:
                yield connection
            except BaseException:
                self._view = None  # the view may be ahead of what was rolled back
                raise

    def _size(self, connection: sa.Connection) -> int:
        top = connection.execute(sa.select(sa.func.max(self._entries.c.idx))).scalar()
        return 0 if top is None else int(top) + 1

    def _synced_view(self, connection: sa.Connection) -> LedgerView:
        """The replay of the log as stored, caught up with entries others appended."""
        size = self._size(connection)
        if self._view is None or self._view_size > size:
            self._view, self._view_size = LedgerView(), 0
        if self._view_size < size:
            for index, org, record, lh in self._opened(connection, self._view_size):
                self._view.apply(index, org, record, lh)
            self._view_size = size
        return self._view

    def _opened(
        self, connection: sa.Connection, start: int = 0
    ) -> Iterator[tuple[int, str, dict[str, Any], bytes]]:
        """(index, org, record with every opening put back, leaf hash) from ``start``."""
        openings: dict[int, dict[str, Opening]] = {}
        for r in connection.execute(sa.select(self._openings).where(self._openings.c.idx >= start)):
            openings.setdefault(int(r.idx), {})[str(r.path)] = Opening(
                bytes(r.salt), json.loads(r.value)
            )
        rows = connection.execute(
            sa.select(self._entries.c.idx, self._entries.c.payload, self._entries.c.leaf_hash)
            .where(self._entries.c.idx >= start)
            .order_by(self._entries.c.idx)
        )
        for r in rows:
            content = json.loads(bytes(r.payload))
            record = content["record"]
            if int(r.idx) in openings:
                record = _open_paths(record, openings[int(r.idx)])
            yield int(r.idx), str(content["org"]), record, bytes(r.leaf_hash)

    def _insert_leaf(self, connection: sa.Connection, index: int, lh: bytes) -> None:
        """The leaf and every tree node it completes (RFC 9162 perfect subtrees), now."""
        pending = _Pending()
        self._add_leaf(connection, pending, index, lh)
        connection.execute(self._nodes.insert(), pending.node_rows())

    def _add_leaf(
        self, connection: sa.Connection, pending: _Pending, index: int, lh: bytes
    ) -> None:
        """Add the leaf and the nodes it completes to ``pending`` (left siblings from
        ``pending`` or the stored tree)."""
        pending.nodes[(0, index)] = lh
        level, position, h = 0, index, lh
        while position & 1:
            left = pending.nodes.get((level, position - 1))
            if left is None:
                left = bytes(
                    connection.execute(
                        sa.select(self._nodes.c.hash).where(
                            self._nodes.c.level == level, self._nodes.c.position == position - 1
                        )
                    ).scalar_one()
                )
            h = node_hash(left, h)
            level, position = level + 1, position >> 1
            pending.nodes[(level, position)] = h

    def _flush(self, connection: sa.Connection, pending: _Pending) -> None:
        """Write what ``pending`` holds (entries, openings, nodes, states), all at once."""
        if pending.entries:
            connection.execute(self._entries.insert(), pending.entries)
        if pending.openings:
            connection.execute(self._openings.insert(), pending.openings)
        if pending.nodes:
            connection.execute(self._nodes.insert(), pending.node_rows())
        for (kind, name), (state, index) in pending.states.items():
            if kind == "contract":
                self._project(connection, self._contracts, "contract", name, state, index)
            else:
                self._project(connection, self._decisions, "decision", name, state, index)
        pending.clear()

    def _append_in(
        self,
        connection: sa.Connection,
        org: str,
        record: Mapping[str, Any],
        confidential: Sequence[str] = (),
        pending: _Pending | None = None,
    ) -> LedgerEntry:
        """Sign and append one record in ``connection``'s transaction: into ``pending``
        (written by :meth:`_flush`) or, without it, at once."""
        if pending is None:
            pending = _Pending()
            done = self._append_in(connection, org, record, confidential, pending)
            self._flush(connection, pending)
            return done
        if not pending.synced:
            self._synced_view(connection)
            pending.synced = True
        view = self._view
        assert view is not None
        index = self._view_size
        record = _completed(view, record)
        key = self._key_in(connection, org, create=True)
        public, openings = _seal_paths(record, confidential)
        entry = sign_entry(index, org, public, key)
        lh = leaf_hash(entry.leaf)
        view.apply(index, org, _open_paths(public, openings) if openings else public, lh)
        self._view_size = index + 1
        now = datetime.now(UTC)
        kind = str(record.get("type"))
        pending.entries.append(
            {
                "idx": index,
                "org": org,
                "kind": kind,
                "subject": _subject(record),
                "payload": entry.payload,
                "signature": entry.signature,
                "leaf_hash": lh,
                "appended_at": now,
            }
        )
        pending.openings.extend(
            {
                "idx": index,
                "path": path,
                "salt": o.salt,
                "value": json.dumps(o.value, sort_keys=True),
            }
            for path, o in openings.items()
        )
        self._add_leaf(connection, pending, index, lh)
        if kind.startswith("contract."):
            name = str(record["contract"])
            pending.states[("contract", name)] = (view.contracts[name], index)
        elif kind.startswith("decision."):
            name = str(record["decision"])
            pending.states[("decision", name)] = (view.decisions[name], index)
        return LedgerEntry(index, org, kind, _subject(record), entry, now)

    @staticmethod
    def _project(
        connection: sa.Connection,
        table: sa.Table,
        key: str,
        name: str,
        state: ContractState | DecisionState,
        index: int,
    ) -> None:
        values = {
            "status": state.status,
            "state": json.dumps(state.json(), sort_keys=True),
            "last_entry": index,
        }
        done = connection.execute(
            sa.update(table).where(table.c[key] == name).values(**values)
        ).rowcount
        if not done:
            connection.execute(table.insert().values(**{key: name}, **values))

    def append(
        self, org: str, record: Mapping[str, Any], confidential: Sequence[str] = ()
    ) -> LedgerEntry:
        """Sign ``record`` as ``org`` (its key made if new) and append it in one
        transaction; ``confidential`` dotted paths enter as commitments. A record the log
        does not allow is refused (InputError/NotFoundError) and nothing is written."""
        with self._appending() as connection:
            return self._append_in(connection, org, record, confidential)

    def append_many(
        self,
        items: Iterable[tuple[str, Mapping[str, Any], Sequence[str]]],
        checkpoint: bool = False,
    ) -> list[LedgerEntry]:
        """Append ``(org, record, confidential)`` items in one transaction (all or none),
        then sign a checkpoint in it if ``checkpoint``."""
        with self._appending() as connection:
            pending = _Pending()
            out = [self._append_in(connection, o, r, c, pending) for o, r, c in items]
            self._flush(connection, pending)
            if checkpoint:
                self._checkpoint_in(connection)
            return out

    def append_entry(self, entry: Entry) -> int:
        """Append an entry signed elsewhere by an organisation whose public key is
        published; checked like any other (place, key, signature, the step it takes)."""
        with self._appending() as connection:
            view = self._synced_view(connection)
            index = self._view_size
            keys = self._public_keys(connection)
            content = entry.content()
            org = content.get("org")
            if not isinstance(org, str) or org not in keys:
                raise InputError(f"organisation {org!r} has no published key")
            if content.get("index") != index or set(content) != {"index", "org", "record"}:
                raise InputError(f"the entry says it is entry {content.get('index')}, not {index}")
            if canonical_json(content) != entry.payload:
                raise InputError("the entry's payload is not in canonical JSON")
            if not verify_signature(keys[org], DOMAIN + entry.payload, entry.signature):
                raise InputError(f"the signature of {org!r} does not match the entry")
            record = dict(content["record"])
            lh = leaf_hash(entry.leaf)
            view.apply(index, org, record, lh)
            self._view_size = index + 1
            connection.execute(
                self._entries.insert().values(
                    idx=index,
                    org=org,
                    kind=str(record.get("type")),
                    subject=_subject(record),
                    payload=entry.payload,
                    signature=entry.signature,
                    leaf_hash=lh,
                    appended_at=datetime.now(UTC),
                )
            )
            self._insert_leaf(connection, index, lh)
            return index

    # --- checkpoints ----------------------------------------------------------------

    def _root(self, connection: sa.Connection, size: int) -> bytes:
        """The tree head of the first ``size`` leaves from the stored perfect subtrees."""
        if size == 0:
            return EMPTY_ROOT
        pieces: list[bytes] = []
        offset = 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                h = connection.execute(
                    sa.select(self._nodes.c.hash).where(
                        self._nodes.c.level == level,
                        self._nodes.c.position == offset >> level,
                    )
                ).scalar_one()
                pieces.append(bytes(h))
                offset += 1 << level
        root = pieces[-1]
        for left in reversed(pieces[:-1]):
            root = node_hash(left, root)
        return root

    def _checkpoint_in(self, connection: sa.Connection) -> str:
        size = self._size(connection)
        key = self._key_in(connection, self.origin, create=True)
        now = datetime.now(UTC).replace(microsecond=0)
        body = CheckpointBody(
            self.origin,
            size,
            self._root(connection, size),
            (f"time {now.isoformat().replace('+00:00', 'Z')}",),
        )
        note = sign_checkpoint(body, self.origin, key)
        connection.execute(self._checkpoints.insert().values(size=size, note=note, at=now))
        return note

    def checkpoint(self) -> str:
        """Sign the current tree head with the log's key and keep it; the signed note."""
        with self._appending() as connection:
            return self._checkpoint_in(connection)

    def checkpoints(self) -> list[str]:
        """The signed checkpoints in the order they were made."""
        with self.store._reading() as connection:
            return list(
                connection.execute(
                    sa.select(self._checkpoints.c.note).order_by(self._checkpoints.c.id)
                ).scalars()
            )

    # --- reading --------------------------------------------------------------------

    def __len__(self) -> int:
        with self.store._reading() as connection:
            return self._size(connection)

    def entries(self, start: int = 0, stop: int | None = None) -> list[LedgerEntry]:
        """The stored entries ``start <= index < stop`` in order."""
        t = self._entries
        query = sa.select(t).where(t.c.idx >= start).order_by(t.c.idx)
        if stop is not None:
            query = query.where(t.c.idx < stop)
        with self.store._reading() as connection:
            return [
                LedgerEntry(
                    int(r.idx),
                    str(r.org),
                    str(r.kind),
                    str(r.subject),
                    Entry(bytes(r.payload), bytes(r.signature)),
                    _utc(r.appended_at),
                )
                for r in connection.execute(query)
            ]

    def view(self) -> LedgerView:
        """The log replayed (with the openings the store holds): contracts, decisions,
        deliveries, countersignatures and index values, as the entries make them."""
        with self.store._reading() as connection:
            view = LedgerView()
            for index, org, record, lh in self._opened(connection):
                view.apply(index, org, record, lh)
            return view

    def contract(self, name: str) -> ContractState:
        """The stored state of contract ``name`` (terms opened, see :meth:`contracts`)."""
        with self.store._reading() as connection:
            text = connection.execute(
                sa.select(self._contracts.c.state).where(self._contracts.c.contract == name)
            ).scalar_one_or_none()
        if text is None:
            raise NotFoundError(f"no contract {name!r} in the ledger")
        return ContractState.from_json(json.loads(text))

    def contracts(self) -> list[ContractState]:
        """Every contract's stored state, by name (its terms opened: the store holds the
        openings; the log's proposal entry holds the commitments)."""
        with self.store._reading() as connection:
            rows = connection.execute(
                sa.select(self._contracts.c.state).order_by(self._contracts.c.contract)
            ).scalars()
            return [ContractState.from_json(json.loads(t)) for t in rows]

    def decisions(self) -> list[DecisionState]:
        """Every joint decision's stored state, by name."""
        with self.store._reading() as connection:
            rows = connection.execute(
                sa.select(self._decisions.c.state).order_by(self._decisions.c.decision)
            ).scalars()
            return [DecisionState.from_json(json.loads(t)) for t in rows]

    def openings(self, index: int) -> dict[str, Opening]:
        """The openings of entry ``index``'s commitments (path -> opening)."""
        with self.store._reading() as connection:
            rows = connection.execute(
                sa.select(self._openings).where(self._openings.c.idx == index)
            ).all()
        return {str(r.path): Opening(bytes(r.salt), json.loads(r.value)) for r in rows}

    # --- verification and proofs ----------------------------------------------------

    def verify(self) -> Verdict:
        """Check the whole log against its checkpoints (places, keys, signatures, heads,
        no roll-back), then that the stored tree and leaf hashes agree with the entries and
        that every record is a step its contract or decision allowed. The verdict names
        the first bad entry."""
        with self.store._reading() as connection:
            keys = self._public_keys(connection)
            rows = connection.execute(sa.select(self._entries).order_by(self._entries.c.idx)).all()
            entries = [Entry(bytes(r.payload), bytes(r.signature)) for r in rows]
            notes = list(
                connection.execute(
                    sa.select(self._checkpoints.c.note).order_by(self._checkpoints.c.id)
                ).scalars()
            )
            verdict = verify_log(entries, notes, keys, log_key=self.origin)
            if not verdict.ok:
                return verdict
            tree = self._tree(connection)
            for position, (r, e) in enumerate(zip(rows, entries, strict=True)):
                lh = leaf_hash(e.leaf)
                if int(r.idx) != position:
                    return _bad(position, f"entry {position}: stored under index {r.idx}", verdict)
                if (
                    bytes(r.leaf_hash) != lh
                    or tree.size <= position
                    or tree.leaf_hash_at(position) != lh
                ):
                    return _bad(
                        position, f"entry {position}: its stored leaf hash is not its leaf", verdict
                    )
                if str(r.org) != e.content()["org"]:
                    return _bad(
                        position, f"entry {position}: stored org is not the signer", verdict
                    )
            if (
                tree.size != len(entries)
                or tree.root() != MerkleTree(e.leaf for e in entries).root()
            ):
                return _bad(len(entries), "the stored tree nodes do not match the entries", verdict)
            try:
                view = LedgerView()
                for index, org, record, lh in self._opened(connection):
                    try:
                        view.apply(index, org, record, lh)
                    except (InputError, NotFoundError) as exc:
                        return _bad(index, f"entry {index}: {exc}", verdict)
            except InputError as exc:
                return Verdict(False, None, None, f"an opening: {exc}", verdict.verified_size)
        return verdict

    def _tree(self, connection: sa.Connection) -> MerkleTree:
        """The stored tree (every node kept) as a :class:`MerkleTree`."""
        tree = MerkleTree()
        levels: list[list[bytes]] = [[]]
        rows = connection.execute(
            sa.select(self._nodes.c.level, self._nodes.c.position, self._nodes.c.hash).order_by(
                self._nodes.c.level, self._nodes.c.position
            )
        )
        for r in rows:
            level, position = int(r.level), int(r.position)
            while len(levels) <= level:
                levels.append([])
            if position != len(levels[level]):
                raise InputError(
                    f"the stored tree lacks node {len(levels[level])} of level {level}"
                )
            levels[level].append(bytes(r.hash))
        tree.levels = levels
        return tree

    def prove(self, index: int) -> dict[str, Any]:
        """The evidence bundle of entry ``index``: the entry, its inclusion proof against
        the latest checkpoint covering it (signed now if none does), the checkpoint, the
        log's verifier key and the signer's public key. ``verify_bundle.py`` checks it."""
        with self.store._reading() as connection:
            size = self._size(connection)
            if not 0 <= index < size:
                raise NotFoundError(f"entry {index} is not in the ledger of {size} entries")
            notes = list(
                connection.execute(
                    sa.select(self._checkpoints.c.note)
                    .where(self._checkpoints.c.size > index)
                    .order_by(self._checkpoints.c.id.desc())
                    .limit(1)
                ).scalars()
            )
        if not notes:
            notes = [self.checkpoint()]
        with self.store._reading() as connection:
            keys = self._public_keys(connection)
            log_key = keys[self.origin]
            checkpoint = verify_checkpoint(notes[0], {self.origin: log_key})
            row = connection.execute(
                sa.select(self._entries).where(self._entries.c.idx == index)
            ).one()
            tree = self._tree(connection)
        entry = Entry(bytes(row.payload), bytes(row.signature))
        return evidence_bundle(
            entry,
            index,
            tree.inclusion_proof(index, checkpoint.size),
            checkpoint.size,
            notes[0],
            verifier_key(self.origin, log_key),
            keys[str(row.org)],
        )

    def consistency(self, first: int, second: int | None = None) -> list[bytes]:
        """The RFC 9162 consistency proof between the heads of sizes ``first`` and
        ``second`` (default: now)."""
        with self.store._reading() as connection:
            return self._tree(connection).consistency_proof(first, second)

    def export_log(self) -> dict[str, Any]:
        """The log as JSON to hand to an auditor: origin, log key, public keys, entries
        (leaves in base64) and checkpoints, without the commitments' openings."""
        import base64

        with self.store._reading() as connection:
            keys = self._public_keys(connection)
            leaves = [
                base64.b64encode(bytes(r.payload) + bytes(r.signature)).decode("ascii")
                for r in connection.execute(
                    sa.select(self._entries.c.payload, self._entries.c.signature).order_by(
                        self._entries.c.idx
                    )
                )
            ]
            notes = list(
                connection.execute(
                    sa.select(self._checkpoints.c.note).order_by(self._checkpoints.c.id)
                ).scalars()
            )
        return {
            "format": "symbiograph-ledger-log/v1",
            "origin": self.origin,
            "log_key": verifier_key(self.origin, keys[self.origin]) if self.origin in keys else "",
            "public_keys": {
                org: base64.b64encode(public_key_raw(k)).decode("ascii")
                for org, k in sorted(keys.items())
            },
            "leaves": leaves,
            "checkpoints": notes,
        }

    # --- contracts, decisions, deliveries -------------------------------------------

    def propose_contract(
        self,
        org: str,
        contract: str,
        terms: ContractTerms,
        parties: Sequence[str] | None = None,
        confidential: Sequence[str] = ("price",),
        **more: Any,
    ) -> LedgerEntry:
        """Propose contract ``contract`` with ``terms`` (and the rest of the agreement in
        ``more``: exchange, resource, unit, start, months, notice_months, backup_supply,
        force_majeure); ``confidential`` term fields enter as commitments."""
        record = {
            "type": "contract.propose",
            "contract": contract,
            "terms": terms_record(terms, **more),
            "parties": list(parties or [terms.supplier, terms.buyer]),
        }
        return self.append(org, record, [f"terms.{f}" for f in confidential])

    def sign_contract(self, org: str, contract: str) -> LedgerEntry:
        """``org`` signs the proposed terms of ``contract`` (the proposal entry's hash)."""
        state = self.contract(contract)
        return self.append(
            org, {"type": "contract.sign", "contract": contract, "terms_hash": state.terms_hash}
        )

    def contract_step(self, org: str, contract: str, step: str, **fields: Any) -> LedgerEntry:
        """``org`` takes lifecycle ``step`` (activate, suspend, resume, terminate, expire)
        of ``contract`` with its fields (period, reason)."""
        return self.append(org, {"type": f"contract.{step}", "contract": contract, **fields})

    def propose_decision(
        self,
        org: str,
        decision: str,
        title: str,
        shares: Mapping[str, int],
        method: str = "shapley",
        **more: Any,
    ) -> LedgerEntry:
        """Propose shared infrastructure ``title`` whose cost is split as ``shares``
        (organisation -> cents, e.g. from ``allocate``)."""
        record = {
            "type": "decision.propose",
            "decision": decision,
            "title": title,
            "cost_cents": int(sum(shares.values())),
            "shares": {k: int(v) for k, v in shares.items()},
            "method": method,
            **more,
        }
        return self.append(org, record)

    def vote(self, org: str, decision: str, approve: bool) -> LedgerEntry:
        """``org`` approves or rejects joint decision ``decision``."""
        with self.store._reading() as connection:
            text = connection.execute(
                sa.select(self._decisions.c.state).where(self._decisions.c.decision == decision)
            ).scalar_one_or_none()
        if text is None:
            raise NotFoundError(f"no decision {decision!r} in the ledger")
        state = DecisionState.from_json(json.loads(text))
        return self.append(
            org,
            {
                "type": "decision.vote",
                "decision": decision,
                "vote": "approve" if approve else "reject",
                "proposal_hash": state.proposal_hash,
            },
        )

    def countersign(self, org: str, delivery_entry: int) -> LedgerEntry:
        """The other party of the delivery at ``delivery_entry`` signs it (the receiver's
        signature of a waste transfer note)."""
        with self.store._reading() as connection:
            lh = connection.execute(
                sa.select(self._entries.c.leaf_hash).where(self._entries.c.idx == delivery_entry)
            ).scalar_one_or_none()
        if lh is None:
            raise NotFoundError(f"no entry {delivery_entry} in the ledger")
        return self.append(
            org,
            {
                "type": "delivery.countersign",
                "delivery": delivery_entry,
                "leaf_hash": bytes(lh).hex(),
            },
        )

    def transfer_notes(self) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        """Every waste transfer note in the log as ``(reference, note, signatures)``:
        reference ``contract/period/entry``; signatures of the producer (the delivery
        entry) and, once countersigned, of the receiver, each with org, entry and public
        key (base64)."""
        import base64

        view = self.view()
        keys = self.public_keys()

        def signed(org: str, index: int) -> dict[str, Any]:
            raw = public_key_raw(keys[org])
            return {"org": org, "entry": index, "public_key": base64.b64encode(raw).decode()}

        out: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        for index, (org, record) in sorted(view.records.items()):
            note = record.get("transfer")
            if not isinstance(note, Mapping):
                continue
            signatures = {"producer": signed(org, index)}
            counter = view.countersigned.get(index)
            if counter is not None:
                counter_org = self.entries(counter, counter + 1)[0].org
                signatures["receiver"] = signed(counter_org, counter)
            reference = f"{record['contract']}/{record['period']}/{index}"
            out.append((reference, dict(note), signatures))
        return out

    def settle(self) -> tuple[list[PeriodOutcome], dict[str, int]]:
        """Every recorded delivery assessed against its contract's logged terms and the
        logged index values, and each organisation's net position in cents."""
        view = self.view()
        deliveries = [d for _, d in sorted(view.deliveries.values(), key=lambda x: x[0])]
        return settle(view.terms(), deliveries, view.indices)


def _completed(view: LedgerView, record: Mapping[str, Any]) -> Mapping[str, Any]:
    """``record`` with the hash a signature or vote refers to filled in when left out
    (the proposal as the log holds it now)."""
    kind = record.get("type")
    if kind == "contract.sign" and "terms_hash" not in record:
        state = view.contracts.get(str(record.get("contract")))
        if state is not None:
            return {**record, "terms_hash": state.terms_hash}
    if kind == "decision.vote" and "proposal_hash" not in record:
        decision = view.decisions.get(str(record.get("decision")))
        if decision is not None:
            return {**record, "proposal_hash": decision.proposal_hash}
    return record


def seed_demo(ledger: Ledger, plan: DemoPlan) -> dict[str, int]:
    """Append a :func:`symbiograph.ledger.demo_plan` month by month (one transaction and
    one checkpoint per month; waste deliveries countersigned by their receiver at once).
    Returns counts: entries, checkpoints, contracts, deliveries, countersigned."""
    months = sorted({s.month for s in plan.steps})
    counts = {"entries": 0, "checkpoints": 0, "deliveries": 0, "countersigned": 0}
    for month in months:
        with ledger._appending() as connection:
            pending = _Pending()
            for step in (s for s in plan.steps if s.month == month):
                done = ledger._append_in(
                    connection, step.org, step.record, step.confidential, pending
                )
                counts["entries"] += 1
                counts["deliveries"] += step.record.get("type") == "delivery"
                if step.countersign:
                    ledger._append_in(
                        connection,
                        step.countersign,
                        {
                            "type": "delivery.countersign",
                            "delivery": done.index,
                            "leaf_hash": leaf_hash(done.entry.leaf).hex(),
                        },
                        (),
                        pending,
                    )
                    counts["entries"] += 1
                    counts["countersigned"] += 1
            ledger._flush(connection, pending)
            ledger._checkpoint_in(connection)
            counts["checkpoints"] += 1
    counts["contracts"] = len(plan.contracts)
    return counts


def tampered_copy(source: Path, target: Path, index: int, change: Mapping[str, Any]) -> None:
    """Copy the SQLite ledger at ``source`` to ``target`` and there rewrite entry
    ``index``'s record with ``change`` (top-level fields), as someone with write access to
    the database file could: the append-only triggers are dropped first. For showing that
    verification catches it; never used on a real ledger."""
    import sqlite3

    if target.exists():
        target.unlink()
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    connection = sqlite3.connect(target, isolation_level=None)
    try:
        for action in ("update", "delete"):
            connection.execute(f"DROP TRIGGER IF EXISTS {ENTRIES}_no_{action}")
        row = connection.execute(
            f"SELECT payload FROM {ENTRIES} WHERE idx = ?", (index,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no entry {index} to tamper with in {target}")
        content = json.loads(bytes(row[0]))
        content["record"] = {**content["record"], **change}
        connection.execute(
            f"UPDATE {ENTRIES} SET payload = ? WHERE idx = ?",
            (canonical_json(content), index),
        )
    finally:
        connection.close()


def _bad(index: int, reason: str, verdict: Verdict) -> Verdict:
    return Verdict(False, index, None, reason, min(verdict.verified_size, index))


def _check_org(org: str) -> None:
    if not isinstance(org, str) or not org.strip() or any(ord(c) < 32 for c in org):
        raise InputError(f"organisation name {org!r}: not empty, no control characters")


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
