"""Summary figures of a Network: counts, quantities per resource kind, facility and flow tables.

Everything here is computed from the Network's own tables, in canonical units (material
t/yr, energy MWh/yr, water m3/yr; a utility carries the unit of its resource), so every
number in a report can be recomputed from the report's data.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.access import SHARED, Viewer, band_label, hidden_rows, hidden_streams
from symbiograph.model import Network, attributes
from symbiograph.report._format import number

__all__ = [
    "DIRECTIONS",
    "KINDS",
    "STATUSES",
    "exchange_flows",
    "facility_table",
    "network_summary",
    "plain",
    "quantity_label",
    "quantity_text",
    "summary_tables",
]


def _choices(table: str, name: str) -> tuple[str, ...]:
    return next(a.choices for a in attributes(table) if a.name == name)


#: Resource kinds, stream directions and exchange statuses in schema order.
KINDS: tuple[str, ...] = _choices("resources", "kind")
DIRECTIONS: tuple[str, ...] = _choices("streams", "direction")
STATUSES: tuple[str, ...] = _choices("exchanges", "status")


def plain(value: Any) -> Any:
    """A JSON-serialisable Python value: numpy scalars unwrapped, NaN and <NA> as None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def quantity_label(quantity: float, unit: str) -> str:
    """A quantity with its unit for display, e.g. ``"150,000 t/yr"`` (``"n/a"`` when NaN)."""
    if quantity is None or not math.isfinite(quantity):
        return "n/a"
    return f"{number(quantity, None if quantity != 0 and abs(quantity) < 10 else 0)} {unit}"


def quantity_text(quantity: float, unit: str, confidential: bool) -> str:
    """:func:`quantity_label`, or the quantity's band (``"10,000 to 20,000 t/yr"``) when it is
    confidential to the viewer (see ``symbiograph.access``)."""
    if confidential and quantity is not None and math.isfinite(quantity):
        return band_label(quantity, unit)
    return quantity_label(quantity, unit)


def _streams(network: Network) -> pd.DataFrame:
    """Streams with their resource's name, kind and unit."""
    resources = network.resources.drop_duplicates("id").set_index("id")
    streams = network.streams.copy()
    for col in ("name", "kind", "unit"):
        streams[f"resource_{col}"] = streams["resource_id"].map(resources[col]).fillna("")
    return streams


def exchange_flows(
    network: Network, status: str | None = None, viewer: Viewer = SHARED
) -> pd.DataFrame:
    """Exchanges with their supplying and receiving facility and their resource.

    Columns: id, status, supplier_id, supplier, receiver_id, receiver, resource, kind,
    quantity (canonical unit of the supply's resource), unit, mode, source_id, confidential
    (True if an end is a confidential stream ``viewer`` may not see: show the quantity as a
    band, never as given here). Filtered to ``status`` when given.
    """
    streams = _streams(network).drop_duplicates("id").set_index("id")
    names = network.facilities.drop_duplicates("id").set_index("id")["name"]
    ex = network.exchanges
    if status is not None:
        ex = ex[ex["status"] == status]
    supplier = ex["supply_id"].map(streams["facility_id"])
    receiver = ex["demand_id"].map(streams["facility_id"])
    flows = pd.DataFrame(
        {
            "id": ex["id"].to_numpy(dtype=object),
            "status": ex["status"].to_numpy(dtype=object),
            "supplier_id": supplier.to_numpy(dtype=object),
            "supplier": supplier.map(names).to_numpy(dtype=object),
            "receiver_id": receiver.to_numpy(dtype=object),
            "receiver": receiver.map(names).to_numpy(dtype=object),
            "resource": ex["supply_id"].map(streams["resource_name"]).to_numpy(dtype=object),
            "kind": ex["supply_id"].map(streams["resource_kind"]).to_numpy(dtype=object),
            "quantity": ex["quantity"].to_numpy(dtype=float),
            "unit": ex["supply_id"].map(streams["resource_unit"]).to_numpy(dtype=object),
            "mode": ex["mode"].to_numpy(dtype=object),
            "source_id": ex["source_id"].to_numpy(dtype=object),
            "confidential": hidden_rows(ex, hidden_streams(network, viewer)),
        }
    )
    return flows


