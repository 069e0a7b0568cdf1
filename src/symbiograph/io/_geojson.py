"""GeoJSON export: facilities as points, exchanges as lines between their facilities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from symbiograph.io._tables import cell_records, plain_value
from symbiograph.model import Network, attributes

__all__ = ["network_geojson", "write_geojson"]


def network_geojson(network: Network) -> dict[str, Any]:
    """A FeatureCollection of facilities (Point) and exchanges (LineString), WGS84 lon/lat."""
    features: list[dict[str, Any]] = []
    fac = network.facilities
    cols = [a.name for a in attributes("facilities")]
    for row in cell_records("facilities", fac):
        props = {c: v for c, v in zip(cols, row, strict=True) if v is not None}
        props["feature"] = "facility"
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [props["lon"], props["lat"]]},
                "properties": props,
            }
        )
    where = fac.set_index("id")[["lon", "lat"]]
    site = network.streams.set_index("id")["facility_id"]
    ex_cols = [a.name for a in attributes("exchanges")]
    for row in cell_records("exchanges", network.exchanges):
        props = {c: v for c, v in zip(ex_cols, row, strict=True) if v is not None}
        a, b = site[props["supply_id"]], site[props["demand_id"]]
        props.update(feature="exchange", from_facility=a, to_facility=b)
        coords = [[plain_value(v) for v in where.loc[f]] for f in (a, b)]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def write_geojson(network: Network, path: str | Path) -> Path:
    """Write facilities and exchanges of ``network`` to a GeoJSON file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(network_geojson(network), ensure_ascii=False, indent=1), "utf-8")
    return path
