"""The shipped Alembic migrations build exactly the schema derived from the attribute table."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import symbiograph.store
from symbiograph.model import TABLES, attributes, key_columns
from symbiograph.store import Store, metadata, table_name
from symbiograph.store._schema import VERSION_TABLE, column_type
from symbiograph.store._store import SCRIPT_LOCATION


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def test_migrations_ship_inside_the_package() -> None:
    folder = Path(symbiograph.store.__file__).parent / "migrations"
    for name in (
        "env.py",
        "script.py.mako",
        "versions/0001_initial.py",
        "versions/0002_facility_hazardous_permit.py",
        "versions/0003_published_figure_covers.py",
        "versions/0005_archetypes.py",
    ):
        assert (folder / name).is_file(), name
    scripts = ScriptDirectory.from_config(_config())
    assert scripts.get_heads() == ["0005"]


def test_schema_is_derived_from_the_attribute_table() -> None:
    tables = metadata().tables
    assert set(tables) == {"sg_networks", *(table_name(t) for t in TABLES)}
    for name in TABLES:
        db_table = tables[table_name(name)]
        expected = ["network_id", "row_order", *(a.name for a in attributes(name))]
        assert [c.name for c in db_table.columns] == expected
        assert [c.name for c in db_table.primary_key.columns] == [
            "network_id",
            *key_columns(name),
        ]
        for a in attributes(name):
            assert type(db_table.c[a.name].type) is type(column_type(a.type))
        (foreign_key,) = db_table.c.network_id.foreign_keys
        assert foreign_key.target_fullname == "sg_networks.id"
        assert foreign_key.ondelete == "CASCADE"


def _differences(connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
    )
    return list(compare_metadata(context, metadata()))


def test_migrated_database_matches_the_metadata(store: Store) -> None:
    with store.engine.connect() as connection:
        assert _differences(connection) == []
        version = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE}
        ).get_current_revision()
    assert version == "0005"


def test_upgrade_keeps_networks_saved_before_it(tmp_path: Path) -> None:
    """A database at revision 0001 with a saved network upgrades to head without loss."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        tables_at_0001 = [t for t in TABLES if t != "archetypes"]  # added by revision 0005
        counts = {f"n_{t}": 0 for t in tables_at_0001} | {"n_facilities": 1}
        connection.execute(
            sa.text(
                "INSERT INTO sg_networks (id, name, parameters, saved_at, "
                + ", ".join(counts)
                + ") VALUES (1, 'old', '{}', '2026-01-01 00:00:00', "
                + ", ".join(str(v) for v in counts.values())
                + ")"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO sg_facilities (network_id, row_order, id, name, organisation, "
                "nace_code, lat, lon) VALUES (1, 0, 'f1', 'Plant', 'Org', '35.11', 55.0, 11.0)"
            )
        )
    engine.dispose()
    with Store(url) as store:  # opening the store upgrades it to head
        network = store.load("old")
    assert list(network.facilities["id"]) == ["f1"]
    assert network.facilities["accepts_hazardous"].tolist() == [False]
    assert network.facilities["accepts_hazardous"].dtype == bool


def test_opening_twice_keeps_the_schema(store: Store) -> None:
    again = Store(store.url, schema=store.schema)
    try:
        with again.engine.connect() as connection:
            assert _differences(connection) == []
    finally:
        again.close()


def test_downgrade_to_base_removes_every_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    Store(url).close()
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(sa.inspect(engine).get_table_names()) == {VERSION_TABLE}
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["sqlite://"])
def test_in_memory_sqlite_works(url: str) -> None:
    with Store(url) as store:
        assert store.names() == []
