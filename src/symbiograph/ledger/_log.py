"""The append-only log: signed canonical entries, an RFC 9162 tree, signed checkpoints.

An entry's payload is the canonical JSON of ``{"index", "org", "record"}``; the organisation
signs ``DOMAIN || payload`` with its Ed25519 key; the leaf is ``payload || signature`` (the
signature is 64 bytes). The index in the payload pins each entry to its place, so a deleted,
inserted or moved entry is caught where it happens; checkpoints pin the tree head, so a
truncated log or a rolled-back head is caught too. Pure and in memory; persistence is the
store's.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from symbiograph.errors import InputError
from symbiograph.ledger._canonical import canonical_json
from symbiograph.ledger._keys import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
    public_key_raw,
    verify_signature,
)
from symbiograph.ledger._merkle import CompactRange, MerkleTree, leaf_hash
from symbiograph.ledger._note import (
    Checkpoint,
    parse_signed_note,
    sign_checkpoint,
    verifier_key,
    verify_checkpoint,
)

__all__ = [
    "DOMAIN",
    "EVIDENCE_FORMAT",
    "Entry",
    "Log",
    "Verdict",
    "evidence_bundle",
    "sign_entry",
    "verify_log",
]

DOMAIN = b"symbiograph-ledger-entry/v1\n"
EVIDENCE_FORMAT = "symbiograph-ledger-evidence/v1"
SIG_LEN = 64


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class Entry:
    """One log entry: its canonical ``payload`` bytes and the organisation's ``signature``."""

    payload: bytes
    signature: bytes

    @property
    def leaf(self) -> bytes:
        """The Merkle leaf: payload followed by the 64-byte signature."""
        return self.payload + self.signature

    def content(self) -> dict[str, Any]:
        """The payload parsed: ``index``, ``org`` and ``record``."""
        data = json.loads(self.payload)
        if not isinstance(data, dict):
            raise InputError("an entry payload must be a JSON object")
        return data

    @staticmethod
    def from_leaf(leaf: bytes) -> Entry:
        """An entry from its leaf bytes."""
        if len(leaf) <= SIG_LEN:
            raise InputError(f"a leaf of {len(leaf)} bytes is too short for an entry")
        return Entry(leaf[:-SIG_LEN], leaf[-SIG_LEN:])

    def to_json(self) -> dict[str, Any]:
        """The entry as JSON: its content and the signature in base64."""
        return {**self.content(), "signature": _b64(self.signature)}


