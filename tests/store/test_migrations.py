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
from symbiograph.model import TABLES, Network, attributes, key_columns
from symbiograph.store import Store, metadata, table_name
from symbiograph.store._schema import VERSION_TABLE, column_type
from symbiograph.store._store import SCRIPT_LOCATION

#: Tables added after revision 0003: archetypes by 0005, infrastructure by 0006, processes
#: and duties by 0010.
_LATER_TABLES = (
    "archetypes",
    "infrastructure",
    "processes",
    "process_ports",
    "duties",
    "duty_members",
    "technology_sites",
)


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
        "versions/0006_baseline_infrastructure.py",
        "versions/0009_accounts.py",
        "versions/0010_processes_duties.py",
        "versions/0011_registry.py",
        "versions/0012_rls.py",
        "versions/0013_pipeline_jobs.py",
        "versions/0014_ledger.py",
        "versions/0015_technology_sites.py",
    ):
        assert (folder / name).is_file(), name
    scripts = ScriptDirectory.from_config(_config())
    assert scripts.get_heads() == ["0015"]


def test_schema_is_derived_from_the_attribute_table() -> None:
    tables = metadata().tables
    accounts = {"sg_users", "sg_sessions", "sg_api_tokens", "sg_login_attempts"}
    registry = {
        f"sg_r_{t}"
        for t in (
            "parks",
            "organisations",
            "facilities",
            "streams",
            "stream_quality",
            "exchanges",
            "audit",
            "figures",
        )
    }
    ledger = {
        f"sg_l_{t}"
        for t in ("keys", "entries", "nodes", "checkpoints", "openings", "contracts", "decisions")
    }
    assert set(tables) == {
        "sg_networks",
        "sg_versions",
        *accounts,
        *registry,
        "sg_p_synergies",
        "sg_p_moves",
        "sg_p_documents",
        "sg_jobs",
        *ledger,
        *(table_name(t) for t in TABLES),
    }
    for name in TABLES:
        db_table = tables[table_name(name)]
        expected = ["version_id", "row_order", *(a.name for a in attributes(name))]
        assert [c.name for c in db_table.columns] == expected
        assert [c.name for c in db_table.primary_key.columns] == [
            "version_id",
            *key_columns(name),
        ]
        for a in attributes(name):
            assert type(db_table.c[a.name].type) is type(column_type(a.type))
        (foreign_key,) = db_table.c.version_id.foreign_keys
        assert foreign_key.target_fullname == "sg_versions.id"
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
    assert version == "0015"


