"""The demo platform of ``symbiograph serve --demo``: Kalundborg in a store, one account per role.

:func:`seed_demo` saves the shipped Kalundborg dataset as the stored network ``kalundborg``
(what ``symbiograph import`` does with a file) and creates five accounts with fresh random
passwords: the platform admin, the park's facilitator, an organisation admin of Ørsted
(Asnæs Power Station), a member of Kalundborg Refinery and an observer. So that the
confidentiality rule has something to show, the demo copy marks the streams of those two
companies ``confidential`` (the shipped dataset itself is unchanged): each company sees its
own quantities and prices, the other's as bands; the facilitator sees them all.

The same network is imported into the registry (``symbiograph.store.Registry``) as the park
``kalundborg``, so the ``/api/v1/parks`` routes have data. In a fresh store the registry's
park and organisation ids equal the stopgap ids of ``_parks`` (the stored network's id;
organisations numbered by sorted name), so each account means the same park and company on
the pages and in the API; :func:`seed_demo` checks that they agree.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from symbiograph.errors import StoreError
from symbiograph.model import Network
from symbiograph.store import Registry, Role, Store
from symbiograph.web._auth import Authenticator
from symbiograph.web._parks import organisation_id, park, parks

__all__ = ["DEMO_COMPANIES", "DEMO_NETWORK", "DemoLogin", "demo_network", "seed_demo"]

#: Name of the demo park's stored network.
DEMO_NETWORK = "kalundborg"
#: Organisations with a company account in the demo: login, organisation, role.
DEMO_COMPANIES: tuple[tuple[str, str, Role], ...] = (
    ("orsted", "Ørsted", Role.ORG_ADMIN),
    ("refinery", "Kalundborg Refinery", Role.MEMBER),
)


@dataclass(frozen=True)
class DemoLogin:
    """One demo account as printed at start-up: login, password, role, what it stands for."""

    login: str
    password: str
    role: Role
    description: str


def demo_network() -> Network:
    """The Kalundborg dataset with the demo companies' streams marked confidential."""
    from symbiograph.datasets import kalundborg

    network = kalundborg()
    companies = {organisation for _, organisation, _ in DEMO_COMPANIES}
    facilities = network.facilities
    owned = facilities.loc[facilities["organisation"].isin(companies), "id"]
    streams = network.streams.copy()
    streams["confidential"] = streams["confidential"].fillna(False).astype(bool) | streams[
        "facility_id"
    ].isin(owned)
    return replace(network, streams=streams)


def _password() -> str:
    return secrets.token_urlsafe(12)


def seed_demo(store: Store, auth: Authenticator) -> list[DemoLogin]:
    """Save the demo park into ``store`` and create its accounts; the logins with their
    (random, fresh) passwords. ``store`` should be empty: an existing login is an error."""
    network = demo_network()
    store.save(network, DEMO_NETWORK, note="symbiograph serve --demo")
    park_id = next(p.id for p in parks(store) if p.name == DEMO_NETWORK)
    title = park(store, park_id).name
    registry = Registry(store)
    registered = registry.create_park(DEMO_NETWORK)
    organisations = registry.import_network(registered.row_id, network)
    if registered.row_id != park_id or any(
        o.row_id != organisation_id(network, o.name) for o in organisations
    ):
        raise StoreError("the demo needs an empty store (registry ids differ from the pages')")
    logins: list[DemoLogin] = []

    def add(login: str, role: Role, description: str, organisation: str | None = None) -> None:
        password = _password()
        org = organisation_id(network, organisation) if organisation is not None else None
        auth.accounts.add_user(
            login,
            auth.hash_password(password),
            role,
            name=description,
            park_id=None if role is Role.ADMIN else park_id,
            organisation_id=org,
        )
        logins.append(DemoLogin(login, password, role, description))

    add("admin", Role.ADMIN, "platform admin (every park)")
    add("facilitator", Role.FACILITATOR, f"facilitator of the {title} park (sees every value)")
    for login, organisation, role in DEMO_COMPANIES:
        add(login, role, f"{role.value} of {organisation}", organisation)
    add("observer", Role.OBSERVER, f"observer of the {title} park (public view)")
    return logins
