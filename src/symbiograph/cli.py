"""The command line: validate, import, export, summarise and report industrial-symbiosis
scenarios, match, design and share their gain, manage the stored networks, and run the
Kalundborg demo.

Every failure a user can act on ends as one red ``error:`` line on stderr and one of these
exit codes (``--debug`` shows the traceback as well):

=== =======================================================================
0   success
1   invalid input: a scenario (every problem is listed), a table or an option value
2   wrong usage of the command line
3   a named network, version, dataset, database file or id does not exist
4   a store error: locked, full, unreachable, not a database, a bad --db URL
5   the solver ended without a usable solution (time limit, error status)
6   the design is infeasible (the message names the constraints to relax)
7   an allocation cannot be computed (the message says why)
8   ``serve`` cannot listen on --host/--port (the port is in use, not allowed, no such host)
130 stopped with Ctrl-C
=== =======================================================================
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from symbiograph.errors import (
    EXIT_INVALID,
    EXIT_NOT_FOUND,
    EXIT_STORE,
    EXIT_USAGE,
    SymbiographError,
)
from symbiograph.model import Network
from symbiograph.optimize import Objective, TimeSliceMode
from symbiograph.parallel import ExecutorName

__all__ = ["app"]

DEFAULT_DB = "sqlite:///symbiograph.db"

#: ``--db URL --name NAME``: the stored network a reading command works on.
DbOption = Annotated[str, typer.Option("--db", help="Database URL to read --name from")]
NameOption = Annotated[
    str | None, typer.Option("--name", help="Name of a stored network (in --db) instead")
]

EXIT_CODES = (
    "Exit codes: 0 success · 1 invalid input · 2 wrong usage · 3 not found (network, version, "
    "dataset, database file) · 4 store error (locked, full, unreachable, not a database, bad "
    "--db URL) · 5 solver without a usable solution · 6 infeasible design · 7 allocation "
    "cannot be computed · 8 serve cannot listen on --host/--port (port in use) · 9 internal "
    "error (a bug, please report it) · 130 stopped with Ctrl-C. --debug shows the traceback of "
    "a failure."
)

#: Exit code of ``serve`` when it cannot listen on its address (port in use, no permission).
EXIT_ADDRESS = 8
#: Exit code of a command stopped with Ctrl-C.
EXIT_CANCELLED = 130
#: Exit code of an unexpected failure (a bug), reported as a message, not a traceback.
EXIT_INTERNAL = 9
#: Where ``serve --demo`` keeps its store (made afresh at every start).
DEMO_PLATFORM_DIR = Path("out") / "demo-platform"

#: Options of the whole command line, set by :func:`_main` for the command that runs.
_OPTIONS: dict[str, Any] = {"debug": False, "lock_timeout": None}


def _command_line_exits() -> tuple[type[BaseException], ...]:
    """The exceptions click and typer use for usage errors, --help and exits: they pass the
    catch-all of :class:`_Commands`. typer >= 0.2x vendors its own copy of click
    (``typer._click``), whose UsageError is not click's, so both sets are listed (the vendored
    one found from ``typer.BadParameter``, typer's public name)."""
    exits: list[type[BaseException]] = [
        click.exceptions.ClickException,
        click.exceptions.Exit,
        click.exceptions.Abort,
        typer.Exit,
        typer.Abort,
    ]
    # the vendored ClickException, reached through typer's public BadParameter
    exits += [k for k in typer.BadParameter.__mro__ if k.__name__ == "ClickException"]
    return tuple(exits)


_COMMAND_LINE_EXITS = _command_line_exits()


