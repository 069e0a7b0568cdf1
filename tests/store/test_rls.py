"""Confidentiality enforced by the database (PostgreSQL row-level security, migration 0012),
and the same rule in the registry's code on SQLite.

The PostgreSQL tests run in a fresh schema with the application connecting as a role that
is neither superuser nor owner nor BYPASSRLS (``storekit.pg_app_role``): a raw SQL select as
company B, through the registry's own transaction (the tenant set by ``set_config(...,
true)``), returns no exact figure of company A's confidential streams, whatever table it
reads; with no tenant set it returns no row at all.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from store.storekit import pg_app_role
from symbiograph.errors import StoreError
from symbiograph.store import Registry, RegistryRow, Store, Tenant
from symbiograph.store._rls import TENANT_TABLES, UNGUARDED
from symbiograph.web import demo_network

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

#: A decimal tail that no shipped figure has: A's exact figures are made to end with it.
MARK = 0.372911


@dataclass
class Park:
    store: Store
    app: Store
    park_id: int
    orgs: dict[str, int]
    secret: RegistryRow  # A's confidential stream, exact (as the system read it)
    figures: list[str]  # A's exact figures as JSON text


def _tenant(park: Park, role: str, organisation: str | None = None) -> Tenant:
    org = None if organisation is None else park.orgs[organisation]
    return Tenant(f"t-{role}", role, park_id=park.park_id, organisation_id=org)


def _seed(store: Store) -> tuple[int, dict[str, int], RegistryRow]:
    system = Registry(store)
    park = system.create_park("kalundborg")
    orgs = {o.name: o.row_id for o in system.import_network(park.row_id, demo_network())}
    streams, _ = system.rows("streams", park.row_id, limit=500)
    secret = next(
        s
        for s in streams
        if s.values.get("confidential")
        and s.organisation_id == orgs["Ørsted"]
        and isinstance(s.values.get("quantity"), float)
    )
    changes: dict[str, Any] = {
        "quantity": float(int(secret.values["quantity"])) + MARK,
        "note": f"contract figure {1000 + MARK}",
        "quality": {"moisture_pct": 10 + MARK},
    }
    for bound in ("quantity_min", "quantity_max"):
        changes[bound] = None
    if isinstance(secret.values.get("price"), float):
        changes["price"] = 7 + MARK
    changed = system.update("streams", secret.row_id, secret.version, changes)
    return park.row_id, orgs, changed


@pytest.fixture(scope="module")
def rls_schema(pg_url: str) -> Iterator[str]:
    """A fresh schema for the module's tests (seeding Kalundborg once), dropped afterwards."""
    schema = f"sg_test_{uuid.uuid4().hex[:16]}"
    yield schema
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def park(pg_url: str, rls_schema: str) -> Iterator[Park]:
    pg_schema = rls_schema
    owner = Store(pg_url, schema=pg_schema)  # migrates, as the tables' owner
    park_id, orgs, secret = _seed(owner)
    figures = [
        json.dumps(v) for k, v in secret.values.items() if k in ("quantity", "price", "note")
    ] + [str(10 + MARK)]
    with pg_app_role(pg_url, pg_schema) as app_url:
        app = Store(app_url, schema=pg_schema)
        try:
            yield Park(owner, app, park_id, orgs, secret, figures)
        finally:
            app.close()
            owner.close()


def _everything(registry: Registry, sql_tables: tuple[str, ...] = TENANT_TABLES) -> str:
    """Every row of every tenant table, read with raw SQL in the registry's own transaction
    (so with its tenant), as one text."""
    out = []
    with registry._reading() as connection:
        for table in sql_tables:
            rows = connection.exec_driver_sql(f"SELECT * FROM {table}").all()
            out.append(f"{table}: {[tuple(r) for r in rows]!r}")
    return "\n".join(out)


def _mark_in(text: str) -> bool:
    return str(MARK).removeprefix("0") in text


def test_the_app_role_is_subject_to_row_level_security(park: Park) -> None:
    with park.app.engine.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).one()
        owner = connection.exec_driver_sql(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'sg_r_streams' "
            "AND schemaname = current_schema()"
        ).scalar_one()
        user = connection.exec_driver_sql("SELECT current_user").scalar_one()
    assert tuple(found) == (False, False) and owner != user