def _kind_keys(frame: pd.DataFrame, kind: str, unit: str) -> pd.Series:
    """Key of each row for per-kind totals: the kind, or ``"kind (unit)"`` when a kind is
    measured in several units in this network (a utility may be t/yr, MWh/yr or m3/yr)."""
    units_per_kind = frame.groupby(kind)[unit].nunique()
    mixed = frame[kind].map(units_per_kind).fillna(0).to_numpy() > 1
    label = frame[kind].astype(object).where(~mixed, frame[kind] + " (" + frame[unit] + ")")
    return label.astype(object)


def _quantities(network: Network, viewer: Viewer = SHARED) -> pd.DataFrame:
    """Supplied, demanded and exchanged (existing exchanges) quantity per kind and unit, and
    whether a figure hidden from ``viewer`` adds to each (``*_confidential``)."""
    streams = _streams(network)
    streams["confidential"] = streams["id"].isin(hidden_streams(network, viewer)).to_numpy()
    flows = exchange_flows(network, "existing", viewer)
    rows = pd.concat(
        [
            streams[["resource_kind", "resource_unit"]].set_axis(["kind", "unit"], axis=1),
            flows[["kind", "unit"]],
        ],
        ignore_index=True,
    ).drop_duplicates()
    rows = rows[rows["kind"].notna() & (rows["kind"] != "")]
    order = {k: i for i, k in enumerate(KINDS)}
    rows = rows.assign(_order=rows["kind"].map(order).fillna(len(order)))
    rows = rows.sort_values(["_order", "unit"]).drop(columns="_order").reset_index(drop=True)
    rows["key"] = _kind_keys(rows, "kind", "unit").to_numpy()

    def total(frame: pd.DataFrame, kind: str, unit: str, column: str = "quantity") -> pd.Series:
        sums = frame.groupby([kind, unit])[column].sum(min_count=0)
        return pd.Series(
            [float(sums.get((k, u), 0.0)) for k, u in zip(rows["kind"], rows["unit"], strict=True)],
            dtype=float,
        )

    supplies = streams[streams["direction"] == "supply"]
    demands = streams[streams["direction"] == "demand"]
    rows["supplied"] = total(supplies, "resource_kind", "resource_unit")
    rows["demanded"] = total(demands, "resource_kind", "resource_unit")
    rows["exchanged"] = total(flows, "kind", "unit")
    # a total a hidden figure adds to is shown as a band (else subtraction gives it away)
    hidden = {
        "supplied": (supplies, "resource_kind", "resource_unit"),
        "demanded": (demands, "resource_kind", "resource_unit"),
        "exchanged": (flows, "kind", "unit"),
    }
    for name, (frame, kind, unit) in hidden.items():
        tainted = frame.assign(
            _t=frame["confidential"].to_numpy(dtype=bool)
            & (frame["quantity"].fillna(0.0).to_numpy() != 0)
        )
        rows[f"{name}_confidential"] = total(tainted, kind, unit, "_t").to_numpy() > 0
    missing = flows[flows["quantity"].isna()].groupby(["kind", "unit"]).size()
    rows["exchanges_without_quantity"] = [
        int(missing.get((k, u), 0)) for k, u in zip(rows["kind"], rows["unit"], strict=True)
    ]
    return rows[
        [
            "key",
            "kind",
            "unit",
            "supplied",
            "demanded",
            "exchanged",
            "exchanges_without_quantity",
            "supplied_confidential",
            "demanded_confidential",
            "exchanged_confidential",
        ]
    ]