def sign_entry(index: int, org: str, record: Mapping[str, Any], key: Ed25519PrivateKey) -> Entry:
    """The entry at ``index`` of ``record`` by ``org``, signed with the organisation's key."""
    payload = canonical_json({"index": index, "org": org, "record": record})
    return Entry(payload, key.sign(DOMAIN + payload))


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify_log`: ``ok``, the ``first_bad_entry`` (the first index
    that cannot be trusted, or None), the bad ``checkpoint`` (position in the list given,
    or None), the ``reason`` and ``verified_size`` (entries vouched for by a checkpoint)."""

    ok: bool
    first_bad_entry: int | None
    checkpoint: int | None
    reason: str
    verified_size: int


class Log:
    """An in-memory append-only log named ``origin`` whose checkpoints ``key`` signs.

    Organisations are registered with their public keys; each entry must carry a valid
    signature by its organisation's key.
    """

    def __init__(self, origin: str, key: Ed25519PrivateKey, key_name: str | None = None) -> None:
        self.origin = origin
        self.key_name = key_name or origin
        self._key = key
        self.tree = MerkleTree()
        self.entries: list[Entry] = []
        self.checkpoints: list[str] = []
        self.public_keys: dict[str, Ed25519PublicKey] = {self.key_name: key.public_key()}
        self._raw: dict[str, bytes] = {}
        self._signers: dict[str, Ed25519PrivateKey] = {}  # private keys already matched
        sign_checkpoint(Checkpoint(origin, 0, self.tree.root()), self.key_name, key)  # checks

    def __len__(self) -> int:
        return len(self.entries)

    def register(self, org: str, key: Ed25519PublicKey) -> None:
        """Publish ``org``'s public key; a second, different key for the same name is refused."""
        raw = public_key_raw(key)
        if org == self.key_name or self._raw.get(org, raw) != raw:
            raise InputError(f"organisation {org!r} already has another key")
        self._raw[org] = raw
        self.public_keys[org] = key

    def append(self, org: str, record: Mapping[str, Any], key: Ed25519PrivateKey) -> Entry:
        """Sign ``record`` as ``org`` with ``key`` and append it; returns the entry."""
        if self._signers.get(org) is not key:
            if self._raw.get(org) != public_key_raw(key):
                raise InputError(f"the key given is not the registered key of {org!r}")
            self._signers[org] = key
        entry = sign_entry(len(self.entries), org, record, key)
        self.entries.append(entry)
        self.tree.append(entry.leaf)
        return entry

    def append_entry(self, entry: Entry) -> int:
        """Append an entry signed elsewhere, after checking its index, organisation and
        signature; returns its index."""
        problem = _entry_problem(entry, len(self.entries), self.public_keys)
        if problem:
            raise InputError(problem)
        self.entries.append(entry)
        self.tree.append(entry.leaf)
        return len(self.entries) - 1

    def checkpoint(self, time: str | None = None) -> str:
        """Sign and keep a checkpoint of the current tree (``time``: ISO 8601 UTC, optional)."""
        ext = (f"time {time}",) if time else ()
        cp = Checkpoint(self.origin, self.tree.size, self.tree.root(), ext)
        note = sign_checkpoint(cp, self.key_name, self._key)
        self.checkpoints.append(note)
        return note

    def consistency(self, first: int, second: int | None = None) -> list[bytes]:
        """The consistency proof between the heads of sizes ``first`` and ``second``."""
        return self.tree.consistency_proof(first, second)

    def prove(self, index: int) -> dict[str, Any]:
        """The evidence bundle of entry ``index`` against the latest checkpoint covering it:
        the entry, its leaf, the inclusion proof, the signed checkpoint and both public keys."""
        if not 0 <= index < len(self.entries):
            raise InputError(f"entry {index} is not in the log of {len(self.entries)} entries")
        own = {self.key_name: self.public_keys[self.key_name]}
        note = next(
            (n for n in reversed(self.checkpoints) if verify_checkpoint(n, own).size > index),
            None,
        )
        if note is None:
            note = self.checkpoint()
        size = verify_checkpoint(note, own).size
        entry = self.entries[index]
        org = str(entry.content()["org"])
        return evidence_bundle(
            entry,
            index,
            self.tree.inclusion_proof(index, size),
            size,
            note,
            verifier_key(self.key_name, self.public_keys[self.key_name]),
            self.public_keys[org],
        )


def evidence_bundle(
    entry: Entry,
    index: int,
    proof: Sequence[bytes],
    size: int,
    note: str,
    log_key: str,
    signer_key: Ed25519PublicKey,
) -> dict[str, Any]:
    """The evidence bundle of ``entry`` at ``index``: the entry, its leaf, its inclusion
    ``proof`` in the tree of ``size`` leaves, the signed checkpoint ``note`` of that size,
    the log's C2SP verifier key and the signer's public key (what ``verify_bundle.py``
    checks offline)."""
    return {
        "format": EVIDENCE_FORMAT,
        "entry": entry.to_json(),
        "leaf": _b64(entry.leaf),
        "index": index,
        "tree_size": size,
        "inclusion_proof": [_b64(h) for h in proof],
        "checkpoint": note,
        "log_key": log_key,
        "signer": str(entry.content()["org"]),
        "signer_key": _b64(public_key_raw(signer_key)),
    }


def _entry_problem(
    entry: Entry,
    position: int,
    keys: Mapping[str, Ed25519PublicKey],
    known_good: set[bytes] | None = None,
    leaf_h: bytes = b"",
) -> str:
    """Why ``entry`` cannot stand at ``position`` ('' if it can). ``known_good`` holds
    ``leaf hash || signer key`` of entries whose encoding and signature were checked before."""
    try:
        content = entry.content()
    except (ValueError, InputError):
        return f"entry {position}: the payload is not a JSON object"
    if len(entry.signature) != SIG_LEN:
        return f"entry {position}: the signature is not {SIG_LEN} bytes"
    index, org = content.get("index"), content.get("org")
    if set(content) != {"index", "org", "record"}:
        return f"entry {position}: the payload needs exactly index, org and record"
    if index != position or isinstance(index, bool):
        return f"entry {position}: it says it is entry {index} (moved, deleted or inserted)"
    key = keys.get(org) if isinstance(org, str) else None
    if key is None:
        return f"entry {position}: organisation {org!r} has no published key"
    token = leaf_h + public_key_raw(key) if known_good is not None else b""
    if token and token in known_good:  # type: ignore[operator]
        return ""
    try:
        canonical = canonical_json(content) == entry.payload
    except InputError:
        canonical = False
    if not canonical:
        return f"entry {position}: the payload is not in canonical JSON"
    if not verify_signature(key, DOMAIN + entry.payload, entry.signature):
        return f"entry {position}: the signature of {org!r} does not match (edited or forged)"
    if token:
        known_good.add(token)  # type: ignore[union-attr]
    return ""


def verify_log(
    entries: Sequence[Entry],
    checkpoints: Sequence[str],
    public_keys: Mapping[str, Ed25519PublicKey],
    known_good: set[bytes] | None = None,
    log_key: str | None = None,
) -> Verdict:
    """Check a whole log: each entry's place, organisation key and signature, each
    checkpoint's signature, that checkpoints never go back, and that each head matches the
    entries. Names the first entry that cannot be trusted.

    ``checkpoints`` are the signed notes in the order they were published (or seen);
    ``public_keys`` maps organisation and log key names to their keys. ``known_good``, a set
    kept between calls, remembers entries already checked so a second audit of a grown or
    altered log re-checks only the new leaves' signatures (the places are always checked).
    Checkpoints count only when signed by the log's key ``log_key`` (a name in
    ``public_keys``; by default the name the first checkpoint gives as its origin), never by
    an organisation's key, and all must name one origin.
    """
    keys = dict(public_keys)
    heads: list[Checkpoint] = []
    rollback: tuple[int, int, int] | None = None  # (checkpoint position, its size, size before)
    largest = 0
    origin: str | None = None
    for k, note in enumerate(checkpoints):
        try:
            claimed = Checkpoint.parse(parse_signed_note(note)[0])
            origin = claimed.origin if origin is None else origin
            if claimed.origin != origin:
                raise InputError(f"its origin {claimed.origin!r} is not {origin!r}")
            name = log_key or origin
            if name not in keys:
                raise InputError(f"the log key {name!r} is not among the public keys")
            cp = verify_checkpoint(note, {name: keys[name]})
        except InputError as exc:
            return Verdict(False, None, k, f"checkpoint {k}: {exc}", 0)
        if cp.size < largest and rollback is None:
            rollback = (k, cp.size, largest)
        largest = max(largest, cp.size)
        heads.append(cp)
    stop = len(entries) if rollback is None else min(len(entries), rollback[1])
    wanted = {cp.size for cp in heads}
    roots: dict[int, bytes] = {}
    frontier = CompactRange()
    if 0 in wanted:
        roots[0] = frontier.root()
    for position in range(stop):
        entry = entries[position]
        lh = leaf_hash(entry.leaf)
        problem = _entry_problem(entry, position, keys, known_good, lh)
        if problem:
            return Verdict(False, position, None, problem, _vouched(heads, roots, position))
        frontier.append(lh)
        if frontier.size in wanted:
            roots[frontier.size] = frontier.root()
    if rollback is not None:
        k, size, before = rollback
        return Verdict(
            False,
            size,
            k,
            f"checkpoint {k} rolls the log back from {before} to {size} entries",
            _vouched(heads, roots, size),
        )
    verified = 0
    for k, cp in enumerate(heads):
        if cp.size > len(entries):
            return Verdict(
                False,
                len(entries),
                k,
                f"checkpoint {k} covers {cp.size} entries but the log has {len(entries)} "
                f"(entries from {len(entries)} on are missing)",
                verified,
            )
        if roots[cp.size] != cp.root:
            return Verdict(
                False,
                verified,
                k,
                f"checkpoint {k} (size {cp.size}) does not match the entries' tree head",
                verified,
            )
        verified = max(verified, cp.size)
    return Verdict(
        True, None, None, f"{len(entries)} entries, {verified} under checkpoint", verified
    )


def _vouched(heads: Sequence[Checkpoint], roots: Mapping[int, bytes], limit: int) -> int:
    """The largest checkpoint size up to ``limit`` whose head matches the entries."""
    good = [cp.size for cp in heads if cp.size <= limit and roots.get(cp.size) == cp.root]
    return max(good, default=0)
