"""Save, load, replace and delete Networks; a failed save changes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from symbiograph.errors import StoreError
from symbiograph.model import TABLES, Network
from symbiograph.store import (
    NetworkExistsError,
    NetworkNotFoundError,
    Store,
    _bulk,
    _store,
    metadata,
)


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every store table, in key order: the whole stored state."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as connection:
        for db_table in metadata().sorted_tables:
            query = sa.select(db_table).order_by(*db_table.primary_key.columns)
            out[db_table.name] = [tuple(row) for row in connection.execute(query)]
    return out


def changed(network: Network) -> Network:
    """A different version of ``network``: one stream fewer, a new facility and parameter."""
    extra = network.facilities.iloc[[0]].assign(id="new", name="Refinery", lat=55.7)
    return Network(
        parameters=network.parameters | {"carbon_price": 100.0},
        **(
            network.tables()
            | {
                "facilities": pd.concat([network.facilities, extra], ignore_index=True),
                "streams": network.streams.iloc[1:].reset_index(drop=True),
            }
        ),
    )


def test_round_trip_is_equal_value_for_value(store: Store, network: Network) -> None:
    version = store.save(network, "park")
    loaded = store.load("park")
    assert loaded.differences(network) == []
    assert loaded.equals(network)
    assert (version.name, version.number, version.previous) == ("park", 1, None)
    assert version.counts["streams"] == 4
    for name in TABLES:
        assert list(loaded.table(name).dtypes) == list(network.table(name).dtypes), name
    assert list(loaded.streams["id"]) == ["s3", "s1", "s2", "s4"]  # saved order, not id order
    assert loaded.streams.loc[1, "note"] == 'a, b; "c"\n\\N'
    assert loaded.streams.loc[0, "months"] == ""  # missing text comes back as ""


def test_empty_network_round_trip(store: Store) -> None:
    store.save(Network(), "empty")
    assert store.load("empty").equals(Network())


def test_replace_keeps_the_earlier_version(store: Store, network: Network) -> None:
    first = store.save(network, "park")
    store.save(network, "other")
    second = store.save(changed(network), "park")
    assert store.names() == ["other", "park"]
    assert store.load("park").equals(changed(network))
    assert store.load("park", version=1).equals(network)
    assert store.load("other").equals(network)
    assert second.number == 2 and second.network_id == first.network_id
    assert second.previous is not None and second.previous.number == 1
    assert second.previous.counts["streams"] == 4
    summary = store.summary().set_index("name")
    assert summary.loc["park", "n_streams"] == 3
    assert summary.loc["park", "n_facilities"] == 4
    assert summary.loc["park", "version"] == 2
    assert summary.loc["park", "versions"] == 2
    assert summary.loc["other", "n_streams"] == 4
    versions = store.versions("park")
    assert list(versions["version"]) == [1, 2]
    assert list(versions["n_streams"]) == [4, 3]
    with store.engine.connect() as connection:
        for version, expected in ((first, 4), (second, 3)):
            rows = connection.execute(
                sa.text("SELECT count(*) FROM sg_streams WHERE version_id = :id"),
                {"id": version.version_id},
            ).scalar_one()
            assert rows == expected


def test_replace_false_refuses_and_changes_nothing(store: Store, network: Network) -> None:
    store.save(network, "park")
    before = snapshot(store)
    with pytest.raises(NetworkExistsError, match="park"):
        store.save(changed(network), "park", replace=False)
    assert snapshot(store) == before


def _fail_on_streams(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the bulk writer raise when it reaches streams; return the tables it wrote."""
    written: list[str] = []
    real = _bulk.write_table

    def write_table(conn: sa.Connection, name: str, frame: pd.DataFrame, network_id: int) -> None:
        if name == "streams":
            raise RuntimeError("disk full while writing streams")
        real(conn, name, frame, network_id)
        written.append(name)

    monkeypatch.setattr(_bulk, "write_table", write_table)
    return written


@pytest.mark.parametrize("name", ["park", "new"])
def test_failure_midway_leaves_database_unchanged(
    store: Store, network: Network, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Replacing "park" or adding "new" fails after facilities were written: no trace."""
    store.save(network, "park")
    before = snapshot(store)
    written = _fail_on_streams(monkeypatch)
    with pytest.raises(RuntimeError, match="disk full"):
        store.save(changed(network), name)
    assert "facilities" in written
    monkeypatch.undo()
    assert snapshot(store) == before
    assert store.names() == ["park"]
    assert store.load("park").equals(network)


def test_database_error_midway_rolls_back(
    store: Store, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A duplicate stream id reaching the database (checks bypassed) fails the whole save."""
    store.save(network, "park")
    before = snapshot(store)
    monkeypatch.setattr(_store, "_checked_tables", lambda n: n.tables())
    broken = changed(network)
    broken.streams = pd.concat([broken.streams, broken.streams.iloc[:1]], ignore_index=True)
    with pytest.raises(StoreError, match="sg_streams") as info:
        store.save(broken, "park")
    assert isinstance(info.value.__cause__, sa.exc.IntegrityError)
    assert "\n" not in str(info.value)
    assert snapshot(store) == before


def test_duplicate_key_is_refused_before_writing(store: Store, network: Network) -> None:
    network.stream_quality = pd.concat(
        [network.stream_quality, network.stream_quality.iloc[[2]]], ignore_index=True
    )
    with pytest.raises(ValueError, match=r"stream_quality: duplicate key .*'s1', 'moisture'"):
        store.save(network, "park")
    assert store.names() == []


def test_wrong_columns_are_refused(store: Store, network: Network) -> None:
    network.streams = network.streams.assign(colour="red")
    with pytest.raises(ValueError, match=r"streams.*colour"):
        store.save(network, "park")
    assert store.names() == []


def test_unknown_name_gives_a_clear_error(store: Store, network: Network) -> None:
    store.save(network, "park")
    with pytest.raises(NetworkNotFoundError, match="no network named 'parc'") as info:
        store.load("parc")
    assert isinstance(info.value, KeyError)
    assert info.value.name == "parc"
    with pytest.raises(KeyError, match="parc"):
        store.delete("parc")


def test_delete_removes_every_row(store: Store, network: Network) -> None:
    store.save(network, "park")
    store.save(network, "copy")
    store.delete("park")
    assert store.names() == ["copy"]
    after = snapshot(store)
    assert sum(len(rows) for rows in after.values()) > 0
    store.delete("copy")
    assert all(rows == [] for rows in snapshot(store).values())


def test_summary_lists_counts(store: Store, network: Network) -> None:
    assert store.summary().empty
    store.save(network, "park")
    summary = store.summary()
    assert list(summary["name"]) == ["park"]
    assert summary.loc[0, "n_streams"] == 4
    assert summary.loc[0, "n_stream_quality"] == 3
    assert str(summary["saved_at"].dtype).startswith("datetime64")


def test_store_is_a_context_manager(tmp_path: Any, network: Network) -> None:
    url = f"sqlite:///{tmp_path / 'ctx.db'}"
    with Store(url) as store:
        store.save(network, "park")
    with Store(url) as reopened:
        assert reopened.load("park").equals(network)


def test_technology_sites_round_trip(store: Store) -> None:
    """A network with a sited technology (its site, and the process, ports and streams it
    expands to) loads back value for value."""
    from scenarios import heat_pump_site

    network = heat_pump_site()
    store.save(network, "sited")
    again = store.load("sited")
    assert again.equals(network), again.differences(network)
    assert list(again.technology_sites["id"]) == ["hp"]
    assert again.processes.set_index("id").loc["hp", "technology_id"] == "heat_pump_waste_heat"
