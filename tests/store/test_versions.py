"""Versions of a stored network: kept on every save, listed, loaded, restored, pruned;
networks renamed and deleted; ids never reused; empty names refused (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest

from symbiograph.errors import InputError, NotFoundError
from symbiograph.model import Network
from symbiograph.store import NetworkExistsError, NetworkNotFoundError, Store, VersionNotFoundError


def _variant(network: Network, carbon_price: float) -> Network:
    return Network(
        parameters=network.parameters | {"carbon_price": carbon_price}, **network.tables()
    )


def test_every_save_is_a_version_any_one_loads(store: Store, network: Network) -> None:
    saved = [store.save(_variant(network, float(p)), "park", note=f"price {p}") for p in range(4)]
    assert [v.number for v in saved] == [1, 2, 3, 4]
    assert len({v.version_id for v in saved}) == 4
    assert [v.previous.number if v.previous else None for v in saved] == [None, 1, 2, 3]
    versions = store.versions("park")
    assert list(versions["version"]) == [1, 2, 3, 4]
    assert list(versions["note"]) == ["price 0", "price 1", "price 2", "price 3"]
    for number in range(1, 5):
        assert store.load("park", version=number).parameters["carbon_price"] == number - 1
    assert store.load("park").parameters["carbon_price"] == 3
    assert store.current("park").number == 4
    with pytest.raises(VersionNotFoundError, match=r"no version 9 \(kept: 1, 2, 3, 4\)"):
        store.load("park", version=9)


def test_restore_adds_a_version_and_removes_nothing(store: Store, network: Network) -> None:
    store.save(network, "park")
    store.save(Network(), "park")  # an empty network over it
    restored = store.restore("park", 1)
    assert (restored.number, restored.note) == (3, "restored from version 1")
    assert restored.previous is not None and restored.previous.number == 2
    assert restored.counts["streams"] == 4 and restored.counts["facilities"] == 3
    assert list(store.versions("park")["n_streams"]) == [4, 0, 4]
    assert store.load("park").equals(network)
    assert store.load("park", version=2).equals(Network())
    assert list(store.versions("park")["version"]) == [1, 2, 3]


def test_prune_keeps_the_newest(store: Store, network: Network) -> None:
    for price in range(4):
        store.save(_variant(network, float(price)), "park")
    store.save(network, "other")
    assert store.prune("park", keep=2) == 2
    assert list(store.versions("park")["version"]) == [3, 4]
    assert store.load("park").parameters["carbon_price"] == 3
    with pytest.raises(VersionNotFoundError):
        store.load("park", version=1)
    assert store.prune(keep=1) == 1  # every network: park loses version 3
    assert list(store.versions("park")["version"]) == [4]
    assert list(store.versions("other")["version"]) == [1]
    with pytest.raises(InputError, match="keep at least one"):
        store.prune("park", keep=0)
    # version numbers and ids go on from where they were, never reused
    again = store.save(network, "park")
    assert again.number == 5


def test_rename_and_delete(store: Store, network: Network) -> None:
    store.save(network, "park")
    store.save(network, "park")
    store.save(network, "other")
    store.rename("park", "harbour")
    assert store.names() == ["harbour", "other"]
    assert list(store.versions("harbour")["version"]) == [1, 2]
    with pytest.raises(NetworkExistsError, match="'other' is already stored"):
        store.rename("harbour", "other")
    with pytest.raises(NetworkNotFoundError):
        store.rename("park", "x")
    store.delete("harbour")
    assert store.names() == ["other"]
    with pytest.raises(NotFoundError):
        store.versions("harbour")


def test_ids_are_never_reused(store: Store, network: Network) -> None:
    first = store.save(network, "a")
    second = store.save(network, "b")
    store.delete("b")  # the newest network and version go
    third = store.save(network, "c")
    assert third.network_id > second.network_id > first.network_id
    assert third.version_id > second.version_id
    newer = store.save(network, "c")
    store.prune("c", keep=1)
    store.delete("c")
    fourth = store.save(network, "d")
    assert fourth.network_id > third.network_id
    assert fourth.version_id > newer.version_id


@pytest.mark.parametrize("name", ["", "   ", "\t", "bad\nname"])
def test_unusable_names_are_refused(store: Store, network: Network, name: str) -> None:
    with pytest.raises(InputError, match="network name"):
        store.save(network, name)
    store.save(network, "park")
    with pytest.raises(InputError, match="network name"):
        store.rename("park", name)
    assert store.names() == ["park"]


def test_replace_false_refuses_a_stored_name(store: Store, network: Network) -> None:
    store.save(network, "park")
    with pytest.raises(NetworkExistsError):
        store.save(network, "park", replace=False)
    assert list(store.versions("park")["version"]) == [1]
