"""Ed25519 keys and C2SP signed checkpoints."""

from __future__ import annotations

import base64
import hashlib

import pytest

from symbiograph.errors import InputError
from symbiograph.ledger import (
    Checkpoint,
    generate_key,
    key_hash,
    load_private_key,
    load_public_key,
    parse_signed_note,
    private_key_pem,
    public_key_pem,
    public_key_raw,
    sign,
    sign_checkpoint,
    verifier_key,
    verify_checkpoint,
    verify_signature,
)


def test_sign_verify_and_export() -> None:
    key = generate_key()
    sig = sign(key, b"delivery 1")
    assert len(sig) == 64
    pub = key.public_key()
    assert verify_signature(pub, b"delivery 1", sig)
    assert not verify_signature(pub, b"delivery 2", sig)
    assert not verify_signature(generate_key().public_key(), b"delivery 1", sig)
    raw = public_key_raw(key)
    assert len(raw) == 32 and public_key_raw(pub) == raw
    assert public_key_raw(load_public_key(raw)) == raw
    pem = public_key_pem(pub)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert public_key_raw(load_public_key(pem)) == raw
    assert public_key_raw(load_private_key(private_key_pem(key))) == raw
    locked = private_key_pem(key, b"pw")
    assert public_key_raw(load_private_key(locked, b"pw")) == raw
    with pytest.raises(InputError):
        load_public_key(b"not a key")
    with pytest.raises(InputError):
        load_private_key(locked, b"wrong")


def test_checkpoint_text_is_c2sp() -> None:
    root = hashlib.sha256(b"").digest()
    cp = Checkpoint("example.com/log", 0, root, ("time 2026-12-03T12:00:00Z",))
    body = cp.body()
    assert body == (
        "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
        "time 2026-12-03T12:00:00Z\n"
    )
    assert Checkpoint.parse(body) == cp
    for bad in ["example.com/log\n0\n", "o\n01\n" + body.split("\n")[2] + "\n", "o\n1\nAAAA\n"]:
        with pytest.raises(InputError):
            Checkpoint.parse(bad)


def test_signed_note_key_hash_and_signature() -> None:
    key = generate_key()
    pub = key.public_key()
    cp = Checkpoint("symbiograph.test/ledger", 5, bytes(range(32)))
    note = sign_checkpoint(cp, "symbiograph.test/ledger", key)
    text, sigs = parse_signed_note(note)
    assert text == cp.body()
    assert note.startswith(text + "\n\u2014 symbiograph.test/ledger ")
    [(name, khash, sig)] = sigs
    expected = hashlib.sha256(b"symbiograph.test/ledger\n\x01" + public_key_raw(pub)).digest()[:4]
    assert khash == key_hash(name, pub) == expected
    assert verify_signature(pub, text.encode(), sig)
    vkey = verifier_key(name, pub)
    assert vkey.split("+", 2)[1] == expected.hex()
    assert base64.b64decode(vkey.split("+", 2)[2]) == b"\x01" + public_key_raw(pub)
    assert verify_checkpoint(note, {name: pub}) == cp


def test_forged_or_unknown_checkpoints_are_refused() -> None:
    key = generate_key()
    cp = Checkpoint("log", 3, bytes(32))
    note = sign_checkpoint(cp, "log", key)
    keys = {"log": key.public_key()}
    tampered = note.replace("\n3\n", "\n4\n", 1)
    with pytest.raises(InputError, match="forged"):
        verify_checkpoint(tampered, keys)
    with pytest.raises(InputError, match="no signature by a known key"):
        verify_checkpoint(note, {"log": generate_key().public_key()})
    with pytest.raises(InputError):
        verify_checkpoint(note.replace("\u2014", "-"), keys)
    with pytest.raises(InputError):
        sign_checkpoint(cp, "bad name", key)