def _list_streams(frame: pd.DataFrame, footnotes: Any = None) -> str:
    parts = [
        f"{name or rid} {quantity_text(q, unit, hidden)}"
        + (footnotes.text(footnotes.refs([sid])) if footnotes is not None else "")
        for name, rid, q, unit, hidden, sid in zip(
            frame["resource_name"],
            frame["resource_id"],
            frame["quantity"],
            frame["resource_unit"],
            frame["confidential"],
            frame["id"],
            strict=True,
        )
    ]
    return "; ".join(parts)


def facility_table(
    network: Network, viewer: Viewer = SHARED, footnotes: Any = None
) -> pd.DataFrame:
    """One row per facility: id, name, organisation, nace_code, lat, lon, supplies, demands.

    ``supplies`` and ``demands`` list the facility's streams as text, e.g.
    ``"Fly ash 30,000 t/yr; Surplus heat 250,000 MWh/yr"`` (a stream confidential to
    ``viewer`` with its band: ``"Fly ash 20,000 to 50,000 t/yr"``). With ``footnotes`` (a
    ``report._notes.Footnotes``), a stream whose note marks an ESTIMATE or a PLACEHOLDER
    carries its marker (``"Fly ash 30,000 t/yr [E1]"``).
    """
    streams = _streams(network)
    streams["confidential"] = streams["id"].isin(hidden_streams(network, viewer)).to_numpy()
    text: dict[str, dict[str, str]] = {d: {} for d in DIRECTIONS}
    for (facility, direction), group in streams.groupby(["facility_id", "direction"], sort=True):
        text.setdefault(str(direction), {})[str(facility)] = _list_streams(group, footnotes)
    fac = network.facilities
    return pd.DataFrame(
        {
            "id": fac["id"].to_numpy(dtype=object),
            "name": fac["name"].to_numpy(dtype=object),
            "organisation": fac["organisation"].to_numpy(dtype=object),
            "nace_code": fac["nace_code"].to_numpy(dtype=object),
            "lat": fac["lat"].to_numpy(dtype=float),
            "lon": fac["lon"].to_numpy(dtype=float),
            "supplies": [text["supply"].get(f, "") for f in fac["id"]],
            "demands": [text["demand"].get(f, "") for f in fac["id"]],
        }
    )


def _count_by(values: pd.Series, keys: tuple[str, ...]) -> dict[str, int]:
    """Counts per key, listing every schema choice (zero when absent) and any other value."""
    counts = values.value_counts()
    out = {k: int(counts.get(k, 0)) for k in keys}
    for key, n in counts.items():
        if str(key) not in out:
            out[str(key)] = int(n)
    return out


