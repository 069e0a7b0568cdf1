"""Bounds on what a scenario reader accepts, and reading a file's text within them.

Every limit is named in the message that refuses it, and documented in docs/file-format.md
(``format_documentation`` reads them from here).
"""

from __future__ import annotations

from pathlib import Path

from symbiograph.io._problems import Problem, ScenarioError
from symbiograph.model import (
    MAX_CSV_BYTES,
    MAX_TEXT_CHARS,
    MAX_XLSX_BYTES,
    MAX_XLSX_UNZIPPED_BYTES,
    MAX_YAML_BYTES,
    YAML_MAX_ALIAS_NODES,
    YAML_MAX_DEPTH,
)

__all__ = [
    "MAX_CSV_BYTES",
    "MAX_TEXT_CHARS",
    "MAX_XLSX_BYTES",
    "MAX_XLSX_UNZIPPED_BYTES",
    "MAX_YAML_BYTES",
    "YAML_MAX_ALIAS_NODES",
    "YAML_MAX_DEPTH",
    "check_size",
    "decode_utf8",
    "read_text",
    "shown",
]


def _size_text(size: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.4g} {unit}"
    return f"{size} bytes"


def check_size(path: Path, limit: int, what: str) -> None:
    """Refuse ``path`` when it is larger than ``limit`` bytes (the limit is named)."""
    size = path.stat().st_size
    if size > limit:
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    f"the {what} is {_size_text(size)}, over the limit of {_size_text(limit)}",
                )
            ]
        )


def _decode_problem(name: str, data: bytes, error: UnicodeDecodeError) -> Problem:
    line = data.count(b"\n", 0, error.start) + 1
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) > 1 and data[1:2] == b"\x00"):
        hint = "it looks like UTF-16; save it as UTF-8"
    else:
        hint = "save it as UTF-8 (in Excel: 'CSV UTF-8'; Latin-1 or Windows-1252 text is not read)"
    return Problem(
        name,
        f"line {line}: byte 0x{data[error.start]:02x} at offset {error.start} is not UTF-8; {hint}",
    )


def decode_utf8(name: str, data: bytes) -> str:
    """``data`` as text (UTF-8, a leading byte-order mark dropped); a located problem if not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError([_decode_problem(name, data, error)]) from None


def read_text(path: Path, limit: int, what: str) -> str:
    """The text of ``path`` within ``limit`` bytes, decoded as UTF-8, or a ScenarioError."""
    try:
        check_size(path, limit, what)
        data = path.read_bytes()
    except OSError as error:
        raise ScenarioError([Problem(str(path), f"cannot read the {what}: {error}")]) from None
    return decode_utf8(str(path), data)


def shown(value: object, width: int = 60) -> str:
    """``repr(value)`` cut to about ``width`` characters, for messages about long cells."""
    text = repr(value)
    if len(text) <= width:
        return text
    return f"{text[: width - 12]}... ({len(str(value)):,} characters)"
