"""The command line: validate, import, export, summarise and report industrial-symbiosis
scenarios, and run the Kalundborg demo.

Exit codes: 0 success, 1 invalid scenario (every problem is listed), 2 wrong usage,
3 a named network, dataset or database that does not exist, 4 a store error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from symbiograph.model import Network

__all__ = ["app"]

from symbiograph.errors import EXIT_INVALID, EXIT_NOT_FOUND, EXIT_STORE, EXIT_USAGE

DEFAULT_DB = "sqlite:///symbiograph.db"

app = typer.Typer(
    name="symbiograph",
    help="Industrial symbiosis: validate, store, export and report networks of by-product, "
    "energy and water exchanges.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


class ExportFormat(StrEnum):
    """File formats ``export`` writes."""

    yaml = "yaml"
    csv = "csv"
    xlsx = "xlsx"
    geojson = "geojson"


def _console(stderr: bool = False) -> Console:
    """A console made per call, so the terminal width (COLUMNS) is read when a command runs."""
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _fail(message: str, code: int) -> NoReturn:
    _console(stderr=True).print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


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


def _read_scenario(path: Path) -> Network:
    """Read and validate a scenario file or CSV folder; on problems print them and exit 1."""
    from symbiograph.io import ScenarioError, read_network

    try:
        return read_network(path)
    except ScenarioError as err:
        _console().print(_problem_table(err.problems, str(path)))
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


def _load_stored(db: str, name: str) -> Network:
    from symbiograph.store import NetworkNotFoundError, Store

    file = _sqlite_file(db)
    if file is not None and not file.exists():
        _fail(f"no database at {file}", EXIT_NOT_FOUND)
    try:
        with Store(db) as store:
            return store.load(name)
    except NetworkNotFoundError:
        with Store(db) as store:
            names = store.names()
        known = ", ".join(names) if names else "none"
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
    assert name is not None and db is not None
    return _load_stored(db, name)


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
        bool, typer.Option(help="Replace a network stored under the same name")
    ] = True,
) -> None:
    """Validate a scenario, then save it into the store in one transaction.

    Invalid input saves nothing and leaves the store as it was.
    """
    from symbiograph.model import default_parameters
    from symbiograph.store import NetworkExistsError, Store

    console = _console()
    with _step(console, f"validated {file}"):
        network = _read_scenario(file)
    if name is None:
        scenario_name = str(network.parameters.get("name", ""))
        default = str(default_parameters()["name"])
        name = scenario_name if scenario_name and scenario_name != default else file.stem
    try:
        with _step(console, f"saved as {name!r} in {db}"), Store(db) as store:
            network_id = store.save(network, name, replace=replace)
    except NetworkExistsError:
        _fail(f"a network named {name!r} is already stored (use --replace)", EXIT_STORE)
    console.print(f"network id {network_id}")


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="File (or folder for csv) to write")],
    format: Annotated[
        ExportFormat | None,
        typer.Option("--format", "-f", help="Output format [default: from OUT's suffix]"),
    ] = None,
    db: Annotated[str, typer.Option(help="Database URL to read --name from")] = DEFAULT_DB,
    name: Annotated[str | None, typer.Option(help="Name of a stored network")] = None,
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead")] = None,
) -> None:
    """Write a stored network (--db, --name) or a shipped dataset (--dataset) to a file."""
    from symbiograph.io import write_network

    network = _network_from(None, dataset, db, name)
    console = _console()
    with _step(console, f"wrote {out}"):
        write_network(network, out, format.value if format is not None else None)


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
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Summarise a scenario or dataset: counts and quantities per resource kind."""
    from symbiograph.report import network_summary

    network = _network_from(file, dataset)
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
) -> None:
    """Write the one-page offline HTML report (map, Sankey, tables) and its summary.json."""
    from symbiograph.report import write_network_report, write_summary_json

    network = _network_from(file, dataset, db, name)
    console = _console()
    with _step(console, f"wrote {out}"):
        write_network_report(network, out, title=title)
    summary_path = write_summary_json(network, out.with_name("summary.json"))
    console.print(f"[green]✓[/] wrote {escape(str(summary_path))}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the report and summary")] = Path(
        "out/kalundborg"
    ),
    db: Annotated[
        str | None,
        typer.Option(help="Database URL [default: sqlite:///OUT/symbiograph.db, made afresh]"),
    ] = None,
) -> None:
    """Run the Kalundborg example end to end: store, reload, summarise, report, match the
    supplies and demands, design the network and report the design, and share its gain
    among the participants (Shapley, nucleolus, dual, baselines; stability; settlement)."""
    from symbiograph.datasets import kalundborg
    from symbiograph.report import write_network_report, write_summary_json
    from symbiograph.store import NetworkNotFoundError, Store

    console = _console()
    db = db or f"sqlite:///{(out / 'symbiograph.db').as_posix()}"
    out.mkdir(parents=True, exist_ok=True)
    file = _sqlite_file(db)
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (file, Path(f"{file}-journal"), Path(f"{file}-wal"), Path(f"{file}-shm")):
            leftover.unlink(missing_ok=True)
    with _step(console, "loaded the Kalundborg dataset"):
        network = kalundborg()
    name = "kalundborg"
    with _step(console, f"saved it as {name!r} in a fresh store {db}"), Store(db) as store:
        if file is None:  # another database: start from no stored Kalundborg
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
            stored, out / "report.html", title="Kalundborg Symbiosis"
        )
        summary_path = write_summary_json(stored, out / "summary.json")
    size_mb = report_path.stat().st_size / 1e6
    console.print(Text(f"report:  {report_path} ({size_mb:.1f} MB, opens offline)"))
    console.print(Text(f"summary: {summary_path}"))
    from symbiograph.assess import assess_design, compare_with_published, indicator_table
    from symbiograph.match import find_candidates, rediscovery
    from symbiograph.optimize import design_network, pareto_front, review_documented
    from symbiograph.report import write_design_report

    documented = stored.exchanges
    with _step(console, "matched the facilities' supplies and demands"):
        matched = find_candidates(stored)
        matched.candidates.to_csv(out / "candidates.csv", index=False)
    found = rediscovery(matched.candidates, documented)
    console.print(
        Text(
            f"  {len(matched.candidates)} candidates; {found.recall:.0%} of the "
            f"{len(documented)} documented exchanges found, {found.top3_recall:.0%} in the top 3 "
            "of their supply"
        )
    )
    with _step(console, "designed the network (MILP, HiGHS) and traced the money-CO2e front"):
        solution = design_network(stored, matched.candidates)
        front = pareto_front(stored, matched.candidates, points=5)
        review = review_documented(documented, matched.candidates, solution)
        assessment = assess_design(stored, matched.candidates, solution)
        paths = write_design_report(
            stored,
            solution,
            out / "design",
            pareto=front,
            review=review,
            indicators=indicator_table(assessment, solution.flows),
            comparison=compare_with_published(stored, assessment),
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
    stability = _share_gain(
        stored, matched.candidates, solution, Method.shapley, out / "allocation", 0, 0.01, console
    )
    in_core = stability.drop_duplicates("method").set_index("method")["in_core"]
    console.print(
        Text(
            "  in the core: "
            + ", ".join(
                f"{m} {({'True': 'yes', 'False': 'no'}).get(str(v), 'not checked')}"
                for m, v in in_core.items()
            )
        )
    )


@app.command()
def match(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead")] = None,
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
) -> None:
    """Find the exchanges worth making: candidate supply -> demand pairs, costed and explained."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from symbiograph.match import MatchSettings, find_candidates

    if out.suffix.lower() not in (".csv", ".parquet"):
        _fail(f"--out must end in .csv or .parquet, not {out.suffix!r}", EXIT_USAGE)
    network = _network_from(file, dataset)
    settings = MatchSettings(max_km=max_km, top=top, use_archetypes=not no_archetypes)
    console = _console()
    columns = (
        TextColumn("matching resource links"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("links", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = find_candidates(network, settings, progress=advance)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        result.candidates.to_parquet(out, index=False)
    else:
        result.candidates.to_csv(out, index=False)
    candidates = result.candidates
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
    if len(result.inferred):
        console.print(
            f"codes proposed from text for {result.inferred['resource_id'].nunique()} uncoded "
            "resource(s) (see the inferred codes with the Python API)"
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
) -> None:
    """Why a supply is (or is not) matched to a demand: every rule, the failing ones first."""
    from symbiograph.match import explain_pair

    if dataset is not None and file is not None and not demand_id:
        # with --dataset the two ids arrive in FILE and SUPPLY_ID
        supply_id, demand_id, file = str(file), supply_id, None
    if not supply_id or not demand_id:
        _fail("give SUPPLY_ID and DEMAND_ID", EXIT_USAGE)
    network = _network_from(file, dataset)
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


class Objective(StrEnum):
    """What ``optimize`` maximises."""

    cost = "cost"
    co2 = "co2"
    weighted = "weighted"


class Slices(StrEnum):
    """Time resolution of ``optimize``."""

    none = "none"
    monthly = "monthly"
    days = "days"


@app.command()
def optimize(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the tables and report")] = Path(
        "out/design"
    ),
    objective: Annotated[Objective, typer.Option(help="What to maximise")] = Objective.cost,
    co2_weight: Annotated[
        float, typer.Option(help="Currency per t CO2e for --objective weighted")
    ] = 0.0,
    carbon_price: Annotated[
        float | None, typer.Option(help="Carbon price, currency per t CO2e")
    ] = None,
    landfill_tax: Annotated[float | None, typer.Option(help="Landfill tax, currency per t")] = None,
    time_slices: Annotated[
        Slices, typer.Option(help="none, monthly or days (representative days)")
    ] = Slices.none,
    pareto: Annotated[
        int, typer.Option(help="Also trace the money-CO2e Pareto front with N points")
    ] = 0,
    max_km: Annotated[
        float | None, typer.Option("--max-km", help="Cap transport distances (km)")
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds per solve")] = 120.0,
    mip_gap: Annotated[float, typer.Option(help="Relative MIP gap to stop at")] = 1e-4,
) -> None:
    """Design the network: which exchanges to build and how much to send, by MILP (HiGHS)."""
    from symbiograph.assess import assess_design, compare_with_published, indicator_table
    from symbiograph.match import MatchSettings, find_candidates
    from symbiograph.optimize import (
        DesignSettings,
        InfeasibleDesign,
        design_network,
        pareto_front,
        review_documented,
    )
    from symbiograph.report import write_design_report

    network = _network_from(file, dataset)
    if carbon_price is not None:
        network.parameters["carbon_price"] = carbon_price
    if landfill_tax is not None:
        network.parameters["landfill_tax"] = landfill_tax
    console = _console()
    with _step(console, "matched supplies and demands"):
        candidates = find_candidates(network, MatchSettings(max_km=max_km)).candidates
    settings = DesignSettings(
        objective=objective.value,
        co2_weight=co2_weight,
        time_slices=time_slices.value,
        time_limit_s=time_limit,
        mip_gap=mip_gap,
    )
    try:
        with _step(console, f"designed the network from {len(candidates):,} candidates"):
            solution = design_network(network, candidates, settings)
    except InfeasibleDesign as err:
        _fail(str(err), EXIT_INVALID)
    front = None
    if pareto:
        with _step(console, f"traced the Pareto front ({pareto} points)"):
            front = pareto_front(network, candidates, points=pareto, settings=settings)
    assessment = assess_design(network, candidates, solution)
    paths = write_design_report(
        network,
        solution,
        out,
        pareto=front,
        objective_name=objective.value,
        indicators=indicator_table(assessment, solution.flows),
        comparison=compare_with_published(network, assessment)
        if len(network.published_figures)
        else None,
        review=review_documented(network.exchanges, candidates, solution)
        if len(network.exchanges)
        else None,
    )
    currency = network.parameters.get("currency", "EUR")
    console.print(
        f"[green]✓[/] {int(solution.flows['built'].sum())} exchanges built · net benefit "
        f"{solution.net_benefit:,.0f} {currency}/yr · {solution.co2e_avoided_t:,.0f} t CO2e/yr "
        f"avoided · status {solution.status}, gap {solution.mip_gap:.2%}"
    )
    console.print(Text(f"report: {paths['report']}"))


def _method_summary(allocation: Any, stability: Any, total: float) -> list[dict[str, str]]:
    """One row per allocation method: in the core?, does it add up to the total gain, the
    largest gain of a defecting coalition, the smallest and largest share, and which
    coalitions were checked."""
    import pandas as pd

    rows = []
    for m in allocation.columns:
        mine = stability[stability["method"] == m]
        worst = mine["gain"].max()
        rows.append(
            {
                "method": m,
                "in_core": str(mine["in_core"].iloc[0]) if len(mine) else "",
                "sum": f"{allocation[m].sum():,.0f}",
                "efficient": str(
                    bool(abs(allocation[m].sum() - total) <= 1e-6 * max(abs(total), 1.0))
                ),
                "worst_gain": "0" if pd.isna(worst) else f"{worst:,.0f}",
                "smallest": f"{allocation[m].min():,.0f}",
                "largest": f"{allocation[m].max():,.0f}",
                "checked": str(mine["checked"].iloc[0]) if len(mine) else "",
            }
        )
    return rows


class Method(StrEnum):
    """Allocation methods of ``allocate``."""

    shapley = "shapley"
    sampled_shapley = "sampled-shapley"
    nucleolus = "nucleolus"
    dual = "dual"
    equal = "equal"
    proportional = "proportional"


@app.command()
def allocate(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario: a .yaml file, .xlsx workbook or CSV folder")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="A shipped dataset instead")] = None,
    method: Annotated[Method, typer.Option(help="Allocation to settle")] = Method.shapley,
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
    check covers single participants and linked pairs."""
    from symbiograph.match import find_candidates
    from symbiograph.optimize import DesignSettings, design_network

    if not 0 < ci_share < 1:
        _fail(f"--ci-share must be between 0 and 1, not {ci_share}", EXIT_USAGE)
    network = _network_from(file, dataset)
    console = _console()
    settings = DesignSettings(carbon_price=carbon_price, landfill_tax=landfill_tax)
    with _step(console, "matched and designed the network"):
        candidates = find_candidates(network).candidates
        design = design_network(network, candidates, settings)
    _share_gain(network, candidates, design, method, out, seed, ci_share, console, settings)


def _share_gain(
    network: Any,
    candidates: Any,
    design: Any,
    method: Method,
    out: Path,
    seed: int,
    ci_share: float,
    console: Console,
    settings: Any = None,
) -> Any:
    """Allocate the designed network's gain (``allocate``'s work): shares by every method,
    their stability, the settlement of ``method`` and the report, written to ``out``; the
    coalition values use ``settings`` (DesignSettings: policy levers) like the design did.
    Returns the stability table."""
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go
    import plotly.offline

    from symbiograph.allocate import (
        CoalitionGame,
        defecting_coalitions,
        defecting_pairs,
        dual_allocation,
        in_core,
        nucleolus,
        proportional,
        settle,
    )
    from symbiograph.optimize import DesignSettings
    from symbiograph.report._html import _environment, _figure_div, _records

    with _step(console, "built the coalition game from the design model's parts"):
        game = CoalitionGame(network, candidates, settings or DesignSettings())
    n = game.n
    table = n <= 16  # the 2**n table for the nucleolus and the core
    largest = max((p.n for p in game.parts), default=0)
    shares: dict[str, Any] = {}
    values = None
    if table:
        with _step(console, f"valued all {2**n:,} coalitions of {n} participants"):
            values = game.values()
        total = float(values[-1])
    else:
        total = game.value((1 << n) - 1)
    intervals = None
    if largest <= 20:
        with _step(console, f"Shapley values over {len(game.parts)} independent parts"):
            shares["shapley"] = game.shapley()
    if method is Method.sampled_shapley or largest > 20:
        with _step(console, "sampled Shapley values"):
            estimate, halfwidth, used = game.shapley_sampled(
                seed=seed, target_halfwidth=ci_share / 2 * abs(total)
            )
        shares["sampled-shapley"] = estimate
        intervals = pd.DataFrame(
            {"estimate": estimate, "halfwidth95": halfwidth, "permutations": used},
            index=pd.Index(game.players, name="participant"),
        )
    if values is not None:
        with _step(console, "nucleolus"):
            shares["nucleolus"] = nucleolus(values)
    shares["dual"] = dual_allocation(game).to_numpy()
    shares["equal"] = np.full(n, total / n) if n else np.zeros(0)
    volume = (
        pd.concat(
            [
                design.flows.groupby("supply_organisation")["flow"].sum(),
                design.flows.groupby("demand_organisation")["flow"].sum(),
            ]
        )
        .groupby(level=0)
        .sum()
        .reindex(game.players)
        .fillna(0.0)
    )
    shares["proportional"] = proportional(volume.to_numpy() + 1e-12, total)
    standalone = np.array([game.value(1 << i) for i in range(n)])
    if standalone.sum() > 0:
        shares["stand-alone"] = proportional(standalone, total)
    chosen = method.value if method.value in shares else "shapley"
    if chosen not in shares:
        chosen = "sampled-shapley"
    allocation = pd.DataFrame({m: s for m, s in shares.items()}, index=game.players)
    stability_rows = []
    for m in allocation.columns:
        x = allocation[m].to_numpy()
        if values is not None:
            inside: Any = in_core(values, x, 1e-6)
            defect = defecting_coalitions(values, x, top=3, players=game.players)
            checked = "all coalitions"
        else:
            defect = defecting_pairs(game, x)
            inside = "" if defect.empty else False
            checked = "single participants and linked pairs"
        for row in defect.to_dict("records") or [{}]:  # a stable allocation: one empty row
            stability_rows.append(
                {
                    "method": m,
                    "in_core": inside,
                    "checked": checked,
                    "coalition": ", ".join(map(str, row.get("members", []))),
                    "value": row.get("value", np.nan),
                    "allocated": row.get("allocated", np.nan),
                    "gain": row.get("gain", np.nan),
                }
            )
    stability = pd.DataFrame(stability_rows)
    settlement = settle(design.flows, design.participants, allocation[chosen])
    out.mkdir(parents=True, exist_ok=True)
    allocation.rename_axis("participant").to_csv(out / "allocation.csv")
    if intervals is not None:
        intervals.to_csv(out / "sampled_intervals.csv")
    stability.to_csv(out / "stability.csv", index=False)
    settlement.to_csv(out / "settlement.csv", index=False)
    currency = str(network.parameters.get("currency", "EUR"))
    # sampled Shapley carries its 95% intervals as error bars
    chart = go.Figure(
        [
            go.Bar(
                name=m,
                x=game.players,
                y=allocation[m],
                error_y=(
                    {"type": "data", "array": intervals["halfwidth95"].to_numpy()}
                    if m == "sampled-shapley" and intervals is not None
                    else None
                ),
            )
            for m in allocation.columns
        ]
    )
    chart.update_layout(barmode="group", yaxis_title=f"{currency}/yr", height=480)
    shown = allocation.map(lambda v: f"{v:,.0f}").rename_axis("participant").reset_index()
    html = (
        _environment()
        .get_template("allocation_report.html.j2")
        .render(
            title=f"symbiograph fair shares: {network.parameters.get('name', 'scenario')}",
            scenario=network.parameters.get("name", "scenario"),
            players=n,
            total=f"{total:,.0f}",
            currency=currency,
            method=chosen,
            plotlyjs=plotly.offline.get_plotlyjs(),
            chart_div=_figure_div(chart, "allocation-chart"),
            methods=list(allocation.columns),
            allocation=_records(shown),
            stability=_records(
                stability.assign(
                    **{
                        c: stability[c].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
                        for c in ("value", "allocated", "gain")
                    }
                )
            )
            if len(stability)
            else [],
            summary=_method_summary(allocation, stability, total),
            intervals=(
                f"widest 95% interval {2 * intervals['halfwidth95'].max():,.0f} {currency}/yr "
                f"({2 * intervals['halfwidth95'].max() / max(abs(total), 1e-9):.2%} of the total) "
                f"after {int(intervals['permutations'].iloc[0]):,} permutations"
                if intervals is not None
                else ""
            ),
            settlement=_records(
                settlement.assign(
                    flow=settlement["flow"].map("{:,.0f}".format),
                    payment_per_yr=settlement["payment_per_yr"].map("{:,.0f}".format),
                    price_per_unit=settlement["price_per_unit"].map("{:,.2f}".format),
                )
            ),
        )
    )
    (out / "report.html").write_text(html, encoding="utf-8")
    console.print(
        Text(
            f"✓ shares of {total:,.0f} {currency}/yr among {n} participants by "
            f"{', '.join(allocation.columns)}; settled by {chosen}; {game.solves} coalition "
            f"solves -> {out / 'report.html'}"
        )
    )
    return stability
