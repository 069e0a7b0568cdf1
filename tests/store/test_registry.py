"""The registry: rows changed one at a time with versions, an audit log, a park in and out
as a Network (on SQLite and PostgreSQL: the ``store`` fixture)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.storekit import dump
from symbiograph.datasets import kalundborg
from symbiograph.errors import InputError, NotFoundError
from symbiograph.io import ScenarioError, network_from_document
from symbiograph.model import Network
from symbiograph.store import AccessDeniedError, Registry, StaleVersionError, Store, Tenant


def small_network() -> Network:
    """Power (Ørsted-like) gives steam to Farm and gypsum to Board; one exchange; quality."""

    def plant(fid: str, org: str) -> dict[str, object]:
        return {
            "id": fid,
            "name": fid.title(),
            "organisation": org,
            "nace_code": "35.11",
            "lat": 55.68,
            "lon": 11.08,
        }

    return network_from_document(
        {
            "parameters": {"name": "small park", "carbon_price": 85.5},
            "resources": [
                {"id": "steam", "name": "Steam", "kind": "energy", "unit": "MWh/yr"},
                {"id": "gypsum", "name": "Gypsum", "kind": "material", "unit": "t/yr"},
            ],
            "facilities": [
                plant("power", "Power Co"),
                plant("farm", "Farm Co"),
                plant("board", "Board Co"),
            ],
            "streams": [
                {
                    "id": "s1",
                    "facility_id": "power",
                    "resource_id": "steam",
                    "direction": "supply",
                    "quantity": 1000.5,
                    "price": 2.0,
                    "confidential": True,
                    "quality": {"temperature_C": 180.0},
                },
                {
                    "id": "s2",
                    "facility_id": "farm",
                    "resource_id": "steam",
                    "direction": "demand",
                    "quantity": 800,
                    "price": 30.0,
                    "quality": {"temperature_C": [120.0, 200.0]},
                },
                {
                    "id": "s3",
                    "facility_id": "power",
                    "resource_id": "gypsum",
                    "direction": "supply",
                    "quantity": 0.1 + 0.2,
                },
                {
                    "id": "s4",
                    "facility_id": "board",
                    "resource_id": "gypsum",
                    "direction": "demand",
                    "quantity": 5.0,
                    "price": 12.5,
                },
            ],
            "exchanges": [
                {
                    "id": "x1",
                    "supply_id": "s1",
                    "demand_id": "s2",
                    "quantity": 800,
                    "mode": "pipeline",
                    "status": "existing",
                    "start_year": 1993,
                },
                {"id": "x0", "supply_id": "s3", "demand_id": "s4", "status": "planned"},
            ],
        }
    )


def _park(store: Store, name: str = "p") -> tuple[Registry, int]:
    registry = Registry(store)
    park = registry.create_park(name)
    return registry, park.row_id


def _dump(store: Store) -> object:
    return dump(store.url, getattr(store, "schema", None))


def test_import_then_to_network_round_trips_small(store: Store) -> None:
    registry, park = _park(store)
    network = small_network()
    organisations = registry.import_network(park, network)
    assert [o.name for o in organisations] == sorted(set(network.facilities["organisation"]))
    assert registry.to_network(park).differences(network) == []


def test_import_then_to_network_round_trips_kalundborg(store: Store) -> None:
    registry, park = _park(store)
    network = kalundborg()
    registry.import_network(park, network)
    back = registry.to_network(park)
    assert back.differences(network) == []
    rows, total = registry.rows("streams", park, limit=500)
    assert total == len(network.streams) == len(rows)


def test_create_read_update_delete_with_versions(store: Store) -> None:
    registry, park = _park(store)
    registry.import_network(park, small_network())
    (s1, *_), _ = registry.rows("streams", park, filters={"facility_id": "power"})
    assert s1.version == 1
    # below the 800 MWh/yr its exchange x1 runs today: refused, nothing changed
    five = {"quantity": 5.0, "quantity_min": 5.0, "quantity_max": 5.0}
    with pytest.raises(InputError, match="running today from supply 's1' is 800"):
        registry.update("streams", s1.row_id, 1, five)
    assert registry.get("streams", s1.row_id).version == 1
    nine = {"quantity": 900.0, "quantity_min": 900.0, "quantity_max": 900.0}
    changed = registry.update("streams", s1.row_id, 1, nine)
    assert changed.version == 2 and changed.values["quantity"] == 900.0
    quantities = registry.to_network(park).streams.set_index("id")["quantity"]
    assert quantities.loc[s1.values["id"]] == 900
    with pytest.raises(StaleVersionError) as stale:
        registry.update("streams", s1.row_id, 1, {"quantity": 950.0})
    assert stale.value.version == 2
    assert registry.get("streams", s1.row_id).values["quantity"] == 900.0
    farm = next(o for o in registry.organisations(park)[0] if o.name != "")
    created = registry.create(
        "facilities",
        park,
        {
            "id": "new",
            "name": "New plant",
            "organisation_id": farm.row_id,
            "nace_code": "20.11",
            "lat": 55.6,
            "lon": 11.1,
        },
    )
    assert created.version == 1 and created.organisation_id == farm.row_id
    with pytest.raises(StaleVersionError):
        registry.delete("facilities", created.row_id, 2)
    registry.delete("facilities", created.row_id, 1)
    with pytest.raises(NotFoundError):
        registry.get("facilities", created.row_id)


def test_audit_keeps_before_and_after(store: Store) -> None:
    registry, park = _park(store)
    registry.import_network(park, small_network())
    (x,), _ = registry.rows("exchanges", park, filters={"status": "planned"})
    Registry(store, Tenant("7", "facilitator", park_id=park)).update(
        "exchanges", x.row_id, 1, {"note": "talked"}
    )
    entries = registry.audit(park, limit=500)
    last = entries[-1]
    assert (last.actor, last.table, last.row_id, last.action) == (
        "7",
        "exchanges",
        x.row_id,
        "update",
    )
    assert last.before is not None and last.after is not None
    assert "note" not in last.before and last.after["note"] == "talked"
    assert (last.before["version"], last.after["version"]) == (1, 2)
    assert {e.action for e in entries} == {"create", "update"}
    registry.delete("exchanges", x.row_id, 2)
    gone = registry.audit(park, limit=500)[-1]
    assert gone.action == "delete" and gone.after is None and gone.before["note"] == "talked"


def test_a_bad_import_changes_nothing(store: Store) -> None:
    registry, park = _park(store)
    before = _dump(store)
    network = small_network()
    streams = network.streams.copy()
    streams.loc[0, "resource_id"] = "no-such-resource"
    with pytest.raises(ScenarioError):
        registry.import_network(park, replace(network, streams=streams))
    assert _dump(store) == before
    registry.import_network(park, network)
    filled = _dump(store)
    with pytest.raises(InputError):
        registry.import_network(park, network)  # the park holds rows already
    assert _dump(store) == filled


def test_a_change_that_breaks_the_park_changes_nothing(store: Store) -> None:
    registry, park = _park(store)
    registry.import_network(park, small_network())
    (s,), _ = registry.rows("streams", park, limit=1)
    before = _dump(store)
    with pytest.raises(ScenarioError):
        registry.update("streams", s.row_id, 1, {"quantity": -1.0})
    with pytest.raises(ScenarioError):
        registry.update("streams", s.row_id, 1, {"resource_id": "nothing"})
    with pytest.raises(InputError):
        registry.update("streams", s.row_id, 1, {"colour": "red"})
    with pytest.raises(InputError):
        registry.delete("streams", s.row_id, 1)  # an exchange uses it
    assert _dump(store) == before


def test_tenants_write_only_their_own_rows(store: Store) -> None:
    registry, park = _park(store)
    orgs = {o.name: o.row_id for o in registry.import_network(park, small_network())}
    rows, _ = registry.rows("streams", park, limit=500)
    mine = next(r for r in rows if r.organisation_id == orgs[min(orgs)])
    theirs = next(r for r in rows if r.organisation_id != orgs[min(orgs)])
    member = Registry(store, Tenant("3", "member", park_id=park, organisation_id=orgs[min(orgs)]))
    assert member.update("streams", mine.row_id, 1, {"note": "mine"}).version == 2
    with pytest.raises(AccessDeniedError):
        member.update("streams", theirs.row_id, 1, {"note": "not mine"})
    (x, *_), _ = registry.rows("exchanges", park)
    with pytest.raises(AccessDeniedError):
        member.update("exchanges", x.row_id, x.version, {"note": "exchanges are the facilitator's"})
    observer = Registry(store, Tenant("4", "observer", park_id=park))
    with pytest.raises(AccessDeniedError):
        observer.update("streams", mine.row_id, 2, {"note": "no"})
    stranger = Registry(store, Tenant("5", "facilitator", park_id=park + 1))
    with pytest.raises(NotFoundError):
        stranger.get("streams", mine.row_id)
    assert registry.get("streams", theirs.row_id).version == 1


def test_lists_page_and_filter(store: Store) -> None:
    registry, park = _park(store)
    network = kalundborg()
    registry.import_network(park, network)
    first, total = registry.rows("streams", park, limit=3)
    second, _ = registry.rows("streams", park, limit=3, offset=3)
    assert total == len(network.streams) and len(first) == 3
    assert [r.values["id"] for r in first + second] == list(network.streams["id"][:6])
    supplies, n = registry.rows("streams", park, limit=500, filters={"direction": "supply"})
    assert n == int((network.streams["direction"] == "supply").sum())
    assert {r.values["direction"] for r in supplies} == {"supply"}
    with pytest.raises(InputError):
        registry.rows("streams", park, filters={"price": 1})
    with pytest.raises(InputError):
        registry.rows("streams", park, limit=0)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(reads=st.lists(st.sampled_from([0, 1]), min_size=1, max_size=6))
def test_versions_count_changes_and_stale_writes_change_nothing(
    tmp_path_factory: pytest.TempPathFactory, reads: list[int]
) -> None:
    """Writers that read the row ``lag`` changes ago (0: fresh, 1: stale): a fresh write
    bumps the version by one and adds one audit row; a stale one raises and adds nothing."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('versions') / 'r.db'}")
    registry, park = _park(store)
    registry.import_network(park, small_network())
    (row, *_), _ = registry.rows("exchanges", park)
    audited = len(registry.audit(park, limit=500))
    version = 1
    for i, lag in enumerate(reads):
        read = version - lag
        if read < 1 or lag:
            with pytest.raises(StaleVersionError):
                registry.update("exchanges", row.row_id, max(read, 0), {"note": f"n{i}"})
        else:
            assert registry.update("exchanges", row.row_id, read, {"note": f"n{i}"}).version == (
                version + 1
            )
            version += 1
            audited += 1
        assert registry.get("exchanges", row.row_id).version == version
        assert len(registry.audit(park, limit=500)) == audited


