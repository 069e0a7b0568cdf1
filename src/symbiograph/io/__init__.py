"""Scenario formats: one YAML file, a folder of CSVs, an XLSX workbook; GeoJSON export.

``read_network(path)`` reads and validates any of them into a Network in canonical units,
raising ScenarioError with every problem (file, sheet, row, field) when the input is bad.
"""

from __future__ import annotations

from pathlib import Path

from symbiograph.io._build import RawScenario, build_network
from symbiograph.io._csvdir import read_csv_folder, write_csv_folder
from symbiograph.io._geojson import network_geojson, write_geojson
from symbiograph.io._problems import Problem, ScenarioError, TableOrigin
from symbiograph.io._units import convert_quantities, unit_registry
from symbiograph.io._xlsx import read_xlsx, write_xlsx
from symbiograph.io._yaml import network_document, raw_from_document, read_yaml, write_yaml
from symbiograph.model import Network

__all__ = [
    "FORMATS",
    "Problem",
    "RawScenario",
    "ScenarioError",
    "TableOrigin",
    "build_network",
    "convert_quantities",
    "network_document",
    "network_from_document",
    "network_geojson",
    "raw_from_document",
    "read_csv_folder",
    "read_network",
    "read_raw",
    "read_xlsx",
    "read_yaml",
    "unit_registry",
    "write_csv_folder",
    "write_geojson",
    "write_network",
    "write_xlsx",
    "write_yaml",
]

FORMATS = ("yaml", "csv", "xlsx", "geojson")


def read_raw(path: str | Path) -> RawScenario:
    """Read a scenario file or folder without validating it (format from the path)."""
    path = Path(path)
    if path.is_dir():
        return read_csv_folder(path)
    if not path.exists():
        raise ScenarioError([Problem(str(path), "no such file or folder")])
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return read_yaml(path)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    raise ScenarioError(
        [
            Problem(
                str(path), f"unknown scenario format {suffix!r} (use .yaml, .xlsx or a CSV folder)"
            )
        ]
    )


def _refuse_empty(network: Network, name: str, path: Path | None = None) -> None:
    """Refuse a scenario without facilities (an empty or cut-off file, an empty folder)."""
    if len(network.facilities):
        return
    if path is not None and path.is_dir() and not any(path.glob("*.csv")):
        reason = "the folder holds no CSV files (expected facilities.csv, streams.csv, ...)"
    else:
        reason = "the scenario has no facilities (is the file empty or cut off?)"
    sheet = None if path is not None and path.is_dir() else "facilities"
    raise ScenarioError([Problem(name, reason, sheet)])


def read_network(path: str | Path, *, allow_empty: bool = False) -> Network:
    """Read and validate a scenario (YAML file, CSV folder or XLSX workbook).

    A scenario without facilities is refused unless ``allow_empty`` is true.
    """
    path = Path(path)
    network = build_network(read_raw(path))
    if not allow_empty:
        _refuse_empty(network, str(path), path)
    return network


def write_network(network: Network, path: str | Path, format: str | None = None) -> Path:
    """Write ``network`` as yaml, csv (a folder), xlsx or geojson; format from the suffix if None."""
    path = Path(path)
    fmt = format or {".yaml": "yaml", ".yml": "yaml", ".xlsx": "xlsx", ".geojson": "geojson"}.get(
        path.suffix.lower(), "csv"
    )
    if fmt == "yaml":
        return write_yaml(network, path)
    if fmt == "csv":
        return write_csv_folder(network, path)
    if fmt == "xlsx":
        return write_xlsx(network, path)
    if fmt == "geojson":
        return write_geojson(network, path)
    raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


def network_from_document(
    document: dict[str, object], name: str = "<document>", *, allow_empty: bool = False
) -> Network:
    """Validate a scenario given as Python data (the YAML layout) into a Network; one
    without facilities is refused unless ``allow_empty`` is true."""
    network = build_network(raw_from_document(document, name))
    if not allow_empty:
        _refuse_empty(network, name)
    return network
