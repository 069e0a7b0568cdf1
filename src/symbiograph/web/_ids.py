"""Ids and file names from clients: a strict pattern for ids, sanitised document names.

An id is 1 to 64 characters of letters, digits and ``_ . ~ -``, starting with a letter or
digit: it cannot hold a slash, a dot-dot segment, a quote or a space, so it can neither
traverse a path nor reach SQL (queries are bound parameters anyway). A document's file name
is reduced to its last path part, stripped of control and reserved characters.
"""

from __future__ import annotations

import re
import unicodedata

from symbiograph.web._problems import ApiProblem

__all__ = ["ID_PATTERN", "check_id", "safe_filename"]

#: The pattern every id in a path, query or body follows (also in the OpenAPI document).
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.~-]{0,63}$"
_ID = re.compile(ID_PATTERN)
_RESERVED = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_WINDOWS = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}


def check_id(value: str, field: str) -> str:
    """``value`` if it is a valid id (``..`` refused too), else a 400 naming ``field``."""
    if not isinstance(value, str) or not _ID.fullmatch(value) or ".." in value:
        raise ApiProblem(
            400,
            f"{field} must be 1-64 letters, digits or _.~- (starting with a letter or digit), "
            f"not {str(value)[:80]!r}",
            field=field,
        )
    return value


def safe_filename(name: str, fallback: str = "document") -> str:
    """A file name safe to store and to offer for download: the last part of ``name`` after
    any / or \\, NFC, no control or reserved characters, no leading dots, at most 128
    characters; ``fallback`` when nothing is left (or a reserved device name)."""
    text = unicodedata.normalize("NFC", str(name))
    text = re.split(r"[/\\]", text)[-1]
    text = _RESERVED.sub("_", text).strip().lstrip(".").strip()
    text = re.sub(r"\s+", " ", text)
    if len(text) > 128:
        stem, dot, ext = text.rpartition(".")
        text = (stem[:120] + dot + ext[:7]) if dot and len(ext) <= 7 else text[:128]
    if not text or text.split(".")[0].lower() in _WINDOWS:
        return fallback
    return text