def test_two_writers_of_one_row_one_wins(store: Store) -> None:
    registry, park = _park(store)
    registry.import_network(park, small_network())
    (row, *_), _ = registry.rows("streams", park)
    barrier = threading.Barrier(2)

    def write(note: str) -> str:
        barrier.wait()
        try:
            Registry(store).update("streams", row.row_id, 1, {"note": note})
        except StaleVersionError:
            return "stale"
        return "won"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(write, ["a", "b"]))
    assert outcomes == ["stale", "won"]
    final = registry.get("streams", row.row_id)
    assert final.version == 2 and final.values["note"] in ("a", "b")
    updates = [e for e in registry.audit(park, limit=500) if e.action == "update"]
    assert [e.after["note"] for e in updates if e.table == "streams"] == [final.values["note"]]


def test_put_replaces_the_record(store: Store) -> None:
    registry, park = _park(store)
    registry.import_network(park, small_network())
    (s1, *_), _ = registry.rows("streams", park, filters={"facility_id": "power"})
    assert "quality" in s1.values and s1.values["price"] == 2.0
    record = {k: v for k, v in s1.values.items() if k not in ("price", "quality")}
    after = registry.update("streams", s1.row_id, 1, record, replace=True)
    assert "price" not in after.values and "quality" not in after.values
    network = registry.to_network(park)
    assert network.streams.set_index("id")["price"].isna()["s1"]
    assert "s1" not in set(network.stream_quality["stream_id"])
    with pytest.raises(InputError):
        registry.update("facilities", 1, 1, {"organisation": "Farm Co"})
