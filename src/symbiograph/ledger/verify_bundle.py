#!/usr/bin/env python3
"""Check a symbiograph ledger evidence bundle offline.

Usage: python verify_bundle.py BUNDLE.json [--log-key VKEY] [--signer-key BASE64]

Needs only the Python standard library and the ``cryptography`` package, and no symbiograph
import: it recomputes the leaf hash, checks the organisation's Ed25519 signature on the
entry, the RFC 9162 inclusion proof against the checkpoint's root hash, and the log's
signature on the C2SP checkpoint. ``--log-key`` (a C2SP verifier key, name+hash+base64) and
``--signer-key`` (the organisation's raw public key in base64) pin the keys you trust;
without them the keys in the bundle are used and only its internal consistency is shown.
Exit code 0: valid; 1: invalid (the reason is printed).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

DOMAIN = b"symbiograph-ledger-entry/v1\n"
FORMAT = "symbiograph-ledger-evidence/v1"
SIG_PREFIX = "\u2014 "


class Invalid(Exception):
    """The bundle does not verify."""


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def inclusion_root(leaf_h: bytes, index: int, size: int, proof: list[bytes]) -> bytes:
    """The root an RFC 9162 inclusion proof leads to (section 2.1.3.2)."""
    if not 0 <= index < size:
        raise Invalid(f"leaf index {index} is outside a tree of {size}")
    fn, sn, r = index, size - 1, leaf_h
    for p in proof:
        if sn == 0:
            raise Invalid("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Invalid("the inclusion proof is too short")
    return r


def ed25519_ok(raw: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def check_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes]:
    """Origin, size and root of a C2SP checkpoint signed by the verifier key ``vkey``."""
    name, khash_hex, blob = vkey.split("+", 2)
    raw = base64.b64decode(blob)
    if raw[:1] != b"\x01" or len(raw) != 33:
        raise Invalid("the log key is not an Ed25519 verifier key")
    khash = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if khash.hex() != khash_hex:
        raise Invalid("the log key's hash does not match its name and key")
    text, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise Invalid("the checkpoint is not a signed note")
    text += "\n"
    signed = False
    for line in sigs.rstrip("\n").split("\n"):
        if not line.startswith(SIG_PREFIX):
            raise Invalid(f"bad signature line {line!r}")
        sname, _, sblob = line[len(SIG_PREFIX) :].partition(" ")
        sig = base64.b64decode(sblob)
        if sname == name and sig[:4] == khash:
            if not ed25519_ok(raw[1:], text.encode(), sig[4:]):
                raise Invalid(f"the signature of {name!r} on the checkpoint is forged")
            signed = True
    if not signed:
        raise Invalid(f"the checkpoint carries no signature by {name!r}")
    lines = text.split("\n")
    if len(lines) < 4 or not lines[1].isdigit():
        raise Invalid("the checkpoint body is malformed")
    return lines[0], int(lines[1]), base64.b64decode(lines[2])


def verify(bundle: dict, log_key: str | None = None, signer_key: str | None = None) -> str:
    """A one-line summary of a valid bundle; raises Invalid otherwise."""
    if bundle.get("format") != FORMAT:
        raise Invalid(f"not a {FORMAT} bundle")
    leaf = base64.b64decode(bundle["leaf"])
    payload, signature = leaf[:-64], leaf[-64:]
    content = json.loads(payload)
    index, size = int(bundle["index"]), int(bundle["tree_size"])
    if content.get("index") != index:
        raise Invalid(f"the entry says index {content.get('index')}, the bundle {index}")
    if content.get("org") != bundle["signer"]:
        raise Invalid("the entry's organisation is not the bundle's signer")
    shown = {k: v for k, v in bundle["entry"].items() if k != "signature"}
    if shown != content or bundle["entry"].get("signature") != base64.b64encode(signature).decode():
        raise Invalid("the entry shown differs from the leaf")
    signer_raw = base64.b64decode(signer_key or bundle["signer_key"])
    if signer_key and base64.b64decode(bundle["signer_key"]) != signer_raw:
        raise Invalid("the bundle's signer key is not the one you trust")
    if not ed25519_ok(signer_raw, DOMAIN + payload, signature):
        raise Invalid(f"the signature of {content.get('org')!r} on the entry does not match")
    if log_key and bundle["log_key"] != log_key:
        raise Invalid("the bundle's log key is not the one you trust")
    origin, cp_size, root = check_checkpoint(bundle["checkpoint"], log_key or bundle["log_key"])
    if cp_size != size:
        raise Invalid(f"the checkpoint is of size {cp_size}, the proof of size {size}")
    proof = [base64.b64decode(p) for p in bundle["inclusion_proof"]]
    leaf_h = hashlib.sha256(b"\x00" + leaf).digest()
    if inclusion_root(leaf_h, index, size, proof) != root:
        raise Invalid("the inclusion proof does not lead to the checkpoint's root")
    return f"OK: entry {index} by {content['org']} is in {origin} at size {size}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a ledger evidence bundle offline.")
    parser.add_argument("bundle")
    parser.add_argument("--log-key", help="trusted C2SP verifier key of the log")
    parser.add_argument("--signer-key", help="trusted raw public key (base64) of the signer")
    args = parser.parse_args(argv)
    try:
        with open(args.bundle, encoding="utf-8") as f:
            bundle = json.load(f)
        print(verify(bundle, args.log_key, args.signer_key))
    except (Invalid, KeyError, ValueError, TypeError, AttributeError, OSError) as exc:
        print(f"INVALID: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
