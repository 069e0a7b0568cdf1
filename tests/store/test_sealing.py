"""Confidential figures stored apart (``sg_r_figures``), on SQLite and PostgreSQL: a
confidential stream's row holds bands, the figures table the exact values, reads as the
platform or the owner give the exact record back; migration 0012 carries rows stored
before it over (down to 0011 and up again loses nothing)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from symbiograph.store import Registry, Store
from symbiograph.store._store import SCRIPT_LOCATION
from symbiograph.web import demo_network

pytestmark = pytest.mark.slow


def _park(store: Store) -> tuple[int, list[dict[str, object]]]:
    system = Registry(store)
    park = system.create_park("kalundborg")
    system.import_network(park.row_id, demo_network())
    streams, _ = system.rows("streams", park.row_id, limit=500)
    return park.row_id, [s.values for s in streams]


def test_a_confidential_row_holds_bands_and_its_figures_sit_apart(store: Store) -> None:
    park_id, streams = _park(store)
    secret = next(s for s in streams if s.get("confidential") and "quantity" in s)
    with store.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT set_config('symbiograph.role', 'system', false)")
        row = connection.execute(
            sa.text("SELECT id, data, sealed FROM sg_r_streams WHERE key = :k"),
            {"k": secret["id"]},
        ).one()
        exact = connection.execute(
            sa.text("SELECT data FROM sg_r_figures WHERE table_name = 'streams' AND row_id = :i"),
            {"i": row.id},
        ).scalar_one()
    stored = json.loads(row.data)
    assert row.sealed and stored["_banded"] is True
    assert isinstance(stored["quantity"], str) and " to " in stored["quantity"]
    assert json.loads(exact)["quantity"] == secret["quantity"]
    open_stream = next(s for s in streams if not s.get("confidential"))
    assert Registry(store).to_network(park_id).differences(demo_network()) == []
    assert "quantity" not in json.loads(exact) or open_stream["id"] != secret["id"]


def test_migration_0012_carries_rows_over_both_ways(store: Store) -> None:
    park_id, before = _park(store)
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    with store.engine.connect() as connection:
        if connection.dialect.name == "sqlite":  # tables are recreated: as store.upgrade does
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        connection.begin()
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")
        data = connection.exec_driver_sql("SELECT data FROM sg_r_streams").scalars().all()
        assert not any("_banded" in text for text in data)
        command.upgrade(config, "head")
        connection.commit()
        if connection.dialect.name == "sqlite":
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]
    after, _ = Registry(store).rows("streams", park_id, limit=500)
    assert [r.values for r in after] == before
    assert Registry(store).to_network(park_id).differences(demo_network()) == []
