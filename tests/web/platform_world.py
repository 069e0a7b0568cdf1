"""A platform with two parks and several companies, for the authorization, leak and hostile
request tests (tests/web/test_authorization_matrix.py, test_tenant_leaks.py,
test_hostile_requests.py).

Park 1 is the demo's Kalundborg (``seed_demo``: the companies Ørsted and Kalundborg Refinery
hold confidential streams); park 2 ("elsewhere") is the gypsum trio of tests/scenarios.py
with its stream ``sa`` confidential. Accounts: the demo's five (admin, facilitator,
orsted (org admin), refinery (member), observer) and in park 2 ``facilitator2`` and
``giver`` (org admin of its organisation ``A``). Every account has an API token with every
scope. On PostgreSQL the seeding runs as the tables' owner and the app as a role under
row-level security (``storekit.pg_app_role``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scenarios import gypsum_trio
from store.storekit import pg_app_role, pg_url_or_skip
from symbiograph.store import Registry, RegistryRow, Role, Store
from symbiograph.web import create_app, seed_demo

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
API = "/api/v1"
SCOPES = {"read", "write", "jobs", "admin"}

#: login -> (role, park number 1 or 2, organisation name or None), beyond the demo's.
PARK2_USERS: dict[str, tuple[Role, str | None]] = {
    "facilitator2": (Role.FACILITATOR, None),
    "giver": (Role.ORG_ADMIN, "A"),
}
#: The demo's logins by role (the matrix uses one account per role).
LOGIN_OF_ROLE: dict[Role, str] = {
    Role.ADMIN: "admin",
    Role.FACILITATOR: "facilitator",
    Role.ORG_ADMIN: "orsted",
    Role.MEMBER: "refinery",
    Role.OBSERVER: "observer",
}


@dataclass
class World:
    """The app, its client, the two parks' ids and every account's token."""

    app: FastAPI
    client: TestClient
    owner: Store
    parks: dict[int, int]  # park number (1, 2) -> row id
    organisations: dict[int, dict[str, int]]  # park number -> name -> row id
    tokens: dict[str, str]
    users: dict[str, Any]
    rows: dict[int, dict[str, list[RegistryRow]]] = field(default_factory=dict)

    def call(self, who: str | None, method: str, path: str, **kwargs: Any) -> Any:
        """A request as ``who`` (its token; None: anonymous)."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if who is not None:
            headers.setdefault("Authorization", f"Bearer {self.tokens[who]}")
        return self.client.request(method, path, headers=headers, **kwargs)

    def stream_of(self, park: int, organisation: str, confidential: bool | None = None) -> Any:
        """One stream row (exact) of ``organisation`` in park ``park``."""
        org = self.organisations[park][organisation]
        return next(
            r
            for r in self.rows[park]["streams"]
            if r.organisation_id == org
            and (confidential is None or bool(r.values.get("confidential")) == confidential)
        )


def _park2_network() -> Any:
    network = gypsum_trio()
    streams = network.streams.copy()
    streams["confidential"] = streams["id"] == "sa"
    return replace(network, streams=streams)


def build_world(owner: Store, app_store: Store | None = None, **app_options: Any) -> World:
    """Seed ``owner`` with the two parks and the accounts; the app runs on ``app_store``
    (the same database, maybe as another role; ``owner`` when None)."""
    app = create_app(store=app_store or owner, hasher=FAST, **app_options)
    svc = app.state.services
    seed_demo(owner, svc.auth)
    owner.save(_park2_network(), "elsewhere")  # park 2 as a stored network too (the pages)
    system = Registry(owner)
    park1 = next(p for p in system.parks() if p.name == "kalundborg").row_id
    park2 = system.create_park("elsewhere").row_id
    system.import_network(park2, _park2_network())
    organisations = {
        n: {o.name: o.row_id for o in system.organisations(p, limit=500)[0]}
        for n, p in ((1, park1), (2, park2))
    }
    for login, (role, org) in PARK2_USERS.items():
        svc.accounts.add_user(
            login,
            svc.auth.hash_password("a long password"),
            role,
            park_id=park2,
            organisation_id=None if org is None else organisations[2][org],
        )
    users = {u.login: u for u in svc.accounts.users()}
    tokens = {
        login: svc.auth.issue_token(user, "tests", SCOPES)[0] for login, user in users.items()
    }
    world = World(
        app,
        TestClient(app, base_url="https://testserver"),
        owner,
        {1: park1, 2: park2},
        organisations,
        tokens,
        users,
    )
    for n, p in world.parks.items():
        world.rows[n] = {
            t: system.rows(t, p, limit=500)[0] for t in ("facilities", "streams", "exchanges")
        }
    return world


@contextmanager
def world_on(backend: str, folder: Path, **app_options: Any) -> Iterator[World]:
    """A :func:`build_world` on SQLite (a file in ``folder``) or on PostgreSQL (a fresh
    schema, dropped afterwards; the app as a role under row-level security)."""
    if backend == "sqlite":
        store = Store(f"sqlite:///{folder / 'platform.db'}")
        try:
            yield build_world(store, **app_options)
        finally:
            store.close()
        return
    url = pg_url_or_skip()
    schema = f"sg_test_{uuid.uuid4().hex[:16]}"
    owner = Store(url, schema=schema)
    try:
        with pg_app_role(url, schema) as app_url:
            app_store = Store(app_url, schema=schema)
            try:
                yield build_world(owner, app_store, **app_options)
            finally:
                app_store.close()
    finally:
        owner.close()
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()
