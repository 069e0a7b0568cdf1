"""The data's own quality marks beside the numbers they qualify.

A dataset says in a stream's or an exchange's ``note`` when a figure is an ``ESTIMATE`` or
a ``PLACEHOLDER`` (upper case, as the shipped datasets write them). A report marks each
number that rests on such a stream or exchange (``E1``: an estimate, ``P2``: a
placeholder, ``E/P3``: both, numbered in order of first use) and lists the notes as
footnotes. The note of a stream confidential to the viewer is not shown (it may state the
figure): its footnote says only which marks it carries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from symbiograph.access import SHARED, Viewer, hidden_streams
from symbiograph.model import Network
from symbiograph.report._format import stream_labels

__all__ = ["ESTIMATE", "PLACEHOLDER", "Footnotes", "quality_marks"]

ESTIMATE = "ESTIMATE"
PLACEHOLDER = "PLACEHOLDER"
_PATTERNS = {
    ESTIMATE: re.compile(r"\bESTIMATE[SD]?\b"),
    PLACEHOLDER: re.compile(r"\bPLACEHOLDERS?\b"),
}


def quality_marks(note: object) -> tuple[str, ...]:
    """The marks a note carries, in the order (ESTIMATE, PLACEHOLDER); () for none."""
    if note is None or note is pd.NA or not isinstance(note, str):
        return ()
    return tuple(mark for mark, pattern in _PATTERNS.items() if pattern.search(note))


@dataclass
class _Entry:
    number: int
    marks: tuple[str, ...]
    what: str
    note: str


@dataclass
class Footnotes:
    """The quality notes of a network's streams and exchanges, numbered as a report uses
    them. :meth:`refs` gives the markers of a number resting on some streams or exchanges
    (and numbers their notes); :attr:`entries` the footnotes so far."""

    network: Network
    viewer: Viewer = SHARED
    _notes: dict[str, tuple[tuple[str, ...], str, str]] = field(default_factory=dict)
    _used: dict[str, _Entry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        hidden = hidden_streams(self.network, self.viewer)
        labels = stream_labels(self.network)
        streams = self.network.streams
        for sid, note in zip(streams["id"], streams["note"], strict=True):
            marks = quality_marks(note)
            if marks:
                text = (
                    "note withheld: a confidential stream" if sid in hidden else str(note).strip()
                )
                self._notes[f"stream:{sid}"] = (marks, labels.get(str(sid), str(sid)), text)
        ex = self.network.exchanges
        for eid, sup, dem, note in zip(
            ex["id"], ex["supply_id"], ex["demand_id"], ex["note"], strict=True
        ):
            marks = quality_marks(note)
            if marks:
                secret = sup in hidden or dem in hidden
                text = "note withheld: a confidential exchange" if secret else str(note).strip()
                self._notes[f"exchange:{eid}"] = (marks, f"exchange {eid}", text)

    def refs(
        self, streams: Iterable[object] = (), exchanges: Iterable[object] = ()
    ) -> list[dict[str, str]]:
        """The markers of a number that rests on ``streams`` and ``exchanges`` (ids): one
        per noted stream or exchange, each {"mark": "E1", "number": "1", "kind": "ESTIMATE"};
        empty when none of them is marked."""
        keys = [f"stream:{s}" for s in streams if isinstance(s, str) and s] + [
            f"exchange:{e}" for e in exchanges if isinstance(e, str) and e
        ]
        out: list[dict[str, str]] = []
        for key in dict.fromkeys(keys):
            if key not in self._notes:
                continue
            if key not in self._used:
                marks, what, text = self._notes[key]
                self._used[key] = _Entry(len(self._used) + 1, marks, what, text)
            entry = self._used[key]
            letters = "/".join(m[0] for m in entry.marks)
            out.append(
                {
                    "mark": f"{letters}{entry.number}",
                    "number": str(entry.number),
                    "kind": " and ".join(entry.marks),
                }
            )
        return out

    @property
    def entries(self) -> list[dict[str, str]]:
        """The footnotes used so far, in order: number, marks, what (the stream or exchange,
        by name) and the note."""
        return [
            {
                "number": str(e.number),
                "mark": f"{'/'.join(m[0] for m in e.marks)}{e.number}",
                "kind": " and ".join(e.marks),
                "what": e.what,
                "note": e.note,
            }
            for e in self._used.values()
        ]

    def text(self, refs: list[dict[str, str]]) -> str:
        """Markers as plain text, e.g. ``" [E1, P2]"`` ("" for none), for a text cell."""
        return f" [{', '.join(r['mark'] for r in refs)}]" if refs else ""
