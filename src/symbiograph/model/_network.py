"""The Network: facilities, resources, streams and exchanges as columnar tables keyed by id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from symbiograph.model._schema import TABLES, attributes

__all__ = ["Network", "column_dtype", "default_parameters", "empty_table"]


def column_dtype(kind: str) -> Any:
    """The pandas dtype used inside a Network for an attribute type."""
    if kind in ("float", "quantity", "price"):
        return "float64"
    if kind == "int":
        return "Int64"
    if kind == "bool":
        return "bool"
    return "object"


def empty_table(table: str) -> pd.DataFrame:
    """An empty table with the schema's columns and dtypes."""
    return pd.DataFrame(
        {a.name: pd.Series([], dtype=column_dtype(a.type)) for a in attributes(table)}
    )


def default_parameters() -> dict[str, Any]:
    """Scenario parameters with the schema's defaults (currency EUR, discount rate 8 %...)."""
    out: dict[str, Any] = {}
    for a in attributes("parameters"):
        if a.type == "float":
            out[a.name] = float(a.default)
        elif a.type == "int":
            out[a.name] = int(a.default)
        else:
            out[a.name] = a.default
    return out


@dataclass
class Network:
    """An industrial-symbiosis network in canonical units.

    Every table is a pandas DataFrame with exactly the schema's columns (see
    ``symbiograph.model.attributes``): quantities in t/yr, MWh/yr or m3/yr, distances in
    km, money in ``parameters['currency']``. Missing optional text is ``""``, missing
    optional numbers are NaN (floats) or <NA> (integers). ``archetypes`` holds the scenario's
    own synergy archetypes and changes to the shipped ones (see ``symbiograph.match``).
    ``infrastructure`` lists pipes, corridors, plants and stores, built (capital sunk) or
    planned; an exchange's own link says whether it is built in its ``infrastructure`` column.
    ``processes`` convert a facility's input streams into its output streams at the ratios of
    ``process_ports`` (per unit of activity); ``duties`` are needs that alternative demand
    streams (``duty_members``, each with the share of the duty a unit of it fills) meet once.
    ``technology_sites`` say where a technology of the shipped catalogue may be built; io
    turns each into a candidate process of its facility (``processes.technology_id``) with
    its ports and streams ``<site>.<port>``, which the scenario writers leave out again.
    """

    parameters: dict[str, Any] = field(default_factory=default_parameters)
    sources: pd.DataFrame = field(default_factory=lambda: empty_table("sources"))
    resources: pd.DataFrame = field(default_factory=lambda: empty_table("resources"))
    facilities: pd.DataFrame = field(default_factory=lambda: empty_table("facilities"))
    streams: pd.DataFrame = field(default_factory=lambda: empty_table("streams"))
    stream_quality: pd.DataFrame = field(default_factory=lambda: empty_table("stream_quality"))
    exchanges: pd.DataFrame = field(default_factory=lambda: empty_table("exchanges"))
    infrastructure: pd.DataFrame = field(default_factory=lambda: empty_table("infrastructure"))
    processes: pd.DataFrame = field(default_factory=lambda: empty_table("processes"))
    process_ports: pd.DataFrame = field(default_factory=lambda: empty_table("process_ports"))
    technology_sites: pd.DataFrame = field(default_factory=lambda: empty_table("technology_sites"))
    duties: pd.DataFrame = field(default_factory=lambda: empty_table("duties"))
    duty_members: pd.DataFrame = field(default_factory=lambda: empty_table("duty_members"))
    transport_modes: pd.DataFrame = field(default_factory=lambda: empty_table("transport_modes"))
    timeseries: pd.DataFrame = field(default_factory=lambda: empty_table("timeseries"))
    published_figures: pd.DataFrame = field(
        default_factory=lambda: empty_table("published_figures")
    )
    archetypes: pd.DataFrame = field(default_factory=lambda: empty_table("archetypes"))

    def table(self, name: str) -> pd.DataFrame:
        """The table called ``name`` (one of ``symbiograph.model.TABLES``)."""
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}")
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def tables(self) -> dict[str, pd.DataFrame]:
        """All tables by name, in file order."""
        return {name: self.table(name) for name in TABLES}

    @property
    def supplies(self) -> pd.DataFrame:
        """Streams with direction ``supply``."""
        return self.streams[self.streams["direction"] == "supply"]

    @property
    def demands(self) -> pd.DataFrame:
        """Streams with direction ``demand``."""
        return self.streams[self.streams["direction"] == "demand"]

    def differences(self, other: Network) -> list[str]:
        """What differs between two networks (empty when they are identical)."""
        out: list[str] = []
        for key in sorted(set(self.parameters) | set(other.parameters)):
            a, b = self.parameters.get(key), other.parameters.get(key)
            if a != b:
                out.append(f"parameters.{key}: {a!r} != {b!r}")
        for name in TABLES:
            left = self.table(name).reset_index(drop=True)
            right = other.table(name).reset_index(drop=True)
            if list(left.columns) != list(right.columns):
                out.append(f"{name}: columns {list(left.columns)} != {list(right.columns)}")
                continue
            if len(left) != len(right):
                out.append(f"{name}: {len(left)} rows != {len(right)} rows")
                continue
            for col in left.columns:
                a_col, b_col = left[col], right[col]
                if a_col.dtype != b_col.dtype:
                    out.append(f"{name}.{col}: dtype {a_col.dtype} != {b_col.dtype}")
                    continue
                if a_col.dtype == "float64":
                    a_arr, b_arr = a_col.to_numpy(), b_col.to_numpy()
                    same = (a_arr == b_arr) | (np.isnan(a_arr) & np.isnan(b_arr))
                else:
                    same = (a_col == b_col).fillna(False).to_numpy() | (
                        a_col.isna() & b_col.isna()
                    ).to_numpy()
                if not same.all():
                    row = int(np.flatnonzero(~same)[0])
                    out.append(
                        f"{name}.{col} row {row + 1}: {a_col.iloc[row]!r} != {b_col.iloc[row]!r}"
                    )
        return out

    def equals(self, other: object) -> bool:
        """True when both networks hold the same parameters and tables, value for value."""
        return isinstance(other, Network) and not self.differences(other)
