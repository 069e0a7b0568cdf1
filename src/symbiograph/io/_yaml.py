"""A scenario as one YAML file: top-level keys are table names, each a list of records.

Stream quality may be nested in each stream as ``quality: {attribute: value}`` for a
measured value or ``quality: {attribute: [min, max]}`` for an accepted range (null = open).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from symbiograph.io._build import RawScenario
from symbiograph.io._limits import MAX_YAML_BYTES, read_text
from symbiograph.io._problems import Problem, ScenarioError, TableOrigin
from symbiograph.io._tables import cell_records, parameter_rows, plain_value
from symbiograph.io._technologies import authored
from symbiograph.io._yamlload import load_scenario_yaml
from symbiograph.model import TABLES, Network, attributes

__all__ = ["network_document", "raw_from_document", "read_yaml", "write_yaml"]


def _quality_rows(
    stream_id: Any, quality: Any, item: int, path: str, problems: list[Problem]
) -> list[dict[str, Any]]:
    if not isinstance(quality, dict):
        problems.append(
            Problem(
                path,
                "quality must be a mapping of attribute to value or [min, max]",
                "streams",
                item,
                "quality",
            )
        )
        return []
    rows = []
    for attribute, spec in quality.items():
        row: dict[str, Any] = {"stream_id": stream_id, "attribute": attribute}
        if isinstance(spec, dict):
            row.update({k: spec.get(k) for k in ("value", "min", "max")})
            extra = set(spec) - {"value", "min", "max"}
            if extra:
                problems.append(
                    Problem(
                        path,
                        f"unknown keys {sorted(extra)} in quality {attribute!r}",
                        "streams",
                        item,
                        "quality",
                    )
                )
        elif isinstance(spec, list | tuple):
            if len(spec) != 2:
                problems.append(
                    Problem(
                        path,
                        f"quality range {attribute!r} needs [min, max]",
                        "streams",
                        item,
                        "quality",
                    )
                )
                continue
            row.update({"min": spec[0], "max": spec[1]})
        else:
            row["value"] = spec
        rows.append(row)
    return rows


def read_yaml(path: str | Path) -> RawScenario:
    """Read a YAML scenario file into raw tables (validated later by build_network)."""
    path = Path(path)
    name = str(path)
    text = read_text(path, MAX_YAML_BYTES, "YAML file")
    try:
        document = load_scenario_yaml(text, name)
    except yaml.YAMLError as err:
        raise ScenarioError([Problem(name, f"cannot read YAML: {err}")]) from None
    return raw_from_document(document, name)


def raw_from_document(document: Any, name: str = "<document>") -> RawScenario:
    """Raw tables from a scenario given as Python data (the YAML layout: table -> records)."""
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ScenarioError([Problem(name, "the file must be a mapping of table names to lists")])
    problems: list[Problem] = []
    raw = RawScenario()
    known = set(TABLES) | {"parameters"}
    for key in document:
        if key not in known:
            problems.append(
                Problem(
                    name, f"unknown table {key!r} (tables: {', '.join(sorted(known))})", str(key)
                )
            )
    params = document.get("parameters") or {}
    if not isinstance(params, dict):
        problems.append(Problem(name, "parameters must be a mapping", "parameters"))
        params = {}
    raw.parameters = dict(params)
    raw.parameters_origin = TableOrigin(name, "parameters")
    quality_rows: list[dict[str, Any]] = []
    quality_items: list[int] = []
    for table in TABLES:
        records = document.get(table) or []
        if not isinstance(records, list):
            problems.append(Problem(name, f"{table} must be a list of records", table))
            continue
        clean: list[dict[str, Any]] = []
        for i, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                problems.append(Problem(name, "each record must be a mapping", table, i))
                clean.append({})
                continue
            record = dict(record)
            if table == "streams" and "quality" in record:
                rows = _quality_rows(record.get("id"), record.pop("quality"), i, name, problems)
                quality_rows.extend(rows)
                quality_items.extend([i] * len(rows))
            clean.append(record)
        if table == "stream_quality":
            quality_items = (
                list(range(1, len(clean) + 1)) + quality_items if clean else quality_items
            )
            clean = clean + quality_rows
        # object columns keep each value as read (a YAML number keeps its written text)
        raw.tables[table] = pd.DataFrame(clean, dtype=object) if clean else pd.DataFrame()
        raw.origins[table] = TableOrigin(name, table, first_row=1)
    if quality_items:
        raw.origins["stream_quality"] = TableOrigin(
            name, "streams/stream_quality", row_numbers=np.asarray(quality_items)
        )
    if problems:
        raise ScenarioError(problems)
    return raw


def _quality_spec(value: Any, lo: Any, hi: Any) -> Any:
    if value is not None and lo is None and hi is None:
        return value
    if value is None and (lo is not None or hi is not None):
        return [lo, hi]
    return {k: v for k, v in (("value", value), ("min", lo), ("max", hi)) if v is not None}


def network_document(network: Network) -> dict[str, Any]:
    """The YAML document of a network as plain Python data (quality nested in streams)."""
    network = authored(network)  # the technology sites, not what they expand to
    doc: dict[str, Any] = {"parameters": dict(parameter_rows(network.parameters))}
    quality: dict[str, dict[str, Any]] = {}
    sq = network.stream_quality
    for sid, attr, value, lo, hi in zip(
        sq["stream_id"], sq["attribute"], sq["value"], sq["min"], sq["max"], strict=True
    ):
        quality.setdefault(sid, {})[attr] = _quality_spec(
            plain_value(value), plain_value(lo), plain_value(hi)
        )
    nested = set(network.streams["id"])
    for table in TABLES:
        cols = [a.name for a in attributes(table)]
        records = []
        for row in cell_records(table, network.table(table)):
            record = {c: v for c, v in zip(cols, row, strict=True) if v is not None}
            if table == "streams" and record.get("id") in quality:
                record["quality"] = quality[record["id"]]
            records.append(record)
        if table == "stream_quality":
            orphans = sq[~sq["stream_id"].isin(nested)]
            records = [
                {c: v for c, v in zip(cols, row, strict=True) if v is not None}
                for row in cell_records(table, orphans)
            ]
        if records:
            doc[table] = records
    return doc


def write_yaml(network: Network, path: str | Path) -> Path:
    """Write ``network`` as one YAML file (quality nested in its streams)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(network_document(network), sort_keys=False, allow_unicode=True, width=100)
    path.write_text(text, encoding="utf-8")
    return path
