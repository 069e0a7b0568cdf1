"""Canonical JSON (RFC 8785, JCS) and salted commitments for confidential fields.

JCS: object keys sorted by their UTF-16 code units, no whitespace, strings with only the
escapes JSON requires, numbers as ECMAScript's ``Number.prototype.toString`` writes them.
NaN and infinities, integers beyond 2**53 (not exact as a double), lone surrogates and
non-string keys are refused, so one value has exactly one encoding.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from symbiograph.errors import InputError

__all__ = [
    "COMMITMENT_KEY",
    "Opening",
    "canonical_json",
    "commit",
    "es_number",
    "open_commitment",
    "seal",
    "unseal",
]

MAX_SAFE_INTEGER = 2**53 - 1
# code points where UTF-16 order and code point order can differ (U+E000 and above)
_HIGH = re.compile("[\ue000-\U0010ffff]")
_quote = json.encoder.encode_basestring


class _Refused(Exception):
    """The fast encoder met something to refuse; the careful one says where."""


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _fast(value: Any, out: list[str]) -> None:
    t = type(value)
    if t is str:
        out.append(_quote(value))
    elif t is dict:
        keys = sorted(value) if all(type(k) is str for k in value) else None
        if keys is None:
            raise _Refused
        if _HIGH.search("".join(keys)):
            keys.sort(key=_utf16)
        out.append("{")
        first = True
        for key in keys:
            if not first:
                out.append(",")
            first = False
            out.append(_quote(key))
            out.append(":")
            _fast(value[key], out)
        out.append("}")
    elif t is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            out.append(str(value))
        else:
            raise _Refused
    elif t is float:
        if value != value or value in (math.inf, -math.inf):
            raise _Refused
        out.append(es_number(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif t is list or t is tuple:
        out.append("[")
        first = True
        for item in value:
            if not first:
                out.append(",")
            first = False
            _fast(item, out)
        out.append("]")
    else:
        raise _Refused


COMMITMENT_KEY = "$commitment"


def es_number(x: float) -> str:
    """The ECMAScript shortest round-trip text of a finite double (RFC 8785 section 3.2.2.3)."""
    if not math.isfinite(x):
        raise InputError(f"canonical JSON refuses the non-finite number {x!r}")
    if x == 0:
        return "0"
    if x < 0:
        return "-" + es_number(-x)
    text = repr(x)
    if 1e-6 <= x < 1e16 and "e" not in text:  # repr's plain form is ECMAScript's, bar ".0"
        return text[:-2] if text.endswith(".0") else text
    _, digits_t, exp_raw = Decimal(repr(x)).as_tuple()
    digits = "".join(map(str, digits_t)).rstrip("0") or "0"
    exp = (
        int(exp_raw) + len(digits_t) - len(digits)
    )  # stripped trailing zeros move into the exponent
    k = len(digits)
    n = exp + k  # value = 0.digits * 10**n
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def _string(s: str, where: str) -> str:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"canonical JSON refuses a lone surrogate in {where}") from exc
    return json.dumps(s, ensure_ascii=False)


def _encode(value: Any, where: str, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value, where))
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise InputError(
                f"canonical JSON refuses the integer {value} at {where}: beyond 2**53, "
                "not exact as a JSON number; write it as a string"
            )
        out.append(str(int(value)))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"canonical JSON refuses the non-finite number {value!r} at {where}")
        out.append(es_number(value))
    elif isinstance(value, Mapping):
        keys = list(value)
        for key in keys:
            if not isinstance(key, str):
                raise InputError(f"canonical JSON needs string keys; {key!r} at {where}")
        keys.sort(key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        out.append("{")
        for i, key in enumerate(keys):
            if i:
                out.append(",")
            out.append(_string(key, where))
            out.append(":")
            _encode(value[key], f"{where}.{key}", out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, f"{where}[{i}]", out)
        out.append("]")
    else:
        raise InputError(
            f"canonical JSON cannot encode {type(value).__name__} at {where}: "
            "use null, bool, number, string, list or object"
        )


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 encoding of a JSON value (dict, list, str, number, bool, None)."""
    out: list[str] = []
    try:
        _fast(value, out)
        return "".join(out).encode("utf-8")
    except (_Refused, UnicodeEncodeError):
        pass  # other mappings and sequences, or something to refuse: the careful encoder
    out = []
    _encode(value, "$", out)
    return "".join(out).encode("utf-8")


@dataclass(frozen=True)
class Opening:
    """What opens a commitment: the 32-byte ``salt`` and the committed ``value`` (kept apart)."""

    salt: bytes
    value: Any

    def to_json(self) -> dict[str, Any]:
        """The opening as JSON: salt in hex, value as is."""
        return {"salt": self.salt.hex(), "value": self.value}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Opening:
        """An opening read back from :meth:`to_json`."""
        try:
            return Opening(bytes.fromhex(str(data["salt"])), data["value"])
        except (KeyError, ValueError) as exc:
            raise InputError(f"an opening needs a hex 'salt' and a 'value': {exc}") from exc


def _digest(salt: bytes, value: Any) -> str:
    return hashlib.sha256(salt + canonical_json(value)).hexdigest()


def commit(value: Any, salt: bytes | None = None) -> tuple[str, Opening]:
    """Salted commitment ``sha256(salt || canonical(value))`` (hex) and its opening.

    ``salt`` defaults to 32 random bytes; a salt shorter than 16 bytes is refused (a price
    could be found by trying every value).
    """
    salt = secrets.token_bytes(32) if salt is None else salt
    if len(salt) < 16:
        raise InputError(f"a commitment salt needs at least 16 bytes, not {len(salt)}")
    return _digest(salt, value), Opening(salt, value)


def open_commitment(commitment: str, opening: Opening) -> bool:
    """True if ``opening`` opens ``commitment`` (hex sha256)."""
    return secrets.compare_digest(_digest(opening.salt, opening.value), commitment)


def seal(
    record: Mapping[str, Any], confidential: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Opening]]:
    """The record with each confidential top-level field replaced by ``{"$commitment": hex}``,
    and the openings by field name (to keep apart from the log)."""
    public = dict(record)
    openings: dict[str, Opening] = {}
    for field in confidential:
        if field not in public:
            raise InputError(f"confidential field {field!r} is not in the record")
        digest, opening = commit(public[field])
        public[field] = {COMMITMENT_KEY: digest}
        openings[field] = opening
    return public, openings


def unseal(public: Mapping[str, Any], openings: Mapping[str, Opening]) -> dict[str, Any]:
    """The record with the given openings put back; an opening that does not match its
    commitment is an :class:`InputError` naming the field."""
    record = dict(public)
    for field, opening in openings.items():
        sealed = record.get(field)
        if not isinstance(sealed, Mapping) or COMMITMENT_KEY not in sealed:
            raise InputError(f"field {field!r} is not a commitment in the record")
        if not open_commitment(str(sealed[COMMITMENT_KEY]), opening):
            raise InputError(f"the opening of field {field!r} does not match its commitment")
        record[field] = opening.value
    return record
