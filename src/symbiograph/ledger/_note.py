"""Signed checkpoints: the C2SP checkpoint body inside a C2SP signed note (Ed25519).

A checkpoint is three lines, ``origin``, the tree size in decimal and the base64 root hash,
then optional extension lines. The signed note adds a blank line and one signature line per
signer, ``— <key name> <base64(key hash (4 bytes) || signature (64 bytes))>``; the key hash is
the first four bytes of ``sha256(key name || 0x0A || 0x01 || public key)`` and the signature
is over the note text (the body, newline included).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from symbiograph.errors import InputError
from symbiograph.ledger._keys import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
    public_key_raw,
    verify_signature,
)

__all__ = [
    "Checkpoint",
    "key_hash",
    "parse_signed_note",
    "sign_checkpoint",
    "verifier_key",
    "verify_checkpoint",
]

ED25519_ALG = b"\x01"
SIG_PREFIX = "\u2014 "  # em dash and a space


def key_hash(name: str, key: Ed25519PublicKey) -> bytes:
    """The 4-byte C2SP key hash of an Ed25519 key named ``name``."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519_ALG + public_key_raw(key)).digest()[:4]


def verifier_key(name: str, key: Ed25519PublicKey) -> str:
    """The C2SP verifier key text ``name+hexhash+base64(0x01 || key)``."""
    blob = base64.b64encode(ED25519_ALG + public_key_raw(key)).decode()
    return f"{name}+{key_hash(name, key).hex()}+{blob}"


def _check_name(name: str, what: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise InputError(f"{what} {name!r} must be non-empty, without spaces or '+'")


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: ``origin`` (the log's name), ``size`` (leaves), ``root`` (32 bytes) and
    extension lines (here ``time <ISO 8601 UTC>`` when the log gives a time)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = field(default=())

    def body(self) -> str:
        """The checkpoint text, one field a line, ending with a newline."""
        if not self.origin or "\n" in self.origin:
            raise InputError(f"checkpoint origin {self.origin!r} must be one non-empty line")
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        lines += list(self.extensions)
        return "\n".join(lines) + "\n"

    @staticmethod
    def parse(body: str) -> Checkpoint:
        """A checkpoint from its text; a malformed one is an :class:`InputError`."""
        if not body.endswith("\n"):
            raise InputError("a checkpoint must end with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3 or any(line == "" for line in lines):
            raise InputError("a checkpoint needs origin, size and root hash lines, none empty")
        origin, size_s, root_s, *ext = lines
        if not size_s.isdigit() or (size_s != "0" and size_s.startswith("0")):
            raise InputError(f"checkpoint tree size {size_s!r} is not a decimal number")
        try:
            root = base64.b64decode(root_s, validate=True)
        except binascii.Error as exc:
            raise InputError(f"checkpoint root hash {root_s!r} is not base64") from exc
        if len(root) != 32:
            raise InputError(f"checkpoint root hash has {len(root)} bytes, not 32")
        return Checkpoint(origin, int(size_s), root, tuple(ext))


def sign_checkpoint(checkpoint: Checkpoint, name: str, key: Ed25519PrivateKey) -> str:
    """The signed note of ``checkpoint``, signed by ``key`` under the key name ``name``."""
    _check_name(name, "key name")
    text = checkpoint.body()
    pub = key.public_key()
    sig = key.sign(text.encode("utf-8"))
    blob = base64.b64encode(key_hash(name, pub) + sig).decode()
    return f"{text}\n{SIG_PREFIX}{name} {blob}\n"


def parse_signed_note(note: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """The text of a signed note and its signature lines as (key name, key hash, signature)."""
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not text:
        raise InputError("a signed note needs its text, a blank line and signature lines")
    if not sigs.endswith("\n"):
        raise InputError("a signed note must end with a newline")
    found: list[tuple[str, bytes, bytes]] = []
    for line in sigs[:-1].split("\n"):
        if not line.startswith(SIG_PREFIX):
            raise InputError(f"signature line {line!r} does not start with an em dash")
        name, _, blob_s = line[len(SIG_PREFIX) :].partition(" ")
        try:
            blob = base64.b64decode(blob_s, validate=True)
        except binascii.Error as exc:
            raise InputError(f"signature of {name!r} is not base64") from exc
        if len(blob) < 5:
            raise InputError(f"signature of {name!r} is too short")
        found.append((name, blob[:4], blob[4:]))
    return text + "\n", found


def verify_checkpoint(note: str, keys: dict[str, Ed25519PublicKey]) -> Checkpoint:
    """The checkpoint of a signed note carrying a valid signature by one of ``keys`` (key
    name -> public key); otherwise an :class:`InputError` saying why."""
    text, sigs = parse_signed_note(note)
    checkpoint = Checkpoint.parse(text)
    for name, khash, sig in sigs:
        key = keys.get(name)
        if key is None or key_hash(name, key) != khash:
            continue
        if verify_signature(key, text.encode("utf-8"), sig):
            return checkpoint
        raise InputError(
            f"the signature of {name!r} on checkpoint size {checkpoint.size} is forged"
        )
    names = ", ".join(n for n, _, _ in sigs) or "none"
    raise InputError(f"checkpoint size {checkpoint.size} has no signature by a known key ({names})")
