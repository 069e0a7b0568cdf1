"""Hostile store conditions at the command line: every store error is one line, exit 4,
no traceback, and the stored networks are unchanged row for row (a dump of every table)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from store.storekit import bigger, dump_sqlite, one_error_line, pg_url_or_skip, sqlite_write_lock
from symbiograph.cli import app
from symbiograph.datasets import kalundborg
from symbiograph.errors import EXIT_NOT_FOUND, EXIT_STORE
from symbiograph.io import write_network
from symbiograph.store import Store

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Kalundborg as a YAML scenario file."""
    path = tmp_path_factory.mktemp("scenario") / "kalundborg.yaml"
    write_network(kalundborg(), path)
    return path


@pytest.fixture
def stored(tmp_path: Path) -> Iterator[Path]:
    """An SQLite store holding Kalundborg (two versions) and a second network."""
    path = tmp_path / "store.db"
    with Store(f"sqlite:///{path}") as store:
        store.save(kalundborg(), "kalundborg")
        store.save(kalundborg(), "kalundborg")
        store.save(kalundborg(), "other")
    yield path


def _store_error(result: object) -> str:
    """The one error line of a command that failed with exit 4."""
    assert result.exit_code == EXIT_STORE, result.output  # type: ignore[attr-defined]
    return one_error_line(result.stderr)  # type: ignore[attr-defined]


WRITES = [
    ["import", "{scenario}", "--name", "kalundborg"],
    ["import", "{scenario}", "--name", "new"],
    ["networks", "rename", "other", "renamed"],
    ["networks", "delete", "other", "--yes"],
    ["networks", "restore", "kalundborg", "1"],
    ["networks", "prune", "--keep", "1"],
]


@pytest.mark.parametrize("command", WRITES, ids=lambda c: "-".join(c[:2]))
def test_locked_database(stored: Path, scenario: Path, command: list[str]) -> None:
    before = dump_sqlite(stored)
    args = [a.replace("{scenario}", str(scenario)) for a in command]
    with sqlite_write_lock(stored):
        result = runner.invoke(app, ["--lock-timeout", "0.2", *args, "--db", f"sqlite:///{stored}"])
    line = _store_error(result)
    assert "is locked by another writer; gave up after 0.2 s" in line
    assert dump_sqlite(stored) == before


READS = [
    ["export", "{out}", "--name", "kalundborg"],
    ["networks", "list"],
    ["networks", "show", "kalundborg"],
    ["summary", "--name", "other"],
]


@pytest.mark.parametrize("command", READS, ids=lambda c: "-".join(c[:2]))
def test_reads_run_while_a_writer_holds_the_lock(
    stored: Path, tmp_path: Path, command: list[str]
) -> None:
    args = [a.replace("{out}", str(tmp_path / "out.yaml")) for a in command]
    with sqlite_write_lock(stored) as writer:
        writer.execute("DELETE FROM sg_versions")  # uncommitted: readers must not see it
        result = runner.invoke(app, ["--lock-timeout", "0", *args, "--db", f"sqlite:///{stored}"])
    assert result.exit_code == 0, result.output
    assert "kalundborg" in result.output.lower() or (tmp_path / "out.yaml").exists()


def test_full_database(stored: Path, tmp_path: Path) -> None:
    """The file may not grow (SQLite max_page_count: a full disk without mounting one)."""
    big = tmp_path / "big"
    write_network(bigger(kalundborg(), 40), big, "csv")
    before = dump_sqlite(stored)
    with sqlite_write_lock(stored) as probe:
        pages = probe.execute("PRAGMA page_count").fetchone()[0]

    def cap(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 1}")  # type: ignore[attr-defined]

    sa.event.listen(sa.Engine, "connect", cap)
    try:
        result = runner.invoke(
            app, ["import", str(big), "--db", f"sqlite:///{stored}", "--name", "kalundborg"]
        )
    finally:
        sa.event.remove(sa.Engine, "connect", cap)
    line = _store_error(result)
    assert "database or its disk is full; the transaction was rolled back" in line
    assert dump_sqlite(stored) == before