def test_every_tenant_table_has_a_forced_policy(park: Park) -> None:
    """A tenant table is every table with a park_id column (and the parks): each must have
    row-level security enabled and forced, and a policy (pg_policies), unless
    ``_rls.UNGUARDED`` names it with the reason."""
    with park.store.engine.connect() as connection:
        schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
        tenant = set(
            connection.exec_driver_sql(
                "SELECT table_name FROM information_schema.columns "
                "WHERE table_schema = %s AND column_name = 'park_id'",
                (schema,),
            ).scalars()
        ) | {"sg_r_parks"}
        flags = dict(
            connection.exec_driver_sql(
                "SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
                (schema,),
            ).all()
        )
        policies = set(
            connection.exec_driver_sql(
                "SELECT tablename FROM pg_policies WHERE schemaname = %s", (schema,)
            ).scalars()
        )
    assert tenant >= {"sg_r_streams", "sg_r_figures", "sg_r_audit", "sg_r_exchanges"}
    unguarded = sorted(t for t in tenant - set(UNGUARDED) if not flags.get(t) or t not in policies)
    assert unguarded == [], f"tenant tables without a forced row-level policy: {unguarded}"
    assert set(TENANT_TABLES) <= tenant | {"sg_r_stream_quality"}


def test_company_b_reads_no_exact_figure_of_company_a_with_raw_sql(park: Park) -> None:
    refinery = Registry(park.app, _tenant(park, "member", "Kalundborg Refinery"))
    seen = _everything(refinery)
    assert "sg_r_streams: [(" in seen  # B reads the park's rows ...
    assert not _mark_in(seen), "a confidential figure of A reached B"  # ... not A's figures
    for figure in park.figures:
        assert figure not in seen
    observer = Registry(park.app, _tenant(park, "observer"))
    assert not _mark_in(_everything(observer))


def test_owner_and_facilitator_read_the_exact_figures(park: Park) -> None:
    for tenant in (_tenant(park, "org_admin", "Ørsted"), _tenant(park, "facilitator")):
        assert _mark_in(_everything(Registry(park.app, tenant), ("sg_r_figures",)))
        got = Registry(park.app, tenant).get("streams", park.secret.row_id)
        assert got.values["quantity"] == park.secret.values["quantity"] and not got.banded
        assert got.values["quality"]["moisture_pct"]["value"] == 10 + MARK


def test_through_the_registry_b_gets_the_bands(park: Park) -> None:
    refinery = Registry(park.app, _tenant(park, "member", "Kalundborg Refinery"))
    got = refinery.get("streams", park.secret.row_id)
    assert got.banded
    assert isinstance(got.values["quantity"], str) and " to " in got.values["quantity"]
    assert not _mark_in(repr(got.values))
    assert " to " in str(got.values["quality"]["moisture_pct"]["value"])
    listed, _ = refinery.rows("streams", park.park_id, limit=500)
    assert not _mark_in(repr([r.values for r in listed]))
    exchanges, _ = refinery.rows("exchanges", park.park_id, limit=500)
    touching = [
        x
        for x in exchanges
        if park.secret.values["id"] in (x.values["supply_id"], x.values["demand_id"])
    ]
    assert touching and all(x.banded for x in touching)


def test_no_tenant_no_rows(park: Park) -> None:
    """Fail closed: a transaction without a tenant reads nothing, and a tenant set in one
    transaction does not outlive it on the pooled connection."""
    refinery = Registry(park.app, _tenant(park, "member", "Kalundborg Refinery"))
    with refinery._reading() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM sg_r_streams").scalar_one() > 0
    with park.app.engine.connect() as connection:
        for table in TENANT_TABLES:
            n = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
            assert n == 0, table
        role = connection.exec_driver_sql(
            "SELECT current_setting('symbiograph.role', true)"
        ).scalar_one()
        assert not role


def test_another_park_is_invisible_and_unwritable(park: Park) -> None:
    other = Registry(park.store).create_park("elsewhere")
    stranger = Tenant("s", "facilitator", park_id=other.row_id)
    seen = _everything(Registry(park.app, stranger))
    assert "kalundborg" not in seen and not _mark_in(seen)
    with Registry(park.app, stranger)._writing() as connection:
        done = connection.exec_driver_sql(
            "UPDATE sg_r_streams SET data = '{}' WHERE park_id = %s", (park.park_id,)
        )
        assert done.rowcount == 0
    with (
        pytest.raises(StoreError, match="row-level security"),
        Registry(park.app, stranger)._writing() as c,
    ):
        c.exec_driver_sql(
            "INSERT INTO sg_r_organisations (park_id, name, version, created_at, updated_at) "
            "VALUES (%s, 'intruder', 1, now(), now())",
            (park.park_id,),
        )


def test_sealing_follows_the_confidential_flag(park: Park) -> None:
    system = Registry(park.app)
    row = system.get("streams", park.secret.row_id)
    opened = system.update("streams", row.row_id, row.version, {"confidential": False})
    refinery = Registry(park.app, _tenant(park, "member", "Kalundborg Refinery"))
    assert refinery.get("streams", row.row_id).values["quantity"] == opened.values["quantity"]
    system.update("streams", row.row_id, opened.version, {"confidential": True})
    assert refinery.get("streams", row.row_id).banded
    assert (
        Registry(park.app)
        .to_network(park.park_id)
        .differences(Registry(park.store).to_network(park.park_id))
        == []
    )
