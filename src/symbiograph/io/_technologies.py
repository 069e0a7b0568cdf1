"""Technology sites: where a technology of the shipped catalogue may be built.

Each row of ``technology_sites`` becomes, when the scenario is read, a candidate process
of its facility (``processes`` row with ``technology_id``, sized by the design between its
smallest and largest size), its ports (``process_ports``) and one stream per stream port,
``<site>.<port>``: a supply for an output (no disposal price: it is new), a demand for an
input (no market price: what arrives goes through the plant). Market inputs (electricity,
water, heat bought at the site's ``market_prices``) are running cost per unit of activity
and their emission factor the process's CO2e per unit. Costs of the catalogue are converted
to the scenario currency at its ``exchange_rates``. :func:`authored` gives the network back
as the user wrote it (the generated rows left out), for the writers.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.io._problems import Problem, TableOrigin
from symbiograph.model import Network, attributes, column_dtype, exchange_rates

__all__ = ["authored", "site_technologies"]


def _pairs(text: str) -> tuple[dict[str, str], str | None]:
    """``a=b;c=d`` as a dict, or the first malformed item as the second value."""
    found: dict[str, str] = {}
    for item in filter(None, (s.strip() for s in str(text or "").split(";"))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            return found, item
        found[key.strip()] = value.strip()
    return found, None


def _frame(table: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows of ``table`` with the schema's columns and dtypes; fields not given take the
    schema default ("" for text, NaN for numbers)."""
    columns: dict[str, pd.Series] = {}
    for a in attributes(table):
        values = [r.get(a.name) for r in records]
        if a.type in ("str", "code"):
            values = [a.default if v is None else v for v in values]
        elif a.type == "bool":
            values = [(a.default.lower() == "true") if v is None else bool(v) for v in values]
        elif a.type == "int":
            values = [pd.NA if v is None else v for v in values]
        else:
            values = [np.nan if v is None else float(v) for v in values]
        columns[a.name] = pd.Series(values, dtype=column_dtype(a.type))
    return pd.DataFrame(columns)