BAD_URLS = {
    "not a URL": ("not a url", "bad database URL 'not a url'"),
    "unknown kind": ("nosuchdb://host/x", "no such database kind"),
    "driver missing": ("mysql://user@127.0.0.1/x", "database driver is not installed"),
    "unreachable server": (
        "postgresql+psycopg://postgres@127.0.0.1:1/test",
        "connection refused",
    ),
}


@pytest.mark.parametrize("case", list(BAD_URLS))
@pytest.mark.parametrize("command", ["import", "export", "list"])
def test_bad_db_url(scenario: Path, tmp_path: Path, case: str, command: str) -> None:
    url, expected = BAD_URLS[case]
    args = {
        "import": ["import", str(scenario), "--db", url],
        "export": ["export", str(tmp_path / "x.yaml"), "--db", url, "--name", "kalundborg"],
        "list": ["networks", "list", "--db", url],
    }[command]
    line = _store_error(runner.invoke(app, args))
    assert expected in line.lower() or expected in line
    assert not (tmp_path / "x.yaml").exists()


def test_missing_directory(scenario: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "folder" / "store.db"
    line = _store_error(
        runner.invoke(app, ["import", str(scenario), "--db", f"sqlite:///{target}"])
    )
    assert "does not exist" in line and str(target.parent) in line
    assert not (tmp_path / "no").exists()
    # a reader names the missing database file instead (exit 3: not found)
    result = runner.invoke(app, ["networks", "list", "--db", f"sqlite:///{target}"])
    assert result.exit_code == EXIT_NOT_FOUND, result.output
    assert "no database at" in one_error_line(result.stderr)
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("content", [b"not a database, just text\n" * 50, bytes(range(256)) * 16])
@pytest.mark.parametrize("command", ["import", "export", "list"])
def test_file_that_is_not_a_database(
    scenario: Path, tmp_path: Path, content: bytes, command: str
) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    url = f"sqlite:///{path}"
    args = {
        "import": ["import", str(scenario), "--db", url],
        "export": ["export", str(tmp_path / "x.yaml"), "--db", url, "--name", "kalundborg"],
        "list": ["networks", "list", "--db", url],
    }[command]
    line = _store_error(runner.invoke(app, args))
    assert "is not a database" in line
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_folder_given_as_database(scenario: Path, tmp_path: Path) -> None:
    line = _store_error(
        runner.invoke(app, ["import", str(scenario), "--db", f"sqlite:///{tmp_path}"])
    )
    assert "is a folder" in line


def test_postgresql_database_that_does_not_exist(scenario: Path, tmp_path: Path) -> None:
    server = sa.make_url(pg_url_or_skip())
    missing = server.set(database=f"sg_missing_{uuid.uuid4().hex[:12]}")
    url = missing.render_as_string(hide_password=False)
    for args in (
        ["import", str(scenario), "--db", url],
        ["export", str(tmp_path / "x.yaml"), "--db", url, "--name", "kalundborg"],
        ["networks", "list", "--db", url],
    ):
        line = _store_error(runner.invoke(app, args))
        assert f'database "{missing.database}" does not exist' in line


def test_empty_network_name_is_refused(stored: Path, scenario: Path) -> None:
    before = dump_sqlite(stored)
    db = f"sqlite:///{stored}"
    for args in (
        ["import", str(scenario), "--db", db, "--name", ""],
        ["import", str(scenario), "--db", db, "--name", "   "],
        ["networks", "rename", "other", "", "--db", db],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert "a network name cannot be empty" in one_error_line(result.stderr)
    assert dump_sqlite(stored) == before


def test_debug_shows_the_traceback(scenario: Path) -> None:
    result = runner.invoke(app, ["--debug", "import", str(scenario), "--db", "nosuchdb://x"])
    assert result.exit_code == EXIT_STORE
    assert "Traceback (most recent call last)" in result.stderr
    assert "NoSuchModuleError" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")