def test_upgrade_keeps_networks_saved_before_it(tmp_path: Path) -> None:
    """A database at revision 0001 with a saved network upgrades to head without loss."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        tables_at_0001 = [t for t in TABLES if t not in _LATER_TABLES]
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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[str, str | None, sa.Engine]:
    """A database at revision 0003 (before versions): URL, schema and a plain engine on it."""
    if request.param == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'old.db'}", None
        engine = sa.create_engine(url)  # foreign keys off, as Alembic's own command runs
    else:
        url, schema = request.getfixturevalue("pg_url"), request.getfixturevalue("pg_schema")
        with sa.create_engine(url).begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine = sa.create_engine(url, connect_args={"options": f"-c search_path={schema}"})
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    return url, schema, engine


def _insert_old_network(
    connection: sa.Connection, network_id: int, name: str, facilities: list[str]
) -> None:
    counts = {f"n_{t}": 0 for t in TABLES if t not in _LATER_TABLES} | {
        "n_facilities": len(facilities),
        "n_streams": 1,
    }
    connection.execute(
        sa.text(
            "INSERT INTO sg_networks (id, name, parameters, saved_at, "
            + ", ".join(counts)
            + ") VALUES (:id, :name, :parameters, '2026-01-01 00:00:00', "
            + ", ".join(str(v) for v in counts.values())
            + ")"
        ),
        {"id": network_id, "name": name, "parameters": f'{{"name": "{name}"}}'},
    )
    for order, facility in enumerate(facilities):
        connection.execute(
            sa.text(
                "INSERT INTO sg_facilities (network_id, row_order, id, name, organisation, "
                "nace_code, lat, lon, accepts_hazardous) "
                "VALUES (:n, :o, :id, 'Plant', 'Org', '35.11', 55.0, 11.0, :hazardous)"
            ),
            {"n": network_id, "o": order, "id": facility, "hazardous": order == 0},
        )
    connection.execute(
        sa.text(
            "INSERT INTO sg_streams (network_id, row_order, id, facility_id, resource_id, "
            "direction, quantity) VALUES (:n, 0, 's1', :f, 'gypsum', 'supply', 1.5e5)"
        ),
        {"n": network_id, "f": facilities[0]},
    )


def test_versions_migration_carries_every_network_over(
    old_database: tuple[str, str | None, sa.Engine],
) -> None:
    """Networks saved at 0003 become version 1 of themselves, rows and parameters intact;
    ids given later are above every id used before (never reused)."""
    url, schema, engine = old_database
    with engine.begin() as connection:
        _insert_old_network(connection, 3, "park", ["f2", "f1"])
        _insert_old_network(connection, 7, "other", ["g1"])
    engine.dispose()
    with Store(url, schema=schema) as store:
        assert store.names() == ["other", "park"]
        park = store.load("park")
        assert list(park.facilities["id"]) == ["f2", "f1"]  # saved row order kept
        assert park.facilities["accepts_hazardous"].tolist() == [True, False]
        assert park.streams.loc[0, "quantity"] == 1.5e5
        assert park.parameters == {"name": "park"}
        assert list(store.load("other").facilities["id"]) == ["g1"]
        versions = store.versions("park")
        assert list(versions["version"]) == [1]
        assert list(versions["version_id"]) == [3]
        assert versions.loc[0, "note"] == "carried over from the store before versions"
        assert versions.loc[0, "n_facilities"] == 2
        summary = store.summary().set_index("name")
        assert summary.loc["other", "id"] == 7
        with store.engine.connect() as connection:
            assert _differences(connection) == []
        # a new version and a new network get ids above the old ones
        again = store.save(park, "park")
        assert again.number == 2 and again.version_id > 7
        store.delete("other")
        fresh = store.save(park, "fresh")
        assert fresh.network_id > 7 and fresh.version_id > again.version_id
        assert store.load("park", version=1).equals(park)


def test_versions_migration_downgrades_to_the_newest_version(
    old_database: tuple[str, str | None, sa.Engine],
) -> None:
    url, schema, engine = old_database
    with engine.begin() as connection:
        _insert_old_network(connection, 1, "park", ["f1"])
    with Store(url, schema=schema) as store:
        park = store.load("park")
        facilities = park.facilities.copy()
        facilities.loc[:, "name"] = "Renamed"
        newer = Network(
            parameters={"name": "newer"}, **(park.tables() | {"facilities": facilities})
        )
        store.save(newer, "park")
        store.save(park, "other")
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT n.name, f.name FROM sg_networks n JOIN sg_facilities f "
                "ON f.network_id = n.id ORDER BY n.name"
            )
        ).all()
        assert [tuple(r) for r in rows] == [("other", "Plant"), ("park", "Renamed")]
    with engine.begin() as connection:  # and up again: each network is its version 1
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    engine.dispose()
    with Store(url, schema=schema) as store:
        assert store.load("park").differences(newer) == []
        assert list(store.versions("park")["version"]) == [1]


def test_migration_0004_refuses_sqlite_foreign_keys_on(tmp_path: Path) -> None:
    """With foreign keys on, recreating sg_networks would cascade to every row: refused."""
    url = f"sqlite:///{tmp_path / 'fk.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        connection.commit()
        config = _config()
        config.attributes["connection"] = connection
        with pytest.raises(RuntimeError, match="foreign_keys=OFF"):
            command.upgrade(config, "head")
    engine.dispose()


@pytest.mark.postgres
def test_pipeline_and_jobs_get_row_level_security_with_the_registrys_functions(
    pg_url: str, pg_schema: str
) -> None:
    """With the registry's row-level security functions of 0012 (sg_r_runs, sg_r_sees),
    0013 forces RLS on its four tables with one policy each: a company sees the synergies it
    is party to and the jobs it submitted, nothing with no tenant set."""
    import uuid

    from symbiograph.store import upgrade

    engine = sa.create_engine(pg_url, connect_args={"options": f"-c search_path={pg_schema}"})
    role = f"sg_test_role_{uuid.uuid4().hex[:12]}"
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{pg_schema}"')
        upgrade(engine, "head")
        with engine.begin() as connection:
            policies = connection.exec_driver_sql(
                "SELECT tablename FROM pg_policies WHERE schemaname = %(s)s", {"s": pg_schema}
            ).scalars()
            ours = {"sg_p_synergies", "sg_p_moves", "sg_p_documents", "sg_jobs"}
            assert ours <= set(policies)
            now = "now()"
            connection.exec_driver_sql(
                "INSERT INTO sg_r_parks (id, name, extras, version, created_at, updated_at) "
                f"VALUES (1, 'p', '{{}}', 1, {now}, {now})"
            )
            connection.exec_driver_sql(
                "INSERT INTO sg_p_synergies (id, park_id, organisation_id, "
                "partner_organisation_id, stage, data, version, created_at, updated_at) "
                f"VALUES (1, 1, 10, 20, 'identified', '{{}}', 1, {now}, {now})"
            )
            connection.exec_driver_sql(
                "INSERT INTO sg_p_moves (synergy_id, park_id, at, actor, to_stage, note) "
                f"VALUES (1, 1, {now}, 'f', 'identified', '')"
            )
            connection.exec_driver_sql(
                "INSERT INTO sg_jobs (park_id, organisation_id, kind, parameters, state, "
                "progress, message, submitted_by, submitted_at, attempts, max_attempts, "
                f"cancel_requested, version) VALUES (1, 30, 'match', '{{}}', 'queued', 0, '', "
                f"'u', {now}, 0, 3, false, 1)"
            )
            connection.exec_driver_sql(f'CREATE ROLE "{role}" NOLOGIN')
            connection.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{pg_schema}" TO "{role}"')
            connection.exec_driver_sql(
                f'GRANT SELECT ON ALL TABLES IN SCHEMA "{pg_schema}" TO "{role}"'
            )

        def seen(tenant: tuple[str, int, int] | None) -> tuple[int, int, int]:
            with engine.begin() as connection:
                connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
                if tenant is not None:
                    for key, value in zip(("role", "park", "organisation"), tenant, strict=True):
                        connection.execute(
                            sa.text("SELECT set_config(:k, :v, true)"),
                            {"k": f"symbiograph.{key}", "v": str(value)},
                        )
                return tuple(  # type: ignore[return-value]
                    int(connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one())
                    for t in ("sg_p_synergies", "sg_p_moves", "sg_jobs")
                )

        assert seen(None) == (0, 0, 0)  # no tenant: nothing (fail closed)
        assert seen(("facilitator", 1, 0)) == (1, 1, 1)
        assert seen(("facilitator", 2, 0)) == (0, 0, 0)
        assert seen(("member", 1, 20)) == (1, 1, 0)  # a side of the synergy
        assert seen(("org_admin", 1, 30)) == (0, 0, 1)  # the job's organisation
        with engine.begin() as connection:  # and back: policies, function and tables gone
            config = _config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0012")
            left = connection.exec_driver_sql(
                "SELECT tablename FROM pg_policies WHERE schemaname = %(s)s", {"s": pg_schema}
            ).scalars()
            assert not ours & set(left)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{pg_schema}" CASCADE')
            exists = connection.exec_driver_sql(
                "SELECT 1 FROM pg_roles WHERE rolname = %(r)s", {"r": role}
            ).first()
            if exists:
                connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
                connection.exec_driver_sql(f'DROP ROLE "{role}"')
        engine.dispose()