def network_summary(network: Network, viewer: Viewer = SHARED) -> dict[str, Any]:
    """The headline figures of a network as a JSON-serialisable dict.

    Keys: ``scenario`` (name), ``parameters``, ``counts`` (facilities, organisations,
    resources, streams, supplies, demands, exchanges, sources), ``streams_by_direction``,
    ``streams_by_kind`` ({kind: {supply, demand, total}}), ``resources_by_kind``,
    ``exchanges_by_status``, and per resource kind (a kind measured in several units, which
    only a utility can be, is keyed ``"kind (unit)"``): ``units``, ``supplied``,
    ``demanded`` (sum of stream quantities) and ``exchanged`` (sum over *existing*
    exchanges), all per year in canonical units (t/yr, MWh/yr, m3/yr), plus
    ``exchanges_without_quantity`` (existing exchanges whose quantity is not documented).
    A total to which a stream confidential to ``viewer`` adds is its band as text
    (``"10,000 to 20,000"``, see ``symbiograph.access``); ``disclosure`` says which.
    """
    streams = _streams(network)
    facilities = network.facilities
    organisations = facilities["organisation"][facilities["organisation"] != ""]
    quantities = _quantities(network, viewer)
    for name in ("supplied", "demanded", "exchanged"):
        quantities[name] = [
            band_label(v) if hidden else v
            for v, hidden in zip(quantities[name], quantities[f"{name}_confidential"], strict=True)
        ]
    by_kind: dict[str, dict[str, int]] = {}
    kinds = [k for k in KINDS if k in set(streams["resource_kind"])] + sorted(
        set(streams["resource_kind"]) - set(KINDS)
    )
    for kind in kinds:
        directions = streams.loc[streams["resource_kind"] == kind, "direction"]
        counts = _count_by(directions, DIRECTIONS)
        counts["total"] = len(directions)
        by_kind[str(kind)] = counts
    keys = list(quantities["key"])
    summary = {
        "scenario": network.parameters.get("name", ""),
        "parameters": dict(network.parameters),
        "counts": {
            "facilities": len(facilities),
            "organisations": int(organisations.nunique()),
            "resources": len(network.resources),
            "streams": len(streams),
            "supplies": int((streams["direction"] == "supply").sum()),
            "demands": int((streams["direction"] == "demand").sum()),
            "exchanges": len(network.exchanges),
            "sources": len(network.sources),
        },
        "streams_by_direction": _count_by(streams["direction"], DIRECTIONS),
        "streams_by_kind": by_kind,
        "resources_by_kind": _count_by(network.resources["kind"], KINDS),
        "exchanges_by_status": _count_by(network.exchanges["status"], STATUSES),
        "units": dict(zip(keys, quantities["unit"], strict=True)),
        "supplied": dict(zip(keys, quantities["supplied"], strict=True)),
        "demanded": dict(zip(keys, quantities["demanded"], strict=True)),
        "exchanged": dict(zip(keys, quantities["exchanged"], strict=True)),
        "exchanges_without_quantity": dict(
            zip(keys, quantities["exchanges_without_quantity"], strict=True)
        ),
        "disclosure": _disclosure(network, viewer),
    }
    result: dict[str, Any] = plain(summary)
    return result


def _disclosure(network: Network, viewer: Viewer) -> str:
    """What an output shows of the confidential streams, in words."""
    if viewer.full:
        return "full: confidential values included, for the analyst only; do not share"
    hidden = len(hidden_streams(network, viewer))
    return f"shared: {hidden} confidential stream(s) shown as bands, never as values"


def summary_tables(network: Network, viewer: Viewer = SHARED) -> dict[str, pd.DataFrame]:
    """The summary as tables for display.

    ``counts`` (item, count), ``streams_by_kind`` (kind, supply, demand, total),
    ``exchanges_by_status`` (status, count), ``quantities`` (kind, unit, supplied, demanded,
    exchanged per year in canonical units), ``facilities`` (see :func:`facility_table`),
    ``exchanges`` (every exchange, see :func:`exchange_flows`), ``sources`` and
    ``parameters`` (name, value). Rows confidential to ``viewer`` are flagged
    (``confidential`` in exchanges, ``*_confidential`` in quantities) for display as bands.
    """
    summary = network_summary(network, viewer)
    streams_by_kind = pd.DataFrame(
        [{"kind": kind, **counts} for kind, counts in summary["streams_by_kind"].items()],
        columns=["kind", *DIRECTIONS, "total"],
    )
    quantities = _quantities(network, viewer)
    return {
        "parameters": pd.DataFrame(
            {
                "name": list(summary["parameters"]),
                "value": [str(v) for v in summary["parameters"].values()],
            }
        ),
        "counts": pd.DataFrame(
            {"item": list(summary["counts"]), "count": list(summary["counts"].values())}
        ),
        "streams_by_kind": streams_by_kind,
        "exchanges_by_status": pd.DataFrame(
            {
                "status": list(summary["exchanges_by_status"]),
                "count": list(summary["exchanges_by_status"].values()),
            }
        ),
        "quantities": quantities.drop(columns="key"),
        "facilities": facility_table(network, viewer),
        "exchanges": exchange_flows(network, viewer=viewer),
        "sources": network.sources[["id", "citation", "year", "url", "note"]].copy(),
    }