class _Commands(TyperGroup):
    """The command group with the one failure handler: a SymbiographError raised by any
    command becomes ``error: <message>`` on stderr and its exit code (with ``--debug`` the
    traceback first)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SymbiographError as err:
            if _OPTIONS["debug"]:
                _console(stderr=True).print(Text("".join(traceback.format_exception(err)).rstrip()))
            _fail(str(err) or type(err).__name__, err.exit_code)
        except _COMMAND_LINE_EXITS:
            raise
        except KeyboardInterrupt:
            _fail("stopped", EXIT_CANCELLED)
        except Exception as err:  # a bug: a message and an exit code, never a traceback
            if _OPTIONS["debug"]:
                _console(stderr=True).print(Text("".join(traceback.format_exception(err)).rstrip()))
            _fail(
                f"internal error ({type(err).__name__}: {err}); this is a bug in symbiograph: "
                "run again with --debug and report the traceback",
                EXIT_INTERNAL,
            )


app = typer.Typer(
    name="symbiograph",
    cls=_Commands,
    help="Industrial symbiosis: validate, store, export and report networks of by-product, "
    "energy and water exchanges; match, design and share their gain.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of a failure as well")
    ] = False,
    lock_timeout: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Seconds a store write waits for another writer's lock "
            "[default: SYMBIOGRAPH_LOCK_TIMEOUT or 10]",
        ),
    ] = None,
) -> None:
    """Industrial symbiosis: validate, store, export and report networks of by-product,
    energy and water exchanges; match, design and share their gain."""
    _OPTIONS["debug"] = debug
    _OPTIONS["lock_timeout"] = lock_timeout


class ExportFormat(StrEnum):
    """File formats ``export`` writes."""

    yaml = "yaml"
    csv = "csv"
    xlsx = "xlsx"
    geojson = "geojson"


#: ``--workers`` and ``--scheduler``: where an executor's tasks run (see symbiograph.parallel).
WorkersOption = Annotated[
    int, typer.Option(min=0, help="Processes (or local Dask workers); 0: every core")
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(help="Address of a Dask scheduler (tcp://host:8786); implies dask"),
]

#: ``--full``: the analyst's own output, confidential streams included (default: shared).
FullOption = Annotated[
    bool,
    typer.Option(
        "--full",
        help="Analyst's own output: show confidential streams' quantities, prices and quality "
        "(default: shared output, where they appear as bands)",
    ),
]


def _viewer(full: bool) -> Any:
    """The viewer of an output: the analyst (``--full``) or any participant (shared)."""
    from symbiograph.access import FULL, SHARED

    return FULL if full else SHARED


def _console(stderr: bool = False) -> Console:
    """A console made per call, so the terminal width (COLUMNS) is read when a command runs."""
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _fail(message: str, code: int) -> NoReturn:
    """Print ``error: message`` on one line of stderr and exit with ``code``."""
    _console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def _open_store(db: str, *, create: bool = True) -> Any:
    """The Store at ``db`` with the command line's lock timeout; ``create=False`` for reads
    (a missing SQLite file is not created)."""
    from symbiograph.store import Store

    return Store(db, lock_timeout=_OPTIONS["lock_timeout"], create=create)


@contextmanager
def _step(console: Console, message: str) -> Iterator[None]:
    """Show a spinner while a longer step runs, then a tick."""
    with console.status(escape(message)):
        yield
    console.print(f"[green]✓[/] {escape(message)}")


def _problem_table(problems: list[Any], source: str) -> Table:
    """Every validation problem as a row: file, sheet, row, field, message."""
    table = Table(
        title=escape(f"{len(problems)} problem(s) in {source}"),
        title_justify="left",
        show_lines=False,
        header_style="bold red",
    )
    table.add_column("file", overflow="fold")
    table.add_column("sheet")
    table.add_column("row", justify="right")
    table.add_column("field")
    table.add_column("message", overflow="fold")
    for p in problems:
        table.add_row(
            Text(p.file or "<input>"),
            Text(p.sheet or ""),
            "" if p.row is None else str(p.row),
            Text(p.field or ""),
            Text(p.message),
        )
    return table


def _read_scenario(path: Path, allow_empty: bool = False) -> Network:
    """Read and validate a scenario file or CSV folder; on problems print them and exit 1
    (an empty scenario is a problem unless ``allow_empty``)."""
    from symbiograph.io import ScenarioError, read_network

    try:
        return read_network(path, allow_empty=allow_empty)
    except ScenarioError as err:
        _console().print(_problem_table(err.problems, str(path)))
        if any("no facilities" in p.message or "no CSV" in p.message for p in err.problems):
            _console().print("nothing was stored; `import --allow-empty` stores an empty scenario")
        raise typer.Exit(EXIT_INVALID) from err


def _load_dataset(name: str) -> Network:
    from symbiograph.datasets import available, load_dataset

    try:
        return load_dataset(name)
    except KeyError:
        _fail(f"unknown dataset {name!r} (available: {', '.join(available())})", EXIT_NOT_FOUND)


def _sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///path`` URL (None for other databases or in-memory SQLite)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix) :].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path)


def _load_stored(db: str, name: str, version: int | None = None) -> Network:
    """The stored network ``name`` (its current version, or ``version``) from ``db``."""
    from symbiograph.store import NetworkNotFoundError

    with _open_store(db, create=False) as store:
        try:
            return store.load(name, version)
        except NetworkNotFoundError:
            known = ", ".join(store.names()) or "none"
            _fail(f"no network named {name!r} in {db} (stored: {known})", EXIT_NOT_FOUND)


def _network_from(
    file: Path | None, dataset: str | None, db: str | None = None, name: str | None = None
) -> Network:
    """The network named by exactly one of a file, a shipped dataset or a stored name."""
    given = [x for x in (file, dataset, name) if x is not None]
    if len(given) != 1:
        choices = "FILE, --dataset NAME" + (" or --db URL --name NAME" if db is not None else "")
        _fail(f"give exactly one of {choices}", EXIT_USAGE)
    if file is not None:
        return _read_scenario(file)
    if dataset is not None:
        return _load_dataset(dataset)
    assert name is not None
    return _load_stored(db or DEFAULT_DB, name)


_SINGULAR = {
    "facilities": "facility",
    "organisations": "organisation",
    "resources": "resource",
    "supplies": "supply",
    "demands": "demand",
    "exchanges": "exchange",
}


def _counts_line(summary: dict[str, Any]) -> str:
    """E.g. ``"2 facilities, 2 organisations, 1 resource, 1 supply, 1 demand, 1 exchange"``."""
    counts = summary["counts"]
    return ", ".join(
        f"{counts[key]:,} {one if counts[key] == 1 else key}" for key, one in _SINGULAR.items()
    )


def _print_summary(console: Console, network: Network) -> None:
    """The network summary as rich tables (quantities per year in canonical units)."""
    from symbiograph.report import network_summary, quantity_label, summary_tables

    summary = network_summary(network)
    tables = summary_tables(network)
    console.print(f"[bold]{escape(str(summary['scenario']))}[/]: {_counts_line(summary)}")

    counts = Table(title="Counts", title_justify="left")
    counts.add_column("item")
    counts.add_column("count", justify="right")
    for item, n in summary["counts"].items():
        counts.add_row(item, f"{n:,}")
    console.print(counts)

    streams = Table(title="Streams by resource kind", title_justify="left")
    for col in ("kind", "supply", "demand", "total"):
        streams.add_column(col, justify="left" if col == "kind" else "right")
    for row in tables["streams_by_kind"].itertuples(index=False):
        streams.add_row(Text(str(row.kind)), str(row.supply), str(row.demand), str(row.total))
    console.print(streams)

    status = Table(title="Exchanges by status", title_justify="left")
    status.add_column("status")
    status.add_column("count", justify="right")
    for key, n in summary["exchanges_by_status"].items():
        status.add_row(Text(key), str(n))
    console.print(status)

    quantities = Table(title="Quantities per year (canonical units)", title_justify="left")
    quantities.add_column("kind")
    for col in ("supplied", "demanded", "exchanged (existing)"):
        quantities.add_column(col, justify="right")
    for record in tables["quantities"].to_dict("records"):
        unit = str(record["unit"])
        quantities.add_row(
            Text(str(record["kind"])),
            *(
                quantity_label(float(record[col]), unit)
                for col in ("supplied", "demanded", "exchanged")
            ),
        )
    console.print(quantities)


@app.command()
def validate(
    file: Annotated[
        Path, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ],
) -> None:
    """Check a scenario; list every problem (file, sheet, row, field) or summarise it."""
    from symbiograph.report import network_summary

    network = _read_scenario(file)
    console = _console()
    console.print(
        f"[green]✓[/] {escape(str(file))} is valid: {_counts_line(network_summary(network))}"
    )


def _refuse_empty(network: Network, source: str, allow_empty: bool) -> None:
    """Exit 1 when ``network`` has no facilities and no streams, unless ``allow_empty``.

    (A cut-off file, an empty folder or an unrelated file reads as an empty scenario; it
    must not become a stored network by accident.)"""
    if allow_empty or len(network.facilities) or len(network.streams):
        return
    _fail(
        f"{source} holds no facilities and no streams; nothing was stored "
        "(use --allow-empty to store an empty network)",
        EXIT_INVALID,
    )


def _counts_of(version: Any) -> str:
    """E.g. ``"15 facilities, 42 streams, 9 exchanges"`` of a stored version."""
    counts = version.counts
    return (
        f"{counts.get('facilities', 0):,} facilities, {counts.get('streams', 0):,} streams, "
        f"{counts.get('exchanges', 0):,} exchanges"
    )


def _when(stamp: Any) -> str:
    return f"{stamp:%Y-%m-%d %H:%M:%S} UTC"


def _print_saved(console: Console, version: Any, db: str) -> None:
    """What a save did: the new version and the one it replaced (kept, restorable)."""
    console.print(
        Text(
            f"saved {version.name!r} version {version.number} in {db} ({_counts_of(version)}; "
            f"network id {version.network_id}, version id {version.version_id})"
        )
    )
    previous = version.previous
    if previous is None:
        console.print(Text(f"{version.name!r} is a new network"))
        return
    console.print(
        Text(
            f"it replaces version {previous.number} ({_counts_of(previous)}, saved "
            f"{_when(previous.saved_at)}), which is kept: symbiograph networks restore "
            f"{version.name} {previous.number} --db {db} brings it back"
        )
    )


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ],
    db: Annotated[str, typer.Option(help="Database URL (SQLite or PostgreSQL)")] = DEFAULT_DB,
    name: Annotated[
        str | None,
        typer.Option(help="Name to store it under [default: the scenario's name or the file name]"),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            help="Store a new version of a network of the same name (the earlier ones are kept)"
        ),
    ] = True,
    allow_empty: Annotated[
        bool, typer.Option("--allow-empty", help="Store a scenario with no facilities or streams")
    ] = False,
) -> None:
    """Validate a scenario, then save it into the store as a new version, in one transaction.

    Invalid or empty input saves nothing and leaves the store as it was. A network of the
    same name is not overwritten: its versions are kept (``networks versions``), any one
    can be restored (``networks restore``) and old ones removed (``networks prune``).
    """
    from symbiograph.model import default_parameters
    from symbiograph.store import NetworkExistsError

    console = _console()
    with _step(console, f"validated {file}"):
        network = _read_scenario(file, allow_empty)
    _refuse_empty(network, str(file), allow_empty)
    if name is None:
        scenario_name = str(network.parameters.get("name", ""))
        default = str(default_parameters()["name"])
        name = scenario_name if scenario_name and scenario_name != default else file.stem
    try:
        with _step(console, f"saved as {name!r} in {db}"), _open_store(db) as store:
            version = store.save(network, name, replace=replace, note=f"import of {file}")
    except NetworkExistsError:
        _fail(f"a network named {name!r} is already stored (use --replace)", EXIT_STORE)
    _print_saved(console, version, db)


networks_app = typer.Typer(
    help="The stored networks: list, show, rename, delete; their versions, restore and prune.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(networks_app, name="networks")

StoreOption = Annotated[str, typer.Option("--db", help="Database URL (SQLite or PostgreSQL)")]


def _versions_table(frame: Any, title: str) -> Table:
    """The versions of a network, one row each (oldest first)."""
    table = Table(title=escape(title), title_justify="left")
    for column in ("version", "saved (UTC)", "facilities", "streams", "exchanges", "note"):
        table.add_column(column, justify="left" if column in ("saved (UTC)", "note") else "right")
    for row in frame.itertuples(index=False):
        table.add_row(
            str(row.version),
            f"{row.saved_at:%Y-%m-%d %H:%M:%S}",
            f"{row.n_facilities:,}",
            f"{row.n_streams:,}",
            f"{row.n_exchanges:,}",
            Text(str(row.note)),
        )
    return table


@networks_app.command("list")
def networks_list(db: StoreOption = DEFAULT_DB) -> None:
    """List the stored networks: current version, versions kept and row counts."""
    with _open_store(db, create=False) as store:
        summary = store.summary()
    if summary.empty:
        _console().print(Text(f"no networks stored in {db}"))
        return
    table = Table(title=escape(f"Networks in {db}"), title_justify="left")
    for column in ("name", "id", "version", "versions", "saved (UTC)", "facilities", "streams"):
        table.add_column(column, justify="left" if column in ("name", "saved (UTC)") else "right")
    for row in summary.itertuples(index=False):
        table.add_row(
            Text(str(row.name)),
            str(row.id),
            str(row.version),
            str(row.versions),
            f"{row.saved_at:%Y-%m-%d %H:%M:%S}",
            f"{row.n_facilities:,}",
            f"{row.n_streams:,}",
        )
    _console().print(table)


@networks_app.command("show")
def networks_show(
    name: Annotated[str, typer.Argument(help="Name of the stored network")],
    db: StoreOption = DEFAULT_DB,
    version: Annotated[
        int | None, typer.Option(help="Version to show [default: the current one]")
    ] = None,
) -> None:
    """Show a stored network: its versions and the summary of one of them."""
    with _open_store(db, create=False) as store:
        versions = store.versions(name)
        network = store.load(name, version)
    console = _console()
    console.print(_versions_table(versions, f"Versions of {name!r} in {db}"))
    shown = int(versions["version"].iloc[-1]) if version is None else version
    console.print(Text(f"version {shown}:"))
    _print_summary(console, network)


@networks_app.command("versions")
def networks_versions(
    name: Annotated[str, typer.Argument(help="Name of the stored network")],
    db: StoreOption = DEFAULT_DB,
) -> None:
    """List the kept versions of a stored network, oldest first (the last is current)."""
    with _open_store(db, create=False) as store:
        versions = store.versions(name)
    _console().print(_versions_table(versions, f"Versions of {name!r} in {db}"))


@networks_app.command("rename")
def networks_rename(
    name: Annotated[str, typer.Argument(help="Name of the stored network")],
    new_name: Annotated[str, typer.Argument(help="Its new name")],
    db: StoreOption = DEFAULT_DB,
) -> None:
    """Rename a stored network (with every version of it)."""
    with _open_store(db, create=False) as store:
        store.rename(name, new_name)
    _console().print(Text(f"✓ renamed {name!r} to {new_name!r} in {db}"))


@networks_app.command("delete")
def networks_delete(
    name: Annotated[str, typer.Argument(help="Name of the stored network")],
    db: StoreOption = DEFAULT_DB,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
) -> None:
    """Delete a stored network and every version of it."""
    with _open_store(db, create=False) as store:
        kept = len(store.versions(name))
        if not yes and not typer.confirm(
            f"delete {name!r} and its {kept} version(s) from {db}?", default=False
        ):
            _fail("nothing deleted", EXIT_USAGE)
        store.delete(name)
    _console().print(Text(f"✓ deleted {name!r} ({kept} version(s)) from {db}"))


@networks_app.command("restore")
def networks_restore(
    name: Annotated[str, typer.Argument(help="Name of the stored network")],
    version: Annotated[int, typer.Argument(help="Version to make current again")],
    db: StoreOption = DEFAULT_DB,
) -> None:
    """Make an earlier version current again (as a new version copied from it; nothing is
    removed)."""
    with _open_store(db, create=False) as store:
        restored = store.restore(name, version)
    _console().print(Text(f"✓ restored version {version} of {name!r}"))
    _print_saved(_console(), restored, db)


@networks_app.command("prune")
def networks_prune(
    name: Annotated[
        str | None, typer.Argument(help="Name of the stored network [default: every network]")
    ] = None,
    db: StoreOption = DEFAULT_DB,
    keep: Annotated[int, typer.Option(min=1, help="Newest versions to keep")] = 1,
) -> None:
    """Remove old versions, keeping the newest KEEP of each network (the current one always)."""
    with _open_store(db, create=False) as store:
        removed = store.prune(name, keep=keep)
    which = repr(name) if name is not None else "every network"
    _console().print(Text(f"✓ removed {removed} old version(s) of {which}; kept the newest {keep}"))


@app.command()
def export(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="[FILE] OUT: the scenario to convert (a .yaml file, .xlsx workbook or CSV "
            "folder; or --dataset, or --db and --name), then the file (or folder for csv) to "
            "write",
            metavar="[FILE] OUT",
        ),
    ],
    format: Annotated[
        ExportFormat | None,
        typer.Option("--format", "-f", help="Output format [default: from OUT's suffix]"),
    ] = None,
    db: Annotated[str, typer.Option(help="Database URL to read --name from")] = DEFAULT_DB,
    name: Annotated[str | None, typer.Option(help="Name of a stored network")] = None,
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead")] = None,
    full: FullOption = False,
) -> None:
    """Write a scenario file (converting it), a stored network (--db, --name) or a shipped
    dataset (--dataset) to a file: `export park.xlsx park-csv --format csv`.

    Confidential streams are written as bands (quantity_min..quantity_max, no quantity or
    price) unless --full."""
    from symbiograph.access import redact_network
    from symbiograph.io import write_network

    if len(paths) > 2:
        _fail(f"export takes [FILE] OUT, not {len(paths)} paths", EXIT_USAGE)
    file, out = (paths[0], paths[1]) if len(paths) == 2 else (None, paths[0])
    network = _network_from(file, dataset, db, name)
    console = _console()
    with _step(console, f"wrote {out}"):
        write_network(
            redact_network(network, _viewer(full)),
            out,
            format.value if format is not None else None,
        )
    if full:
        console.print("[yellow]full output: confidential values included; do not share[/]")


@app.command()
def datasets() -> None:
    """List the datasets shipped with symbiograph."""
    from symbiograph.datasets import available

    table = Table(title="Shipped datasets", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("description")
    for name, description in available().items():
        table.add_row(Text(name), Text(description))
    _console().print(table)


@app.command()
def summary(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead")] = None,
    db: DbOption = DEFAULT_DB,
    name: NameOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Summarise a scenario or dataset: counts and quantities per resource kind."""
    from symbiograph.report import network_summary

    network = _network_from(file, dataset, db, name)
    if as_json:
        typer.echo(json.dumps(network_summary(network), ensure_ascii=False, indent=2))
        return
    _print_summary(_console(), network)


