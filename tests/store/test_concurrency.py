"""Stores opened and written from several threads at once (parallel test runs, web workers)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from symbiograph.model import Network
from symbiograph.store import Store


def test_two_stores_migrate_a_new_database_at_once(store: Store) -> None:
    """Both open (and migrate) the same fresh database; neither fails, one schema results."""
    store.close()
    url, schema = store.url, store.schema
    if schema is not None:  # a schema that does not exist yet
        schema = f"{schema}_b"

    def open_and_list(_: int) -> list[str]:
        with Store(url, schema=schema) as opened:
            return opened.names()

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(open_and_list, range(2))) == [[], []]
    if schema is not None:
        with store.engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


def test_concurrent_saves_all_land(store: Store, network: Network) -> None:
    def save(i: int) -> int:
        with Store(store.url, schema=store.schema) as opened:
            return opened.save(network, f"park-{i % 3}")

    with ThreadPoolExecutor(max_workers=3) as pool:
        ids = list(pool.map(save, range(9)))
    assert len(ids) == 9
    assert store.names() == ["park-0", "park-1", "park-2"]
    for name in store.names():
        assert store.load(name).equals(network)
