"""Ed25519 keys and signatures (the ``cryptography`` package): generate, export, verify."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from symbiograph.errors import InputError

__all__ = [
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_key_pem",
    "public_key_raw",
    "sign",
    "verify_signature",
]


def generate_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def public_key_raw(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The 32 raw bytes of a public key (of a private key's public half)."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_pem(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The public key as PEM (SubjectPublicKeyInfo)."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def private_key_pem(key: Ed25519PrivateKey, password: bytes | None = None) -> str:
    """The private key as PKCS#8 PEM, encrypted with ``password`` if given."""
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc
    ).decode("ascii")


def load_public_key(data: bytes | str) -> Ed25519PublicKey:
    """A public key from 32 raw bytes or PEM text; anything else is an :class:`InputError`."""
    try:
        if isinstance(data, bytes) and len(data) == 32:
            return Ed25519PublicKey.from_public_bytes(data)
        text = data.encode("ascii") if isinstance(data, str) else data
        key = serialization.load_pem_public_key(text)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise InputError(f"not an Ed25519 public key (32 raw bytes or PEM): {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"not an Ed25519 public key but {type(key).__name__}")
    return key


def load_private_key(pem: str | bytes, password: bytes | None = None) -> Ed25519PrivateKey:
    """A private key from PKCS#8 PEM."""
    text = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(text, password)
    except (ValueError, TypeError) as exc:
        raise InputError(f"not an Ed25519 private key in PEM: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"not an Ed25519 private key but {type(key).__name__}")
    return key


def sign(key: Ed25519PrivateKey, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``message``."""
    return key.sign(message)


def verify_signature(key: Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    """True if ``signature`` is ``key``'s Ed25519 signature of ``message``."""
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