def site_technologies(
    sites: pd.DataFrame,
    origin: TableOrigin,
    tables: dict[str, pd.DataFrame],
    params: dict[str, Any],
    add: Callable[[Problem], None],
) -> dict[str, pd.DataFrame]:
    """``tables`` (streams, stream_quality, processes, process_ports already checked) with
    the rows of each technology site (see the module); each problem of a site row goes to
    ``add`` naming its row and field. Sites whose row has a problem add nothing."""
    from symbiograph.taxonomy import emission_factors, technologies, technology_ports

    if not len(sites):
        return {}
    catalogue = technologies().set_index("id")
    all_ports = technology_ports()
    factors = emission_factors().set_index("id")["kg_co2e_per_unit"]
    resources = tables["resources"].drop_duplicates("id").set_index("id")["unit"]
    facilities = set(tables["facilities"]["id"])
    taken_streams = set(tables["streams"]["id"])
    taken_processes = set(tables["processes"]["id"])
    currency = str(params.get("currency", "EUR")).upper()
    try:
        rates = exchange_rates(str(params.get("exchange_rates", "") or ""))
    except ValueError:
        rates = {}  # the parameter's own check reports it
    streams: list[dict[str, Any]] = []
    quality: list[dict[str, Any]] = []
    processes: list[dict[str, Any]] = []
    ports: list[dict[str, Any]] = []
    for pos in range(len(sites)):
        row = sites.iloc[pos]
        site = str(row["id"])
        problems: list[tuple[str, str]] = []

        def bad(field: str, message: str, found: list[tuple[str, str]] = problems) -> None:
            found.append((field, message))

        tech_id = str(row["technology_id"])
        if tech_id not in catalogue.index:
            known = ", ".join(catalogue.index)
            bad("technology_id", f"unknown technology {tech_id!r} (the catalogue has: {known})")
        if row["facility_id"] not in facilities:
            bad("facility_id", f"unknown facility {row['facility_id']!r}")
        if site in taken_processes:
            bad("id", f"a process with id {site!r} exists already; a site becomes one")
        if problems or tech_id not in catalogue.index:
            for field, message in problems:
                add(Problem(origin.file, message, origin.sheet, origin.row(pos), field))
            continue
        tech = catalogue.loc[tech_id]
        tech_ports = all_ports[all_ports["technology_id"] == tech_id]

        def value(
            field: str,
            catalogue_field: str,
            money: bool = False,
            row: pd.Series = row,
            tech: pd.Series = tech,
        ) -> float:
            given = float(row[field]) if field in row.index else math.nan
            if not math.isnan(given):
                return given
            base = float(tech[catalogue_field])
            if not money or base == 0 or currency == str(tech["currency"]).upper():
                return base
            rate = rates.get(str(tech["currency"]).upper())
            if rate is None:
                bad(
                    field,
                    f"the catalogue gives it in {tech['currency']} and the scenario is in "
                    f"{currency}: give the site's own {field} or the parameter exchange_rates "
                    f"({tech['currency']}=<{currency} per {tech['currency']}>)",
                )
                return math.nan
            return base * rate

        largest = float(row["max_capacity"])
        if not largest > 0:
            bad("max_capacity", f"max_capacity must be more than 0, not {largest:g}")
        smallest = value("min_capacity", "min_capacity")
        if smallest > largest:
            bad(
                "min_capacity",
                f"min_capacity {smallest:g} is more than max_capacity {largest:g} "
                f"{tech['capacity_unit']}",
            )
        per_year = str(tech["capacity_unit"]) == str(tech["activity_unit"])
        hours = 1.0 if per_year else value("full_load_hours", "full_load_hours")
        if per_year and not math.isnan(float(row["full_load_hours"])):
            bad(
                "full_load_hours",
                f"{tech_id} is sized in {tech['capacity_unit']} of activity: it has no "
                "full-load hours",
            )
        if not hours > 0:
            bad("full_load_hours", f"full_load_hours must be more than 0, not {hours:g}")
        capex_unit = value("capex_per_capacity", "capex_per_capacity", money=True)
        capex_fixed = value("capex_fixed", "capex_fixed", money=True)
        fixed_om = value("fixed_om_per_capacity", "fixed_om_per_capacity", money=True)
        variable = value("variable_cost", "variable_cost", money=True)
        life = value("lifetime_years", "lifetime_years")
        if not life > 0:
            bad("lifetime_years", f"lifetime_years must be more than 0, not {life:g}")

        mapping, broken = _pairs(str(row["resources"]))
        if broken is not None:
            bad("resources", f"{broken!r} is not port=resource_id (e.g. heat=district_heat)")
        prices_text, broken = _pairs(str(row["market_prices"]))
        if broken is not None:
            bad("market_prices", f"{broken!r} is not port=price (e.g. electricity=80)")
        stream_ports = tech_ports[tech_ports["role"] == "stream"]
        market_ports = tech_ports[tech_ports["role"] == "market"]
        for port in mapping:
            if port not in set(stream_ports["port"]):
                bad(
                    "resources",
                    f"{tech_id} has no stream port {port!r} (its stream ports: "
                    f"{', '.join(stream_ports['port'])})",
                )
        prices: dict[str, float] = {}
        for port, text in prices_text.items():
            if port not in set(market_ports["port"]):
                listed = ", ".join(market_ports["port"]) or "none"
                bad("market_prices", f"{tech_id} buys no {port!r} (its market inputs: {listed})")
                continue
            try:
                price = float(text)
            except ValueError:
                price = math.nan
            if not math.isfinite(price) or price < 0:
                bad("market_prices", f"the price of {port} must be a number >= 0, not {text!r}")
            prices[port] = price
        for port in market_ports["port"]:
            if port not in prices_text:
                unit = market_ports.set_index("port").loc[port, "unit"].split("/")[0]
                bad(
                    "market_prices",
                    f"{tech_id} buys {port}: give its price per {unit} "
                    f"(market_prices={port}=<{currency} per {unit}>)",
                )
        activity = largest * hours
        plan_ports: list[dict[str, Any]] = []
        for _, p in stream_ports.iterrows():
            resource = mapping.get(p["port"], p["port"])
            if resource == "-":
                if p["direction"] == "in":
                    bad("resources", f"the input {p['port']!r} of {tech_id} cannot be left out")
                continue
            if resource not in resources.index:
                bad(
                    "resources",
                    f"port {p['port']!r} of {tech_id} carries resource {resource!r}, which the "
                    f"scenario's resources do not define (add it, map the port with "
                    f"{p['port']}=<resource id>"
                    + (
                        ", or leave the output out with " + f"{p['port']}=-)"
                        if p["direction"] == "out"
                        else ")"
                    ),
                )
                continue
            if resources[resource] != p["unit"]:
                bad(
                    "resources",
                    f"port {p['port']!r} of {tech_id} is in {p['unit']}, resource {resource!r} "
                    f"in {resources[resource]}",
                )
                continue
            stream_id = f"{site}.{p['port']}"
            if stream_id in taken_streams:
                bad("id", f"stream {stream_id!r} exists already; the site's streams take that id")
                continue
            plan_ports.append({**p.to_dict(), "resource": resource, "stream_id": stream_id})
        if not any(p["direction"] == "out" for p in plan_ports) and not problems:
            bad("resources", f"every output of {tech_id} is left out: the site makes nothing")
        if problems:
            for field, message in problems:
                add(Problem(origin.file, message, origin.sheet, origin.row(pos), field))
            continue

        bought = [
            (str(p["port"]), float(p["ratio"]), prices[str(p["port"])], str(p["factor_id"]))
            for _, p in market_ports.iterrows()
        ]
        co2e = sum(
            ratio * float(factors.get(factor, 0.0)) / 1000.0 for _, ratio, _, factor in bought
        )
        buys = "; ".join(
            f"buys {ratio:g} {port} per unit at {price:g} {currency}"
            for port, ratio, price, _ in bought
        )
        processes.append(
            {
                "id": site,
                "facility_id": row["facility_id"],
                "name": str(tech["name"]),
                "unit": str(tech["activity_unit"]),
                "capacity": activity,
                "operating_cost": variable + sum(r * p for _, r, p, _ in bought),
                "status": "candidate",
                "capex": capex_fixed,
                "lifetime_years": life,
                "source_id": row["source_id"],
                "note": f"technology {tech_id} of the shipped catalogue, sited by technology_sites"
                + (f"; {buys}" if buys else ""),
                "capex_per_capacity": capex_unit / hours,
                "fixed_cost_per_capacity": fixed_om / hours,
                "min_capacity": smallest * hours,
                "co2e_t_per_unit": co2e,
                "technology_id": tech_id,
            }
        )
        for p in plan_ports:
            out = p["direction"] == "out"
            streams.append(
                {
                    "id": p["stream_id"],
                    "facility_id": row["facility_id"],
                    "resource_id": p["resource"],
                    "direction": "supply" if out else "demand",
                    "quantity": activity * float(p["ratio"]),
                    "price": 0.0 if out else None,
                    "disposal_route": "none" if out else "",
                    "source_id": row["source_id"],
                    "note": f"{'made' if out else 'taken'} by technology site {site} ({tech_id})",
                }
            )
            ports.append(
                {
                    "process_id": site,
                    "stream_id": p["stream_id"],
                    "direction": p["direction"],
                    "ratio": float(p["ratio"]),
                }
            )
            spec, _ = _pairs(str(p["quality"]))
            for attribute, text in spec.items():
                quality.append(
                    {"stream_id": p["stream_id"], "attribute": attribute, "value": float(text)}
                )
    if not processes:
        return {}

    def joined(table: str, records: list[dict[str, Any]]) -> pd.DataFrame:
        return pd.concat([tables[table], _frame(table, records)], ignore_index=True)

    return {
        "streams": joined("streams", streams),
        "stream_quality": joined("stream_quality", quality),
        "processes": joined("processes", processes),
        "process_ports": joined("process_ports", ports),
    }


def authored(network: Network) -> Network:
    """``network`` without the rows its technology sites generate (their processes, ports,
    streams and stream quality): the scenario as written, which reading expands again."""
    sites = network.technology_sites
    if not len(sites):
        return network
    generated = network.processes["id"].isin(sites["id"]) & (
        network.processes["technology_id"] != ""
    )
    ids = set(network.processes.loc[generated, "id"])
    ports = network.process_ports["process_id"].isin(ids)
    streams = set(network.process_ports.loc[ports, "stream_id"])
    keep = lambda frame, mask: frame[~mask.to_numpy()].reset_index(drop=True)  # noqa: E731
    return dataclasses.replace(
        network,
        processes=keep(network.processes, generated),
        process_ports=keep(network.process_ports, ports),
        streams=keep(network.streams, network.streams["id"].isin(streams)),
        stream_quality=keep(
            network.stream_quality, network.stream_quality["stream_id"].isin(streams)
        ),
    )