@app.command()
def report(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead")] = None,
    db: Annotated[str, typer.Option(help="Database URL to read --name from")] = DEFAULT_DB,
    name: Annotated[str | None, typer.Option(help="Name of a stored network")] = None,
    out: Annotated[Path, typer.Option(help="HTML file to write")] = Path("report.html"),
    title: Annotated[str | None, typer.Option(help="Title of the report")] = None,
    full: FullOption = False,
    tiles: Annotated[
        str | None,
        typer.Option(
            help="Draw the map over your own XYZ tiles (URL template with {z}/{x}/{y}, e.g. "
            "a served PMTiles file); the page then loads them from there. Default: the "
            "shipped offline basemap"
        ),
    ] = None,
) -> None:
    """Write the one-page offline HTML report (map, Sankey, tables) and its summary.json."""
    from symbiograph.report import write_network_report, write_summary_json

    network = _network_from(file, dataset, db, name)
    console = _console()
    with _step(console, f"wrote {out}"):
        write_network_report(network, out, title=title, viewer=_viewer(full), tiles=tiles)
    summary_path = write_summary_json(network, out.with_name("summary.json"), _viewer(full))
    console.print(f"[green]✓[/] wrote {escape(str(summary_path))}")


@app.command()
def demo(
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the report and summary [default: out/DATASET]"),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(help="Database URL [default: sqlite:///OUT/symbiograph.db, made afresh]"),
    ] = None,
    full: FullOption = False,
    dataset: Annotated[
        str, typer.Option(help="Shipped dataset to run (see 'symbiograph datasets')")
    ] = "kalundborg",
) -> None:
    """Run a shipped example (Kalundborg by default) end to end: store, reload, summarise,
    report, match the supplies and demands, design the network and report the design, and
    share its gain among the participants (Shapley, nucleolus, dual, baselines; stability;
    settlement)."""
    from symbiograph.report import write_network_report, write_summary_json
    from symbiograph.store import NetworkNotFoundError, Store

    console = _console()
    out = out if out is not None else Path("out") / dataset
    db = db or f"sqlite:///{(out / 'symbiograph.db').as_posix()}"
    out.mkdir(parents=True, exist_ok=True)
    file = _sqlite_file(db)
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (file, Path(f"{file}-journal"), Path(f"{file}-wal"), Path(f"{file}-shm")):
            leftover.unlink(missing_ok=True)
    with _step(console, f"loaded the {dataset} dataset"):
        network = _load_dataset(dataset)
    name = dataset
    with _step(console, f"saved it as {name!r} in a fresh store {db}"), Store(db) as store:
        if file is None:  # another database: start from no stored network of that name
            with suppress(NetworkNotFoundError):
                store.delete(name)
        store.save(network, name)
    with _step(console, "loaded it back from the store"), Store(db) as store:
        stored = store.load(name)
    differences = network.differences(stored)
    if differences:
        console.print(f"[yellow]! the stored network differs in {len(differences)} place(s):[/]")
        for line in differences[:10]:
            console.print(Text(f"  {line}"))
    else:
        console.print("[green]✓[/] the stored network equals the dataset, value for value")
    _print_summary(console, stored)
    with _step(console, "wrote the report"):
        report_path = write_network_report(
            stored,
            out / "report.html",
            title=str(stored.parameters.get("name") or dataset),
            viewer=_viewer(full),
        )
        summary_path = write_summary_json(stored, out / "summary.json", _viewer(full))
    size_mb = report_path.stat().st_size / 1e6
    console.print(Text(f"report:  {report_path} ({size_mb:.1f} MB, opens offline)"))
    console.print(Text(f"summary: {summary_path}"))
    from symbiograph.match import find_candidates, rediscovery
    from symbiograph.optimize import DesignSettings

    documented = stored.exchanges
    with _step(console, "matched the facilities' supplies and demands"):
        matched = find_candidates(stored)
        _shared_candidates(stored, matched.candidates, full).to_csv(
            out / "candidates.csv", index=False
        )
    found = rediscovery(matched.candidates, documented)
    console.print(
        Text(
            f"  {len(matched.candidates)} candidates; {found.recall:.0%} of the "
            f"{len(documented)} documented exchanges found, {found.top3_recall:.0%} in the top 3 "
            "of their supply"
        )
    )
    solution, review, paths, today = _design_and_report(
        stored, matched.candidates, DesignSettings(), out / "design", console, pareto=5, full=full
    )
    kept = int((review["verdict"] == "kept").sum())
    console.print(
        Text(f"  the design keeps {kept} of the {len(review)} documented exchanges (why: report)")
    )
    currency = stored.parameters.get("currency", "EUR")
    console.print(
        Text(
            f"  {int(solution.flows['built'].sum())} exchanges built; net benefit "
            f"{solution.net_benefit:,.0f} {currency}/yr; {solution.co2e_avoided_t:,.0f} t CO2e/yr"
        )
    )
    console.print(Text(f"design:  {paths['report']}"))
    allocation = _share_and_report(
        stored, matched.candidates, solution, out / "allocation", console, full=full, today=today
    )
    verdict = {True: "yes", False: "no"}
    console.print(
        Text(
            "  in the core: "
            + ", ".join(
                f"{m} {verdict.get(v, 'not checked')}"
                for m, v in allocation.summary()["in_core"].items()
            )
        )
    )


