"""Parks and organisations of the platform, until the registry of rows lands (issue 12).

An account's ``park_id`` and ``organisation_id`` are whole numbers. Until the store has a
registry with its own park and organisation rows, they mean:

* a **park** is a stored network: ``park_id`` is its id in the store (``Store.summary()``,
  never reused);
* an **organisation** is one of the distinct ``organisation`` names of the park's
  facilities (current version), numbered from 1 in sorted order.

Who sees what of a park's streams is decided by :func:`viewer_of` and applied by
``symbiograph.access`` (one rule for every page, report and export).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from symbiograph.access import Disclosure, Viewer
from symbiograph.errors import NotFoundError
from symbiograph.model import Network
from symbiograph.store import Role, Store, User

__all__ = [
    "Park",
    "organisation_id",
    "organisation_name",
    "organisations",
    "park",
    "parks",
    "viewer_of",
]


@dataclass(frozen=True)
class Park:
    """A stored network seen as a park: its store id, name and current version number."""

    id: int
    name: str
    version: int
    facilities: int
    streams: int


def parks(store: Store) -> list[Park]:
    """Every stored network as a :class:`Park`, by name."""
    frame = store.summary()
    return [
        Park(
            int(row.id),
            str(row.name),
            int(row.version),
            int(row.n_facilities),
            int(row.n_streams),
        )
        for row in frame.itertuples()
    ]


def park(store: Store, park_id: int) -> Park:
    """The park of id ``park_id`` (NotFoundError when no stored network has it)."""
    for found in parks(store):
        if found.id == park_id:
            return found
    raise NotFoundError(f"no park with id {park_id}")


def organisations(network: Network) -> list[str]:
    """The distinct organisation names of ``network``'s facilities, sorted; the organisation
    of id ``i`` is the ``i``-th (from 1)."""
    names = network.facilities["organisation"]
    return sorted({str(n) for n in names if not pd.isna(n) and str(n).strip()})


def organisation_id(network: Network, name: str) -> int:
    """The id (from 1) of organisation ``name`` in ``network`` (NotFoundError if absent)."""
    names = organisations(network)
    if name not in names:
        raise NotFoundError(f"no organisation {name!r} in the network")
    return names.index(name) + 1


def organisation_name(network: Network, organisation: int | None) -> str | None:
    """The name of organisation id ``organisation`` in ``network`` (None if it has none)."""
    names = organisations(network)
    if organisation is None or not 1 <= organisation <= len(names):
        return None
    return names[organisation - 1]


def viewer_of(user: User, network: Network) -> Viewer:
    """The :class:`~symbiograph.access.Viewer` ``user`` is when looking at ``network``.

    The platform admin and the park's facilitator see every value; an organisation's admin
    or member sees its own confidential streams and the others' as bands; an observer sees
    the park's public view (every confidential figure as a band).
    """
    if user.role in (Role.ADMIN, Role.FACILITATOR, Role.SYSTEM):
        return Viewer(Disclosure.FACILITATOR)
    if user.role in (Role.ORG_ADMIN, Role.MEMBER):
        own = organisation_name(network, user.organisation_id)
        return Viewer.owner([own] if own is not None else [])
    return Viewer(Disclosure.PUBLIC)
