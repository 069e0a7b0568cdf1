"""Nothing stored is lost: a bad import, a killed import, a full disk and concurrent
writers leave the stored network whole (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import pickle
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from store.storekit import (
    bigger,
    cli,
    dump,
    dump_sqlite,
    integrity,
    one_error_line,
)
from symbiograph.datasets import kalundborg
from symbiograph.errors import StoreError
from symbiograph.io import write_network
from symbiograph.model import Network
from symbiograph.store import Store

KILL_CHILD = """
import pickle, sys, time
from symbiograph.store import Store, _bulk

url, schema, pickled, pause_after = sys.argv[1:5]
network = pickle.load(open(pickled, "rb"))
real = _bulk.write_table

def write_table(conn, table, frame, version_id):
    real(conn, table, frame, version_id)
    if table == pause_after:
        print("paused", flush=True)
        time.sleep(600)

_bulk.write_table = write_table
with Store(url, schema=None if schema == "-" else schema) as store:
    print("saving", flush=True)
    store.save(network, "park")
print("saved", flush=True)
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """A database URL and schema (PostgreSQL) for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}", None
    else:
        yield request.getfixturevalue("pg_url"), request.getfixturevalue("pg_schema")


def _open(place: tuple[str, str | None], **options: float) -> Store:
    url, schema = place
    return Store(url, schema=schema, **options)  # type: ignore[arg-type]


def test_truncated_file_over_a_stored_network_keeps_it(
    place: tuple[str, str | None], tmp_path: Path
) -> None:
    """A YAML cut off after its parameters reads as an empty network: saved over the stored
    one (as --allow-empty would), the old one is still there as version 1 and comes back."""
    from symbiograph.io import ScenarioError, read_network

    network = kalundborg()
    truncated = tmp_path / "cut.yaml"
    truncated.write_text("parameters:\n  name: kalundborg\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="no facilities"):
        read_network(truncated)
    empty = read_network(truncated, allow_empty=True)
    assert len(empty.facilities) == len(empty.streams) == 0
    with _open(place) as store:
        store.save(network, "kalundborg")
        saved = store.save(empty, "kalundborg")
        assert saved.previous is not None
        assert saved.previous.counts["facilities"] == 15
        assert saved.previous.counts["streams"] == 42
        assert len(store.load("kalundborg").streams) == 0
        assert store.load("kalundborg", version=1).equals(network)
        restored = store.restore("kalundborg", 1)
        assert restored.number == 3 and restored.note == "restored from version 1"
        assert store.load("kalundborg").equals(network)
        assert list(store.versions("kalundborg")["n_streams"]) == [42, 0, 42]


def _kill_during_save(
    place: tuple[str, str | None], tmp_path: Path, new: Network, pause_after: str | None
) -> None:
    """Start a save of ``new`` as "park" in a child process and kill -9 it: after it wrote
    table ``pause_after`` (still in its transaction), or (None) at a random moment."""
    pickled = tmp_path / "new.pkl"
    pickled.write_bytes(pickle.dumps(new))
    url, schema = place
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_CHILD, url, schema or "-", str(pickled), pause_after or "-"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        if pause_after is not None:
            assert child.stdout.readline() == "saving\n"
            assert child.stdout.readline() == "paused\n"
        else:
            assert child.stdout.readline() == "saving\n"
            time.sleep(random.Random(len(str(tmp_path))).uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode in (-signal.SIGKILL, 0)


@pytest.mark.slow
@pytest.mark.parametrize("pause_after", ["facilities", "streams", "published_figures", None])
def test_kill_during_import_leaves_old_or_new_never_half(
    place: tuple[str, str | None], tmp_path: Path, pause_after: str | None
) -> None:
    old = kalundborg()
    new = bigger(old, 40)  # 600 facilities, 1,680 streams: a save that takes a while
    with _open(place) as store:
        store.save(old, "park")
    before = dump(*place)
    _kill_during_save(place, tmp_path, new, pause_after)
    url, _ = place
    if url.startswith("sqlite"):
        assert integrity(Path(url.removeprefix("sqlite:///"))) == "ok"
    with _open(place) as store:
        versions = store.versions("park")
        loaded = store.load("park")
    if len(versions) == 1:  # the save did not commit: the database is as it was
        assert loaded.equals(old)
        assert dump(*place) == before
    else:  # it committed before the kill: the whole new network, the old one kept
        assert pause_after is None
        assert loaded.equals(new)
        assert list(versions["n_streams"]) == [42, len(new.streams)]


def test_export_runs_while_an_import_holds_the_write_lock(tmp_path: Path) -> None:
    """A reader (the export command) is not blocked by a writer midway through its
    transaction (SQLite, WAL); it sees the last committed version."""
    place = (f"sqlite:///{tmp_path / 'store.db'}", None)
    url = place[0]
    old = kalundborg()
    with _open(place) as store:
        store.save(old, "park")
    pickled = tmp_path / "new.pkl"
    pickled.write_bytes(pickle.dumps(bigger(old, 2)))
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_CHILD, url, "-", str(pickled), "streams"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline() == "saving\n"
        assert child.stdout.readline() == "paused\n"  # holds the write lock now
        with pytest.raises(StoreError, match="locked"):  # a writer would wait, then fail
            _open(place, lock_timeout=0.2).save(old, "other")
        out = tmp_path / "export.yaml"
        result = cli(
            "export", "--db", url, "--name", "park", str(out), env={"SYMBIOGRAPH_LOCK_TIMEOUT": "0"}
        )
        assert result.returncode == 0, result.stderr
    finally:
        child.kill()
        child.wait(timeout=30)
        child.stdout.close()
    from symbiograph.io import read_network

    assert read_network(out).differences(read_network(_written(old, tmp_path))) == []


def _written(network: Network, tmp_path: Path) -> Path:
    path = tmp_path / "expected.yaml"
    write_network(network, path)
    return path


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[str]:
    """The URL of a fresh PostgreSQL database of its own, dropped after the test: a test that
    uses a database's default schema must not share it with other runs at other revisions."""
    server = sa.make_url(pg_url)
    database = f"sg_test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
        yield server.set(database=database).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        admin.dispose()