@app.command()
def match(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead")] = None,
    db: DbOption = DEFAULT_DB,
    name: NameOption = None,
    out: Annotated[Path, typer.Option(help="Candidate table to write: .csv or .parquet")] = Path(
        "candidates.csv"
    ),
    max_km: Annotated[
        float | None, typer.Option("--max-km", help="Cap every transport distance (km)")
    ] = None,
    top: Annotated[int | None, typer.Option(help="Keep the best N candidates per supply")] = None,
    no_archetypes: Annotated[
        bool, typer.Option("--no-archetypes", help="Only same-resource matches")
    ] = False,
    full: FullOption = False,
    tile_km: Annotated[
        float | None,
        typer.Option(
            "--tile-km",
            min=0.1,
            help="Match in spatial tiles of this side (km), one task per tile, for registries "
            "too large for one process; the same candidates as untiled matching",
        ),
    ] = None,
    executor: Annotated[
        ExecutorName, typer.Option(help="Where the tiles run: inprocess, processes or dask")
    ] = "inprocess",
    workers: WorkersOption = 0,
    scheduler: SchedulerOption = None,
) -> None:
    """Find the exchanges worth making: candidate supply -> demand pairs, costed and explained."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from symbiograph.match import MatchSettings, find_candidates, find_candidates_tiled
    from symbiograph.parallel import close_executor, make_executor

    if out.suffix.lower() not in (".csv", ".parquet"):
        _fail(f"--out must end in .csv or .parquet, not {out.suffix!r}", EXIT_USAGE)
    if tile_km is None and (executor != "inprocess" or scheduler):
        _fail("--executor and --scheduler run the tiles of --tile-km: give --tile-km", EXIT_USAGE)
    network = _network_from(file, dataset, db, name)
    settings = MatchSettings(max_km=max_km, top=top, use_archetypes=not no_archetypes)
    console = _console()
    columns = (
        TextColumn("matching tiles" if tile_km is not None else "matching resource links"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("links", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        if tile_km is None:
            result = find_candidates(network, settings, progress=advance)
        else:
            runner = make_executor(executor, workers, scheduler)
            try:
                result = find_candidates_tiled(
                    network, settings, tile_km=tile_km, executor=runner, progress=advance
                )
            finally:
                close_executor(runner)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = _shared_candidates(network, result.candidates, full)
    if out.suffix.lower() == ".parquet":
        written.to_parquet(out, index=False)
    else:
        written.to_csv(out, index=False)
    candidates = result.candidates
    if tile_km is not None:
        console.print(
            f"matched in {int(result.timings.get('tiles', 0)):,} tiles of {tile_km:g} km "
            f"(slowest tile {result.timings.get('tile_s_max', 0.0):.2f} s)"
        )
    console.print(
        f"[green]✓[/] {len(candidates):,} candidates from {len(network.supplies):,} supplies and "
        f"{len(network.demands):,} demands -> {escape(str(out))}"
    )
    if len(result.rejected):
        table = Table(title="pairs in reach that were rejected, by first failing rule")
        table.add_column("reason")
        table.add_column("pairs", justify="right")
        for reason, count in result.rejected.items():
            table.add_row(Text(str(reason)), f"{int(count):,}")
        console.print(table)
    if len(result.proposals):
        proposals_path = out.parent / "code_proposals.csv"
        result.proposals.to_csv(proposals_path, index=False)
        table = Table(title="EWC code proposals for uncoded resources (top 3, calibrated)")
        for column in ("resource_id", "rank", "code", "probability", "used", "reason"):
            table.add_column(column, justify="right" if column == "probability" else "left")
        for row in result.proposals.itertuples(index=False):
            table.add_row(
                Text(str(row.resource_id)),
                str(row.rank),
                Text(str(row.code)),
                f"{float(row.probability):.2f}",
                "yes" if row.used else "",
                Text(str(row.reason)),
            )
        console.print(table)
        console.print(f"code proposals -> {escape(str(proposals_path))}")
    if len(result.inferred):
        console.print(
            f"codes inferred from text for {result.inferred['resource_id'].nunique()} uncoded "
            "resource(s); candidates resting on them are marked in the inferred_code column"
        )
    best = candidates.sort_values("score", ascending=False).head(10)
    table = Table(title="best candidates by score (annual net benefit + carbon value)")
    for column in ("supply_id", "demand_id", "route_km", "annual_net_benefit", "annual_co2e_t"):
        table.add_column(column, justify="right" if column != "supply_id" else "left")
    for row in best.itertuples(index=False):
        table.add_row(
            Text(str(row.supply_id)),
            Text(str(row.demand_id)),
            f"{row.route_km:.1f}",
            f"{row.annual_net_benefit:,.0f}",
            f"{row.annual_co2e_t:,.1f}",
        )
    console.print(table)


@app.command()
def explain(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ] = None,
    supply_id: Annotated[str, typer.Argument(help="Supplying stream id")] = "",
    demand_id: Annotated[str, typer.Argument(help="Demanding stream id")] = "",
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead of FILE")] = None,
    db: DbOption = DEFAULT_DB,
    name: NameOption = None,
) -> None:
    """Why a supply is (or is not) matched to a demand: every rule, the failing ones first."""
    from symbiograph.match import explain_pair

    if (dataset is not None or name is not None) and file is not None and not demand_id:
        # with --dataset or --name the two ids arrive in FILE and SUPPLY_ID
        supply_id, demand_id, file = str(file), supply_id, None
    if not supply_id or not demand_id:
        _fail("give SUPPLY_ID and DEMAND_ID", EXIT_USAGE)
    network = _network_from(file, dataset, db, name)
    try:
        rules = explain_pair(network, supply_id, demand_id)
    except KeyError as err:
        _fail(str(err.args[0]), EXIT_NOT_FOUND)
    except ValueError as err:
        _fail(str(err), EXIT_USAGE)
    table = Table(title=f"{supply_id} -> {demand_id}")
    table.add_column("archetype")
    table.add_column("rule")
    table.add_column("verdict")
    table.add_column("detail")
    shown = {"pass": "[green]pass[/]", "unknown": "[yellow]unknown[/]", "fail": "[bold red]FAIL[/]"}
    for row in rules.itertuples(index=False):
        archetype = f"{row.archetype_id or 'same resource'} ({row.outcome})"
        table.add_row(
            Text(archetype), Text(str(row.rule)), shown[row.verdict], Text(str(row.detail))
        )
    console = _console()
    console.print(table)
    kept = rules[rules["outcome"] == "kept"]
    if not len(kept):
        first = rules[rules["verdict"] == "fail"].iloc[0]
        of = f" of archetype {first['archetype_id']}" if first["archetype_id"] else ""
        console.print(
            Text(f"not a candidate: rule '{first['rule']}'{of} fails ({first['detail']})")
        )
        raise typer.Exit(1)
    link = kept.loc[kept["rule"] == "resource_link", "detail"].iloc[0]
    by = "the same resource" if link.startswith("same resource") else "archetype "
    by += "" if by.startswith("the") else str(kept["archetype_id"].iloc[0])
    note = (
        " (quality unverified: some values unknown)" if (kept["verdict"] == "unknown").any() else ""
    )
    console.print(f"[green]✓[/] a candidate by {by}{note}")


def _design_and_report(
    network: Network,
    candidates: Any,
    settings: Any,
    out: Path,
    console: Console,
    pareto: int = 0,
    objective_name: str = "cost",
    full: bool = False,
    participants: Path | None = None,
) -> tuple[Any, Any, dict[str, Path], Any]:
    """Design the network, trace ``pareto`` points of the money-CO2e front, assess the
    design, review the documented exchanges and write the design report into ``out``
    (``optimize``'s work, used by demo too). Returns (solution, review or None, paths,
    today's network valued by the same model, or None when no existing exchange is a
    candidate). With ``participants``, also each participant's indicators as disclosures
    (participants.csv, .xlsx, .json) into that folder."""
    from symbiograph.assess import (
        assess_baseline,
        assess_design,
        compare_with_published,
        indicator_table,
    )
    from symbiograph.optimize import (
        compare_with_today,
        design_network,
        design_today,
        pareto_front,
        review_documented,
    )
    from symbiograph.report import write_design_report

    with _step(console, f"designed the network from {len(candidates):,} candidates"):
        solution = design_network(network, candidates, settings)
    today = None
    baseline = None
    running = (candidates["exchange_status"] == "existing").to_numpy()
    if running.any() and settings.time_slices == "none":
        with _step(console, f"valued today's network ({int(running.sum())} running exchanges)"):
            today = design_today(network, candidates, settings)
            baseline = assess_baseline(
                network, candidates, compare_with_today(network, candidates, today, solution)
            )
    front = None
    if pareto:
        with _step(console, f"traced the Pareto front ({pareto} points)"):
            front = pareto_front(network, candidates, points=pareto, settings=settings)
    assessment = assess_design(network, candidates, solution)
    review = (
        review_documented(network.exchanges, candidates, solution)
        if len(network.exchanges)
        else None
    )
    paths = write_design_report(
        network,
        solution,
        out,
        pareto=front,
        objective_name=objective_name,
        indicators=indicator_table(assessment, solution.flows),
        comparison=compare_with_published(
            network, assessment, today=baseline.today if baseline is not None else None
        )
        if len(network.published_figures)
        else None,
        review=review,
        viewer=_viewer(full),
        baseline=baseline,
    )
    if participants is not None:
        from symbiograph.report import write_participant_indicators

        written = write_participant_indicators(
            network, participants, assessment, baseline, viewer=_viewer(full)
        )
        paths.update({f"participants_{k}": v for k, v in written.items()})
    if baseline is not None:
        currency = network.parameters.get("currency", "EUR")
        added = baseline.added
        console.print(
            Text(
                f"  today {baseline.summary.set_index('indicator').at['net_benefit', 'today']:,.0f}"
                f" {currency}/yr; the design adds {added['net_benefit']:,.0f} {currency}/yr and "
                f"{added['co2e_avoided']:,.0f} t CO2e/yr for {added['capex']:,.0f} {currency} "
                f"of new capex (NPV {added['npv']:,.0f} {currency}, payback "
                f"{added['payback_years']:.1f} yr)"
            )
        )
    if review is not None:
        unmatched = review[
            (review["status"] == "existing") & review["reason"].str.startswith("not matched")
        ]
        if len(unmatched):
            console.print(
                Text(
                    f"! {len(unmatched)} documented exchange(s) running today are not in today's "
                    f"figures, because the pair fails a matching rule: "
                    + ", ".join(
                        f"{r.id} ({r.supply_id} -> {r.demand_id})"
                        for r in unmatched.itertuples(index=False)
                    )
                    + "; `symbiograph explain SUPPLY DEMAND` says which rule "
                    "(documented_review.csv)",
                    style="yellow",
                ),
                soft_wrap=True,
            )
    return solution, review, paths, today


@app.command()
def optimize(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead")] = None,
    db: DbOption = DEFAULT_DB,
    name: NameOption = None,
    out: Annotated[Path, typer.Option(help="Folder for the tables and report")] = Path(
        "out/design"
    ),
    objective: Annotated[Objective, typer.Option(help="What to maximise")] = "cost",
    co2_weight: Annotated[
        float, typer.Option(help="Currency per t CO2e for --objective weighted")
    ] = 0.0,
    carbon_price: Annotated[
        float | None, typer.Option(help="Carbon price, currency per t CO2e")
    ] = None,
    landfill_tax: Annotated[float | None, typer.Option(help="Landfill tax, currency per t")] = None,
    time_slices: Annotated[
        TimeSliceMode, typer.Option(help="none, monthly or days (representative days)")
    ] = "none",
    pareto: Annotated[
        int, typer.Option(help="Also trace the money-CO2e Pareto front with N points")
    ] = 0,
    max_km: Annotated[
        float | None, typer.Option("--max-km", help="Cap transport distances (km)")
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds per solve")] = 120.0,
    mip_gap: Annotated[float, typer.Option(help="Relative MIP gap to stop at")] = 1e-4,
    full: FullOption = False,
    participants: Annotated[
        Path | None,
        typer.Option(
            help="Also write each participant's indicators as sustainability disclosures "
            "(GRI 301-306: CSV, XLSX, JSON) into this folder"
        ),
    ] = None,
) -> None:
    """Design the network: which exchanges to build and how much to send, by MILP (HiGHS)."""
    from symbiograph.match import MatchSettings, find_candidates
    from symbiograph.optimize import DesignSettings

    network = _network_from(file, dataset, db, name)
    if carbon_price is not None:
        network.parameters["carbon_price"] = carbon_price
    if landfill_tax is not None:
        network.parameters["landfill_tax"] = landfill_tax
    console = _console()
    with _step(console, "matched supplies and demands"):
        candidates = find_candidates(network, MatchSettings(max_km=max_km)).candidates
    settings = DesignSettings(
        objective=objective,
        co2_weight=co2_weight,
        time_slices=time_slices,
        time_limit_s=time_limit,
        mip_gap=mip_gap,
    )
    solution, _, paths, _ = _design_and_report(  # misaligned 1, no solution 5, infeasible 6
        network, candidates, settings, out, console, pareto, objective, full, participants
    )
    currency = network.parameters.get("currency", "EUR")
    console.print(
        f"[green]✓[/] {int(solution.flows['built'].sum())} exchanges built · net benefit "
        f"{solution.net_benefit:,.0f} {currency}/yr · {solution.co2e_avoided_t:,.0f} t CO2e/yr "
        f"avoided · status {solution.status}, gap {solution.mip_gap:.2%}"
    )
    console.print(Text(f"report: {paths['report']}"))


def _shared_candidates(network: Any, candidates: Any, full: bool) -> Any:
    """The candidate table as written: confidential figures as bands unless ``full``."""
    from symbiograph.access import redact_table

    return redact_table(candidates, "candidates", network, _viewer(full))


class Method(StrEnum):
    """Allocation methods of ``allocate``."""

    shapley = "shapley"
    sampled_shapley = "sampled-shapley"
    nucleolus = "nucleolus"
    dual = "dual"
    equal = "equal"
    proportional = "proportional"
    stand_alone = "stand-alone"


def _share_and_report(
    network: Network,
    candidates: Any,
    design: Any,
    out: Path,
    console: Console,
    methods: list[str] | None = None,
    settle_by: str | None = None,
    seed: int = 0,
    ci_share: float = 0.01,
    full: bool = False,
    today: Any = None,
) -> Any:
    """Share the design's gain (``symbiograph.allocate.share_gain``) and write its report
    into ``out``; with ``today`` (today's network valued by the design model) the gain
    shared is what the design adds to it. Prints one line and returns the Allocation. Used
    by allocate and demo."""
    from symbiograph.allocate import CoalitionGame, share_gain
    from symbiograph.report import write_allocation_report

    with _step(console, "built the coalition game from the design model's parts"):
        game = CoalitionGame.from_solution(network, candidates, design, today=today)
    with _step(console, f"shared the gain among {game.n} participants"):
        allocation = share_gain(
            game, design, methods, seed=seed, ci_share=ci_share, settle_by=settle_by
        )
    currency = str(network.parameters.get("currency", "EUR"))
    scenario = str(network.parameters.get("name", "scenario"))
    paths = write_allocation_report(
        allocation,
        out,
        scenario=scenario,
        currency=currency,
        network=network,
        flows=design.flows,
        viewer=_viewer(full),
    )
    console.print(
        Text(
            f"✓ shares of {allocation.total:,.0f} {currency}/yr"
            + (" added to today's network" if today is not None else "")
            + f" among {game.n} participants by "
            f"{', '.join(allocation.methods)}; settled by {allocation.method}; "
            f"{allocation.solves} coalition solves -> {paths['report']}"
        )
    )
    far = allocation.out_of_reach()
    if len(far):
        who, row = str(far.index[0]), far.iloc[0]
        side = "short" if row["gap"] > 0 else "more than asked"
        console.print(
            Text(
                f"! {who}'s {allocation.method} share ({row['asked']:,.0f}) is out of reach "
                f"inside the bargaining ranges by {abs(row['gap']):,.0f} {currency}/yr: the "
                f"nearest reachable allocation gives it {row['reachable']:,.0f} ({side}; "
                f"{len(far)} of {len(allocation.reach)} participants off, see reach.csv)"
            )
        )
    return allocation


@app.command()
def allocate(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead")] = None,
    db: DbOption = DEFAULT_DB,
    name: NameOption = None,
    method: Annotated[
        Method | None, typer.Option(help="Allocation to settle [default: the first method]")
    ] = None,
    methods: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated methods to compute [default: shapley (sampled for parts "
            "over 20), nucleolus up to 16 participants, dual, equal, proportional, stand-alone]"
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the tables and report")] = Path(
        "out/allocation"
    ),
    seed: Annotated[int, typer.Option(help="Seed of sampled Shapley")] = 0,
    ci_share: Annotated[
        float,
        typer.Option(help="Sampled Shapley: widest 95% interval, as a share of the total gain"),
    ] = 0.01,
    carbon_price: Annotated[
        float | None, typer.Option(help="Carbon price, currency per t CO2e")
    ] = None,
    landfill_tax: Annotated[float | None, typer.Option(help="Landfill tax, currency per t")] = None,
) -> None:
    """Share the network's gain fairly, check who would walk away, and settle it in prices.

    Exact Shapley values come part by part (any number of participants, as long as no
    independent part of the network has more than 20); the nucleolus and the full core check
    need every coalition's value and run up to 16 participants; beyond that the stability
    check covers single participants and linked pairs. A method that cannot be computed
    exits with code 7 and says why."""
    from symbiograph.allocate import METHODS
    from symbiograph.match import find_candidates
    from symbiograph.optimize import DesignSettings, design_network, design_today

    if not 0 < ci_share < 1:
        _fail(f"--ci-share must be between 0 and 1, not {ci_share}", EXIT_USAGE)
    asked = None if methods is None else [m.strip() for m in methods.split(",") if m.strip()]
    unknown = [m for m in asked or [] if m not in METHODS]
    if unknown or asked == []:
        _fail(f"--methods takes a comma-separated list of {', '.join(METHODS)}", EXIT_USAGE)
    if method is not None and asked is not None and method.value not in asked:
        asked.insert(0, method.value)
    network = _network_from(file, dataset, db, name)
    console = _console()
    settings = DesignSettings(carbon_price=carbon_price, landfill_tax=landfill_tax)
    with _step(console, "matched and designed the network"):
        candidates = find_candidates(network).candidates
        design = design_network(network, candidates, settings)
        running = (candidates["exchange_status"] == "existing").to_numpy()
        today = design_today(network, candidates, settings) if running.any() else None
    _share_and_report(
        network,
        candidates,
        design,
        out,
        console,
        asked,
        settle_by=method.value if method is not None else None,
        seed=seed,
        ci_share=ci_share,
        today=today,
    )


@app.command()
def sweep(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ] = None,
    grid: Annotated[
        list[str] | None,
        typer.Option(
            help="A policy lever and its levels: NAME=start:stop:step or NAME=a,b,c "
            "(carbon_price, landfill_tax, subsidy_per_t_diverted, capex_grant_share); "
            "repeat for a grid of every combination"
        ),
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead")] = None,
    db: DbOption = DEFAULT_DB,
    name: NameOption = None,
    out: Annotated[Path, typer.Option(help="Folder for the table and report")] = Path("out/sweep"),
    allocate: Annotated[
        bool, typer.Option("--allocate", help="Also share the gain (Shapley) at every point")
    ] = False,
    executor: Annotated[
        ExecutorName, typer.Option(help="Where the points run: inprocess, processes or dask")
    ] = "inprocess",
    workers: WorkersOption = 0,
    scheduler: SchedulerOption = None,
    cache: Annotated[
        Path | None,
        typer.Option(help="Folder of solved points to reuse (and add to), shared by workers"),
    ] = None,
    max_km: Annotated[
        float | None, typer.Option("--max-km", help="Cap transport distances (km)")
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds per solve")] = 120.0,
    full: FullOption = False,
) -> None:
    """Design the network at every combination of policy levels on a grid, and write one tidy
    table (sweep.parquet, sweep.csv) and a report of the viability curves."""
    from symbiograph.match import MatchSettings, find_candidates
    from symbiograph.optimize import DesignSettings
    from symbiograph.parallel import DiskCache, close_executor, make_executor
    from symbiograph.report import write_sweep_report
    from symbiograph.sweep import parse_grid, sweep_design

    if not grid:
        _fail("give at least one --grid NAME=LEVELS, e.g. --grid carbon_price=0:200:25", EXIT_USAGE)
    levels = parse_grid(grid)  # refused levels: exit 1 with the text at fault
    network = _network_from(file, dataset, db, name)
    console = _console()
    with _step(console, "matched supplies and demands"):
        candidates = find_candidates(network, MatchSettings(max_km=max_km)).candidates
    runner = make_executor(executor, workers, scheduler)
    try:
        points = 1
        for values in levels.values():
            points *= len(values)
        with _step(console, f"designed {points:,} grid points on {runner!r}"):
            result = sweep_design(
                network,
                candidates,
                levels,
                DesignSettings(time_limit_s=time_limit),
                allocate=allocate,
                executor=runner,
                cache=DiskCache(cache) if cache is not None else None,
            )
    finally:
        close_executor(runner)
    paths = write_sweep_report(network, result.table, out, viewer=_viewer(full))
    totals = result.totals
    currency = network.parameters.get("currency", "EUR")
    console.print(
        f"[green]✓[/] {len(totals)} points · net benefit "
        f"{totals['net_benefit'].min():,.0f} to {totals['net_benefit'].max():,.0f} {currency}/yr"
        f" · {result.timings['sweep_s']:.1f} s"
    )
    console.print(Text(f"table: {paths['parquet']} · report: {paths['report']}"))


@app.command()
def resilience(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead")] = None,
    db: DbOption = DEFAULT_DB,
    name: NameOption = None,
    out: Annotated[Path, typer.Option(help="Folder for the tables and report")] = Path(
        "out/resilience"
    ),
    outages: Annotated[
        bool, typer.Option("--outages", help="N-1 outages (the default when nothing is chosen)")
    ] = False,
    pairs: Annotated[
        int, typer.Option(min=0, help="Also the worst N-2 pairs per kind, screened by a bound")
    ] = 0,
    monte_carlo: Annotated[
        int, typer.Option("--monte-carlo", min=0, help="Monte Carlo draws (0: none)")
    ] = 0,
    uncertainty: Annotated[
        Path | None,
        typer.Option(
            help="CSV of uncertain inputs (name, quantity, ids, distribution, params, mode); "
            "default: every exchanged stream's price lognormal (sigma 0.2), carbon price +-25%"
        ),
    ] = None,
    correlation: Annotated[
        Path | None, typer.Option(help="CSV correlation matrix of the inputs (names as header)")
    ] = None,
    stochastic: Annotated[
        int,
        typer.Option(
            "--stochastic",
            min=0,
            help="Two-stage stochastic design over this many scenarios (0: none), with VSS "
            "and EVPI against the mean-value design",
        ),
    ] = 0,
    scenarios_file: Annotated[
        Path | None,
        typer.Option(
            "--scenarios",
            help="CSV of the stochastic design's own scenarios (a column per input, optional "
            "probability and available:<organisation>) instead of draws",
        ),
    ] = None,
    outage_probability: Annotated[
        float, typer.Option(help="Stochastic design: each organisation out with this probability")
    ] = 0.0,
    cvar_weight: Annotated[
        float, typer.Option(min=0.0, help="Stochastic design: weight of the CVaR term")
    ] = 0.0,
    evaluate: Annotated[
        int, typer.Option(min=0, help="Stochastic design: out-of-sample draws to value it on")
    ] = 0,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of the draws")] = 0,
    level: Annotated[float, typer.Option(help="Level of the value at risk")] = 0.95,
    executor: Annotated[
        ExecutorName,
        typer.Option(help="Where the re-optimisations run: inprocess, processes or dask"),
    ] = "inprocess",
    workers: Annotated[int, typer.Option(min=0, help="Processes; 0: every core")] = 0,
    time_limit: Annotated[float, typer.Option(help="Seconds per solve")] = 120.0,
    full: FullOption = False,
) -> None:
    """What the design loses when a partner, facility or exchange drops out (frozen and
    rewired), how prices and volumes spread each participant's result, and a design that
    holds up under them (--stochastic); CSV tables and report.html in --out."""
    import pandas as pd
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from symbiograph.match import find_candidates
    from symbiograph.optimize import DesignSettings, design_network
    from symbiograph.parallel import close_executor, make_executor
    from symbiograph.report import shared_resilience_tables, write_resilience_report
    from symbiograph.resilience import (
        default_inputs,
        inputs_from_table,
        outage_analysis,
        stochastic_design,
        tornado,
    )
    from symbiograph.resilience import monte_carlo as run_monte_carlo

    if not 0.0 < level < 1.0:
        _fail("--level must lie strictly between 0 and 1", EXIT_USAGE)
    run_stochastic = stochastic > 0 or scenarios_file is not None
    run_outages = outages or (monte_carlo == 0 and not run_stochastic)
    network = _network_from(file, dataset, db, name)
    console = _console()
    with _step(console, "matched supplies and demands"):
        candidates = find_candidates(network).candidates
    with _step(console, "designed the network"):
        design = design_network(network, candidates, DesignSettings(time_limit_s=time_limit))
    tables: dict[str, pd.DataFrame] = {}
    _, banded = shared_resilience_tables(network, design.flows, {}, _viewer(full))
    runner = make_executor(executor, workers, None)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    currency = str(network.parameters.get("currency", "EUR"))
    try:
        if run_outages:
            with Progress(*columns, console=console, transient=True) as progress:
                task = progress.add_task("re-optimising outages", total=None)

                def advance(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

                result = outage_analysis(
                    network, candidates, design, max_pairs=pairs, executor=runner, progress=advance
                )
            tables.update(
                outage_losses=result.losses,
                outage_participants=result.participants,
                outage_failures=result.failures,
                criticality=result.criticality,
            )
            worst = result.criticality.sort_values("frozen_loss", ascending=False).head(1)
            for row in worst.head(0 if banded else 1).itertuples(index=False):
                console.print(
                    f"[green]✓[/] {len(result.losses) // 2:,} outages · worst "
                    f"{escape(f'{row.kind}:{row.element_id}')}: {row.frozen_loss:,.0f} frozen, "
                    f"{row.rewired_loss:,.0f} rewired {currency}/yr"
                )
        if monte_carlo:
            if uncertainty is not None:
                inputs = inputs_from_table(_read_csv(uncertainty))
            else:
                inputs = default_inputs(design)
            corr = _read_csv(correlation, index_col=0) if correlation is not None else None
            with _step(console, f"{monte_carlo:,} Monte Carlo draws"):
                mc = run_monte_carlo(
                    network,
                    candidates,
                    design,
                    inputs,
                    draws=monte_carlo,
                    seed=seed,
                    correlation=corr,
                    level=level,
                )
            tables.update(
                mc_samples=mc.samples,
                mc_draws=mc.draws,
                mc_summary=mc.summary,
                mc_sensitivity=mc.sensitivity,
                tornado=tornado(network, candidates, design, inputs),
            )
            total = mc.summary.set_index("organisation").loc["(total)"]
            if banded:
                console.print("[green]✓[/] figures banded (confidential streams): use --full")
            else:
                console.print(
                    f"[green]✓[/] net benefit mean {total['mean']:,.0f}, "
                    f"VaR {total['value_at_risk']:,.0f}, CVaR {total['cvar']:,.0f} "
                    f"{currency}/yr at {level:.0%}"
                )
        if run_stochastic:
            if uncertainty is not None:
                inputs = inputs_from_table(_read_csv(uncertainty))
            else:
                inputs = default_inputs(design)
            corr = _read_csv(correlation, index_col=0) if correlation is not None else None
            own = _read_csv(scenarios_file) if scenarios_file is not None else None
            count = len(own) if own is not None else stochastic
            with Progress(*columns, console=console, transient=True) as progress:
                task = progress.add_task(f"two-stage design, {count:,} scenarios", total=None)

                def step(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

                sd = stochastic_design(
                    network,
                    candidates,
                    inputs,
                    scenarios=max(stochastic, 1),
                    seed=seed,
                    correlation=corr,
                    table=own,
                    outage_probability=outage_probability,
                    cvar_weight=cvar_weight,
                    cvar_level=level,
                    evaluate=evaluate,
                    settings=DesignSettings(time_limit_s=time_limit),
                    executor=runner,
                    progress=step,
                )
            tables.update(
                stochastic_summary=pd.DataFrame([sd.summary]),
                stochastic_values=sd.values,
                stochastic_built=sd.built,
                stochastic_scenarios=sd.scenarios,
            )
            if banded:
                console.print("[green]✓[/] figures banded (confidential streams): use --full")
            else:
                console.print(
                    f"[green]✓[/] expected net benefit {sd.summary['expected_stochastic']:,.0f} "
                    f"(mean-value design {sd.summary['expected_mean_value']:,.0f}) · VSS "
                    f"{sd.vss:,.0f} · EVPI {sd.evpi:,.0f} {currency}/yr · gap "
                    f"{float(sd.summary['mip_gap']):.2%}"
                )
    finally:
        close_executor(runner)
    shared, _ = shared_resilience_tables(network, design.flows, tables, _viewer(full))
    paths = write_resilience_report(
        out,
        shared,
        currency,
        title="Resilience",
        banded=banded,
        network=network,
        design_flows=design.flows,
    )
    console.print(Text(f"tables and report: {paths['report'].parent}"))


def _read_csv(path: Path, index_col: int | None = None) -> Any:
    """A user's CSV table; a missing or unreadable file is a clear error (exit 1 or 3)."""
    import pandas as pd

    if not path.exists():
        _fail(f"{path}: no such file", EXIT_NOT_FOUND)
    try:
        return pd.read_csv(path, index_col=index_col)
    except (OSError, ValueError) as err:
        _fail(f"{path}: not a readable CSV table ({err})", EXIT_INVALID)


cluster_app = typer.Typer(
    help="A local Dask cluster (scheduler and workers) for the parallel commands.",
    no_args_is_help=True,
)
app.add_typer(cluster_app, name="cluster")


@cluster_app.command("local")
def cluster_local(
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (one thread each)")] = 2,
    host: Annotated[str, typer.Option(help="Address the scheduler listens on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, help="Scheduler port (0: any free port)")] = 8786,
    memory_limit: Annotated[
        str, typer.Option(help="Memory per worker, e.g. 4GB [default: auto]")
    ] = "auto",
) -> None:
    """Start a Dask scheduler and workers here and keep them until Ctrl-C; pass the address
    it prints to --scheduler."""
    import time

    from symbiograph.parallel import start_local_cluster

    cluster = start_local_cluster(workers, host, port, memory_limit)
    console = _console()
    console.print(
        Text(f"scheduler {cluster.scheduler_address} · {workers} workers · Ctrl-C stops them")
    )
    try:
        while True:
            time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.close()


def _listening_socket(host: str, port: int) -> Any:
    """A socket bound to ``host:port`` (port 0: any free one), or exit 8 saying why not."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as err:
        _fail(f"cannot listen on {host}:{port}: no such host ({err.strerror})", EXIT_ADDRESS)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            reason = "the port is in use (stop what holds it or pick another with --port)"
        elif err.errno == errno.EACCES:
            reason = "not allowed (ports below 1024 need privileges; pick another with --port)"
        else:
            reason = err.strerror or str(err)
        _fail(f"cannot listen on {host}:{port}: {reason}", EXIT_ADDRESS)
    sock.listen(2048)  # hold the port now: a second server fails here, not later
    return sock


def _url(sock: Any) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in str(host) else str(host)
    return f"http://{shown}:{port}/"


@app.command()
def worker(
    db: Annotated[str, typer.Option("--db", help="Database URL of the store whose jobs to run")] = (
        DEFAULT_DB
    ),
    schema: Annotated[
        str | None, typer.Option(help="PostgreSQL schema holding the store's tables")
    ] = None,
    lease: Annotated[
        float,
        typer.Option(min=0.1, max=3600, help="Seconds a claim holds without a heartbeat"),
    ] = 30.0,
    poll: Annotated[
        float, typer.Option(min=0.05, max=60, help="Seconds between looks at an empty queue")
    ] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="Run one job (if any), then stop")] = False,
    name: Annotated[
        str | None, typer.Option(help="This worker's name in the jobs' records")
    ] = None,
    hold: Annotated[
        float, typer.Option(min=0, help="Drill: wait this long after a claim", hidden=True)
    ] = 0.0,
) -> None:
    """Run the store's queued jobs (match, optimize, allocate) until Ctrl-C or SIGTERM.

    Start as many workers as the machine has cores to spare; on PostgreSQL they claim jobs
    with FOR UPDATE SKIP LOCKED, so no job runs twice. A worker that dies loses its lease:
    another worker runs the job again, or after its last attempt it is marked failed.
    """
    import signal
    import threading

    try:
        from symbiograph.web import Worker
    except ImportError as err:  # the web extra is not installed
        _fail(f"the worker needs the web extra ({err.name} is missing)", EXIT_USAGE)
    store = _open_store_schema(db, schema)
    stop = threading.Event()
    console = _console()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        runner = Worker(store, name=name, lease=lease, poll=poll, hold=hold)
        console.print(Text(f"worker {runner.name} on {db} (lease {lease:g} s); Ctrl-C stops it"))
        if once:
            ended = runner.run_once()
            said = "no job was queued" if ended is None else f"job {ended.id} {ended.state}"
            console.print(Text(said))
        else:
            ran = runner.run(stop)
            console.print(Text(f"stopped after {ran} job(s)"))
    except KeyboardInterrupt:
        console.print(Text("stopped"))
        raise typer.Exit(EXIT_CANCELLED) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        store.close()


def _open_store_schema(db: str, schema: str | None) -> Any:
    """The store at ``db`` (in PostgreSQL schema ``schema``); it must exist already."""
    if schema is None:
        return _open_store(db, create=False)
    from symbiograph.store import Store

    return Store(db, schema=schema, lock_timeout=_OPTIONS["lock_timeout"])


@app.command()
def serve(
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Serve a fresh demo store (out/demo-platform/symbiograph.db): Kalundborg and "
            "one account per role, whose logins and passwords are printed",
        ),
    ] = False,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port)")
    ] = 8000,
    db: Annotated[
        str | None,
        typer.Option(help=f"Database URL of the store to serve (default: {DEFAULT_DB})"),
    ] = None,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies",
            help="Mark the session cookies Secure (set this behind an HTTPS proxy)",
        ),
    ] = False,
) -> None:
    """Run the platform (web pages and the /api/v1 API) with uvicorn until Ctrl-C.

    Without --demo it serves the store at --db as it is and creates nothing (a missing
    SQLite file is exit 3). With --demo it makes a fresh SQLite store under
    out/demo-platform, saves the Kalundborg dataset in it as 'kalundborg' and creates demo
    accounts (admin, facilitator, two companies, observer) with random passwords, printed
    once. A port in use is exit 8; Ctrl-C stops it with exit 130, SIGTERM with exit 0.
    """
    try:
        import uvicorn

        from symbiograph.web import DEMO_NETWORK, create_app, seed_demo
    except ImportError as err:  # the web extra is not installed
        _fail(
            f"the platform needs the web extra ({err.name} is missing): "
            "pip install 'symbiograph[web]'",
            EXIT_USAGE,
        )
    if demo and db is not None:
        _fail("--demo makes its own store; give --db without --demo", EXIT_USAGE)
    import signal

    console = _console()

    class _Terminated(Exception):
        """SIGTERM arrived (a service manager stopping the server): a clean stop, exit 0."""

    def _terminated(signum: int, frame: Any) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        sock = _listening_socket(host, port)
        store: Any = None
        stop_worker: Any = None
        try:
            if demo:
                file = DEMO_PLATFORM_DIR / "symbiograph.db"
                file.parent.mkdir(parents=True, exist_ok=True)
                for leftover in (file, *(Path(f"{file}-{x}") for x in ("journal", "wal", "shm"))):
                    leftover.unlink(missing_ok=True)
                url = f"sqlite:///{file.as_posix()}"
                store = _open_store(url)
            else:
                url = db or DEFAULT_DB
                store = _open_store(url, create=False)
            app_ = create_app(store=store, secure_cookies=secure_cookies)
            if store.engine.dialect.name == "sqlite":  # PostgreSQL: run `symbiograph worker`
                from symbiograph.web import start_worker_thread

                _, stop_worker = start_worker_thread(store)
            logins = []
            if demo:
                with _step(console, f"saved {DEMO_NETWORK!r} and the demo accounts in {url}"):
                    logins = seed_demo(store, app_.state.services.auth)
            console.print(
                Text(f"symbiograph platform on {_url(sock)}  (store: {url})"), soft_wrap=True
            )
            if logins:
                table = Table(
                    title="DEMO ACCOUNTS (demo store only; passwords are new at every start)",
                    title_justify="left",
                )
                for column in ("login", "password", "role", "who"):
                    table.add_column(column)
                for login in logins:
                    table.add_row(login.login, login.password, str(login.role), login.description)
                console.print(table)
            console.print(Text("Ctrl-C stops the server."))
            config = uvicorn.Config(app_, log_level="warning", lifespan="off")
            uvicorn.Server(config).run(sockets=[sock])
        finally:
            sock.close()
            if stop_worker is not None:
                stop_worker.set()
            if store is not None:
                store.close()
    except KeyboardInterrupt:
        console.print(Text("stopped"))
        raise typer.Exit(EXIT_CANCELLED) from None
    except _Terminated:
        console.print(Text("stopped (SIGTERM)"))
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- the ledger ---------------------------------------------------------------------

ledger_app = typer.Typer(
    help="The tamper-evident ledger of contracts, deliveries and waste transfers: verify, "
    "prove, audit, settle, export, keys, checkpoint, note, demo. Signing needs the secret "
    "in SYMBIOGRAPH_LEDGER_SECRET. A log that does not verify is exit 1 and names its "
    "first bad entry; a missing entry or database is exit 3; a store failure exit 4.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(ledger_app, name="ledger")

#: Where ``ledger demo`` writes its store, bundle and exports (made afresh each run).
LEDGER_DEMO_DIR = Path("out") / "ledger-demo"
#: The secret of the demo ledger's keys when SYMBIOGRAPH_LEDGER_SECRET is not set.
LEDGER_DEMO_SECRET = "ledger-demo-secret-not-for-real-use"


class TransferShape(StrEnum):
    """Shapes of a waste transfer export."""

    uk_dwt = "uk-dwt"
    annex_vii = "annex-vii"


class ExportTable(StrEnum):
    """What ``ledger export`` writes."""

    transfers = "transfers"
    log = "log"


def _ledger(db: str, *, create: bool = False, secret: str | None = None) -> Any:
    from symbiograph.store import Ledger

    return Ledger(_open_store(db, create=create), secret=secret)


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["reference"])
        writer.writeheader()
        writer.writerows(rows)


def _verdict_or_fail(ledger: Any, where: str) -> Any:
    verdict = ledger.verify()
    if not verdict.ok:
        first = (
            ""
            if verdict.first_bad_entry is None
            else f"first bad entry {verdict.first_bad_entry}: "
        )
        _fail(f"{where} does not verify: {first}{verdict.reason}", EXIT_INVALID)
    return verdict


@ledger_app.command("verify")
def ledger_verify(db: StoreOption = DEFAULT_DB) -> None:
    """Check the whole log against its checkpoints: every entry's place, organisation key
    and signature, every checkpoint's signature and head, no roll-back, the stored tree,
    and that every record was a step its contract allowed. Exit 1 names the first bad entry."""
    ledger = _ledger(db)
    try:
        verdict = _verdict_or_fail(ledger, f"the ledger in {db}")
    finally:
        ledger.store.close()
    _console().print(Text(f"OK: {verdict.reason}"))


@ledger_app.command("prove")
def ledger_prove(
    entry: Annotated[int, typer.Argument(help="Index of the entry to prove", min=0)],
    db: StoreOption = DEFAULT_DB,
    out: Annotated[Path, typer.Option(help="Where to write the evidence bundle")] = Path(
        "evidence.json"
    ),
) -> None:
    """Write the evidence bundle of ENTRY (the entry, its inclusion proof, the signed
    checkpoint, the log's and the signer's public keys); check it offline with
    ``python verify_bundle.py BUNDLE`` (shipped in symbiograph/ledger/)."""
    ledger = _ledger(db)
    try:
        bundle = ledger.prove(entry)
    finally:
        ledger.store.close()
    _write_json(out, bundle)
    _console().print(Text(f"evidence of entry {entry} (tree size {bundle['tree_size']}): {out}"))


@ledger_app.command("audit")
def ledger_audit(
    db: StoreOption = DEFAULT_DB,
    through: Annotated[
        str | None, typer.Option(help="Count missing deliveries up to this month (YYYY-MM)")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the breaches as CSV here")] = None,
) -> None:
    """Compare every delivery with its contract and list every breach: shortfall,
    take-or-pay, excess, off-spec or unmeasured quality, a missing delivery, a waste note
    not countersigned."""
    from symbiograph.ledger import audit

    ledger = _ledger(db)
    try:
        breaches = audit(ledger.view(), through)
    finally:
        ledger.store.close()
    table = Table(title=f"{len(breaches)} breach(es)", title_justify="left")
    for column in ("contract", "period", "entry", "breach"):
        table.add_column(column)
    for b in breaches:
        table.add_row(
            Text(b.contract), b.period, "" if b.entry is None else str(b.entry), Text(b.breach)
        )
    _console().print(table)
    if out is not None:
        _write_rows(
            out,
            [
                {"contract": b.contract, "period": b.period, "entry": b.entry, "breach": b.breach}
                for b in breaches
            ],
        )


@ledger_app.command("settle")
def ledger_settle(
    db: StoreOption = DEFAULT_DB,
    out: Annotated[Path | None, typer.Option(help="Write every payment as CSV here")] = None,
) -> None:
    """What each organisation pays and receives under the contracts, from the recorded
    deliveries and index values (net positions in the contracts' currency; they sum to 0)."""
    ledger = _ledger(db)
    try:
        outcomes, net = ledger.settle()
    finally:
        ledger.store.close()
    table = Table(title="Net positions (received minus paid)", title_justify="left")
    table.add_column("organisation")
    table.add_column("net", justify="right")
    for org, cents in sorted(net.items()):
        table.add_row(Text(org), f"{cents / 100:,.2f}")
    _console().print(table)
    if out is not None:
        rows = [
            {
                "contract": o.contract,
                "period": o.period,
                "payer": p.payer,
                "payee": p.payee,
                "amount": p.cents / 100,
                "reason": p.reason,
            }
            for o in outcomes
            for p in o.payments
        ]
        _write_rows(out, rows)


@ledger_app.command("export")
def ledger_export(
    out: Annotated[Path, typer.Option(help="File to write (.json or .csv)")],
    db: StoreOption = DEFAULT_DB,
    what: Annotated[
        ExportTable, typer.Option(help="The waste transfer notes, or the whole log for an auditor")
    ] = ExportTable.transfers,
    shape: Annotated[
        TransferShape, typer.Option(help="Shape of the transfer notes")
    ] = TransferShape.uk_dwt,
) -> None:
    """Export the waste transfer notes (UK digital waste tracking or EU Annex VII shape,
    each listing the fields it lacks) or the log (entries, checkpoints, public keys, no
    openings of confidential fields) as JSON; transfer notes as CSV too."""
    from symbiograph.ledger import annex_vii_document, dwt_receipt, transfer_rows

    if out.suffix not in (".json", ".csv"):
        _fail(f"--out must end in .json or .csv, not {out.suffix!r}", EXIT_USAGE)
    ledger = _ledger(db)
    try:
        if what is ExportTable.log:
            if out.suffix != ".json":
                _fail("the log is exported as JSON", EXIT_USAGE)
            _write_json(out, ledger.export_log())
            _console().print(Text(f"the log: {out}"))
            return
        notes = ledger.transfer_notes()
    finally:
        ledger.store.close()
    purpose = "uk_dwt" if shape is TransferShape.uk_dwt else "annex_vii"
    if out.suffix == ".csv":
        rows = transfer_rows(notes, purpose)
        _write_rows(out, rows)
        incomplete = sum(1 for r in rows if r["missing"])
    else:
        shaper = dwt_receipt if shape is TransferShape.uk_dwt else annex_vii_document
        documents = [shaper(note, sig, ref) for ref, note, sig in notes]
        _write_json(out, {"shape": shape.value, "notes": documents})
        incomplete = sum(1 for d in documents if d["missing"])
    _console().print(Text(f"{len(notes)} transfer note(s), {incomplete} incomplete: {out}"))


@ledger_app.command("note")
def ledger_note(
    path: Annotated[Path, typer.Argument(help="A waste transfer note as JSON")],
    shape: Annotated[
        TransferShape, typer.Option(help="Shape of the export")
    ] = TransferShape.uk_dwt,
    out: Annotated[Path | None, typer.Option(help="Write the export here (JSON)")] = None,
) -> None:
    """Check a draft waste transfer note: print (or write) its export with every field it
    lacks; exit 1 when it lacks a field needed to sign it."""
    from symbiograph.ledger import annex_vii_document, dwt_receipt, missing_fields

    if not path.exists():
        _fail(f"{path}: no such file", EXIT_NOT_FOUND)
    try:
        note = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        _fail(f"{path}: not a JSON object ({err})", EXIT_INVALID)
    if not isinstance(note, dict):
        _fail(f"{path}: a transfer note is a JSON object", EXIT_INVALID)
    shaper = dwt_receipt if shape is TransferShape.uk_dwt else annex_vii_document
    document = shaper(note, None, path.stem)
    if out is not None:
        _write_json(out, document)
    else:
        _console().print(Text(json.dumps(document, indent=2, ensure_ascii=False)))
    lacking = missing_fields(note, "sign")
    if lacking:
        _fail(f"{path}: cannot be signed; it lacks {', '.join(lacking)}", EXIT_INVALID)


@ledger_app.command("keys")
def ledger_keys(
    db: StoreOption = DEFAULT_DB,
    out: Annotated[Path | None, typer.Option(help="Write the keys as JSON here")] = None,
) -> None:
    """The published public keys (organisation -> raw Ed25519 key in base64) and the log's
    C2SP verifier key."""
    import base64

    from symbiograph.ledger import public_key_raw, verifier_key

    ledger = _ledger(db)
    try:
        keys = ledger.public_keys()
    finally:
        ledger.store.close()
    data = {
        "log_key": verifier_key(ledger.origin, keys[ledger.origin])
        if ledger.origin in keys
        else None,
        "public_keys": {
            o: base64.b64encode(public_key_raw(k)).decode() for o, k in sorted(keys.items())
        },
    }
    if out is not None:
        _write_json(out, data)
    _console().print(Text(json.dumps(data, indent=2, ensure_ascii=False)))


@ledger_app.command("checkpoint")
def ledger_checkpoint(db: StoreOption = DEFAULT_DB) -> None:
    """Sign the current tree head with the log's key (needs SYMBIOGRAPH_LEDGER_SECRET)."""
    ledger = _ledger(db)
    try:
        note = ledger.checkpoint()
    finally:
        ledger.store.close()
    _console().print(Text(note.rstrip()))


@ledger_app.command("demo")
def ledger_demo(
    out: Annotated[
        Path, typer.Option(help="Folder to write the demo ledger into (made afresh)")
    ] = LEDGER_DEMO_DIR,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic deliveries")] = 14,
) -> None:
    """Kalundborg's documented exchanges as contracts with a year of monthly deliveries
    (synthetic, seeded) in a fresh SQLite ledger: verify it, audit it, settle it, prove a
    waste delivery, export the transfer notes, then tamper with a copy and show that
    verification names the changed entry. Exit 0 when all of that holds."""
    import os

    from symbiograph.datasets import kalundborg
    from symbiograph.ledger import audit, demo_plan
    from symbiograph.store import SECRET_ENV, Ledger, seed_demo, tampered_copy

    console = _console()
    secret = os.environ.get(SECRET_ENV) or LEDGER_DEMO_SECRET
    out.mkdir(parents=True, exist_ok=True)
    file = out / "ledger.db"
    for leftover in (file, *(Path(f"{file}-{x}") for x in ("journal", "wal", "shm"))):
        leftover.unlink(missing_ok=True)
    plan = demo_plan(kalundborg(), seed=seed)
    store = _open_store(f"sqlite:///{file.as_posix()}")
    try:
        ledger = Ledger(store, secret=secret)
        with _step(console, f"{len(plan.contracts)} contracts and a year of deliveries in {file}"):
            counts = seed_demo(ledger, plan)
        console.print(Text(", ".join(f"{k}: {v}" for k, v in counts.items())))
        for name, why in plan.skipped.items():
            console.print(Text(f"not a contract: {name}: {why}"))
        verdict = _verdict_or_fail(ledger, "the demo ledger")
        console.print(Text(f"verify: OK, {verdict.reason}"))
        breaches = audit(ledger.view())
        console.print(
            Text(
                f"audit: {len(breaches)} breach(es) of the synthetic deliveries ({out / 'audit.csv'})"
            )
        )
        _write_rows(
            out / "audit.csv",
            [
                {"contract": b.contract, "period": b.period, "entry": b.entry, "breach": b.breach}
                for b in breaches
            ],
        )
        _, net = ledger.settle()
        console.print(
            Text(
                f"settlement: {len(net)} organisations, net positions sum to {sum(net.values())} cents"
            )
        )
        notes = ledger.transfer_notes()
        from symbiograph.ledger import dwt_receipt

        _write_json(
            out / "transfers-uk-dwt.json",
            {"shape": "uk-dwt", "notes": [dwt_receipt(n, s, r) for r, n, s in notes]},
        )
        target = int(notes[0][0].rsplit("/", 1)[1]) if notes else 0
        _write_json(out / "evidence.json", ledger.prove(target))
        console.print(
            Text(
                f"evidence of entry {target}: {out / 'evidence.json'} (python verify_bundle.py checks it)"
            )
        )
        _write_json(out / "log.json", ledger.export_log())
    finally:
        store.close()
    tampered = out / "ledger-tampered.db"
    tampered_copy(file, tampered, target, {"delivered": 0.5})
    copy = _open_store(f"sqlite:///{tampered.as_posix()}", create=False)
    try:
        bad = Ledger(copy).verify()
    finally:
        copy.close()
    if bad.ok or bad.first_bad_entry != target:
        _fail(f"the tampered copy was not caught at entry {target}: {bad.reason}", EXIT_INVALID)
    console.print(
        Text(
            f"tampered copy {tampered}: verification fails at entry {bad.first_bad_entry}: {bad.reason}"
        )
    )
