"""Strict JSON bodies: duplicate keys, NaN and Infinity, deep nesting, non-objects and the NUL
character in a text refused.

Python's ``json`` keeps the last of two equal keys; a client and a proxy may disagree on
which one counts (a classic request-smuggling trick), so a body with a repeated key is
refused naming the key and where it is. ``NaN``/``Infinity`` are not JSON (RFC 8259).
"""

from __future__ import annotations

import json
from typing import Any

from symbiograph.web._problems import ApiProblem

__all__ = ["MAX_DEPTH", "parse_body"]

#: Deepest nesting of objects and arrays a body may have.
MAX_DEPTH = 32


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any, level: int = 1) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level - 1


def parse_body(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw`` (UTF-8), or an :class:`ApiProblem` 400 saying what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiProblem(400, f"the body is not UTF-8 (byte {exc.start})", field="body") from None
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
    except _Duplicate as exc:
        raise ApiProblem(
            400, f"the body repeats the key {exc.key!r}; give each key once", field=f"/{exc.key}"
        ) from None
    except RecursionError:
        raise ApiProblem(400, "the body nests too deeply", field="body") from None
    except ValueError as exc:
        raise ApiProblem(400, f"the body is not valid JSON: {exc}", field="body") from None
    if not isinstance(value, dict):
        raise ApiProblem(400, "the body must be a JSON object", field="body")
    if _depth(value) > MAX_DEPTH:
        raise ApiProblem(400, f"the body nests deeper than {MAX_DEPTH} levels", field="body")
    where = _nul(value, "")
    if where is not None:
        raise ApiProblem(
            422, "a text may not contain the NUL character (\\u0000)", field=where or "/"
        )
    return value


def _nul(value: Any, pointer: str) -> str | None:
    """The JSON pointer of the first key or text holding a NUL character (no database
    stores one in a text), or None."""
    if isinstance(value, str):
        return pointer if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{pointer}/{key}"
            if "\x00" in key:
                return here
            found = _nul(item, here)
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul(item, f"{pointer}/{i}")
            if found is not None:
                return found
    return None