def test_export_runs_while_an_import_holds_the_write_lock_on_postgresql(
    pg_database: str, tmp_path: Path
) -> None:
    """The same on PostgreSQL, in a fresh database's default schema."""
    pg_url = pg_database
    name = f"park_{os.getpid()}_{int(time.time() * 1000)}"
    old = kalundborg()
    with Store(pg_url) as store:
        store.save(old, name)
    try:
        with Store(pg_url) as writer, writer.engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(:name))"),
                {"key": 0x5367, "name": name},
            )
            connection.execute(
                sa.text("UPDATE sg_networks SET name = name WHERE name = :n"), {"n": name}
            )
            out = tmp_path / "export.yaml"
            result = cli("export", "--db", pg_url, "--name", name, str(out))
            assert result.returncode == 0, result.stderr
            with pytest.raises(StoreError, match="locked"):
                Store(pg_url, lock_timeout=0.2).save(old, name)
            transaction.rollback()
        from symbiograph.io import read_network

        assert read_network(out).differences(read_network(_written(old, tmp_path))) == []
    finally:
        with Store(pg_url) as store:
            store.delete(name)


def test_second_writer_waits_for_the_first(place: tuple[str, str | None]) -> None:
    """A writer waits for another writer's lock: it succeeds when the lock goes within the
    timeout and fails with a clear message (nothing changed) when it does not."""
    url, schema = place
    network = kalundborg()
    with _open(place) as store:
        store.save(network, "park")
    before = dump(url, schema)
    holder = sa.create_engine(
        url, connect_args={"options": f"-c search_path={schema}"} if schema else {}
    )
    try:
        raw = holder.raw_connection()
        cursor = raw.cursor()
        if schema is None:
            raw.driver_connection.isolation_level = None  # type: ignore[union-attr]
            cursor.execute("BEGIN IMMEDIATE")
        else:
            cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (0x5367, "park"))
        started = time.monotonic()
        with pytest.raises(StoreError) as info, _open(place, lock_timeout=0.3) as store:
            store.save(network, "park")
        waited = time.monotonic() - started
        message = str(info.value)
        assert "locked by another writer" in message and "0.3 s" in message
        assert "\n" not in message
        assert waited >= 0.25  # it did wait for the lock before giving up
        assert dump(url, schema) == before

        def release() -> None:
            time.sleep(0.3)
            if schema is None:
                cursor.execute("ROLLBACK")
            else:
                cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (0x5367, "park"))

        releaser = threading.Thread(target=release)
        releaser.start()
        with _open(place, lock_timeout=30) as store:
            saved = store.save(network, "park")
        releaser.join()
        assert saved.number == 2
        raw.close()
    finally:
        holder.dispose()


def _full_disk_mount(tmp_path: Path) -> Path:
    """A 1 MiB tmpfs mounted under ``tmp_path`` (root only), or skip saying why not."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (the max_page_count test covers the rest)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    return mount


def test_full_disk_keeps_the_old_network_and_says_so_in_one_line(tmp_path: Path) -> None:
    """A real full disk (a 1 MiB tmpfs): importing a larger network fails with one line,
    exit 4; the stored network is unchanged, row for row."""
    mount = _full_disk_mount(tmp_path)
    try:
        url = f"sqlite:///{mount / 'store.db'}"
        with Store(url) as store:
            store.save(kalundborg(), "kalundborg")
        before = dump_sqlite(mount / "store.db")
        big = tmp_path / "big"
        write_network(bigger(kalundborg(), 120), big, "csv")  # ~5,000 streams: > 1 MiB
        result = cli("import", str(big), "--db", url, "--name", "kalundborg")
        assert result.returncode == 4, result.stdout + result.stderr
        line = one_error_line(result.stderr)
        assert "full" in line and "rolled back" in line
        assert integrity(mount / "store.db") == "ok"
        assert dump_sqlite(mount / "store.db") == before
        with Store(url, create=False) as store:
            assert store.load("kalundborg").equals(kalundborg())
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_database_full_by_page_limit_rolls_back(tmp_path: Path) -> None:
    """SQLite's max_page_count caps the file (an honest stand-in for a full disk where no
    tmpfs can be mounted): the save fails as a StoreError and nothing changes."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    network = kalundborg()
    with Store(url) as store:
        store.save(network, "park")
        pages = store.engine.connect().exec_driver_sql("PRAGMA page_count").scalar_one()

    def cap(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")  # type: ignore[attr-defined]

    before = dump(url)
    sa.event.listen(sa.Engine, "connect", cap)
    try:
        with Store(url) as store, pytest.raises(StoreError, match="full") as info:
            store.save(bigger(network, 40), "park")
    finally:
        sa.event.remove(sa.Engine, "connect", cap)
    assert "\n" not in str(info.value)
    assert dump(url) == before
    assert integrity(tmp_path / "store.db") == "ok"
