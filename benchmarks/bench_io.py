"""Issue 2 benchmark: read + validate + convert 1,000,000 streams from a CSV folder, save the
network to SQLite and PostgreSQL; peer: straightforward per-row pydantic validation of the
same rows, in the same run.

    .venv/bin/python -m benchmarks.run bench_io          # full size (500k facilities, ~1M streams)
    .venv/bin/python -m benchmarks.run bench_io --quick  # 20k facilities
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Literal

from benchmarks._common import peak_rss_mb, run_child, timed, write_result

PG_URL = os.environ.get("SYMBIOGRAPH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
WORK = Path(tempfile.gettempdir()) / "symbiograph-bench"


def _prepare(n_facilities: int) -> dict[str, Any]:
    from symbiograph.datasets import synthetic
    from symbiograph.io import write_network

    folder = WORK / f"synthetic-{n_facilities}"
    net, gen_s = timed(lambda: synthetic(n_facilities, seed=1))
    _, write_s = timed(lambda: write_network(net, folder, "csv"))
    return {
        "folder": str(folder),
        "facilities": len(net.facilities),
        "streams": len(net.streams),
        "stream_quality_rows": len(net.stream_quality),
        "generate_s": gen_s,
        "write_csv_s": write_s,
    }


def _load(folder: str) -> dict[str, Any]:
    from symbiograph.io import read_network

    net, seconds = timed(lambda: read_network(folder))
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "streams": len(net.streams)}


def _save(folder: str, url: str) -> dict[str, Any]:
    from symbiograph.io import read_network
    from symbiograph.store import Store

    net = read_network(folder)
    with Store(url) as store:
        _, seconds = timed(lambda: store.save(net, "bench-io", replace=True))
        _, load_s = timed(lambda: store.load("bench-io"))
        store.delete("bench-io")
    return {"save_s": seconds, "load_s": load_s, "peak_rss_mb": peak_rss_mb()}


def _pydantic(folder: str) -> dict[str, Any]:
    """The straightforward way: one pydantic model per CSV row, references checked per row."""
    from pydantic import BaseModel, ValidationError, field_validator

    from symbiograph.io._units import conversion_factor
    from symbiograph.taxonomy import (
        normalise_ewc_code,
        normalise_nace_code,
        valid_ewc_entries,
        valid_nace_classes,
    )

    ewc, nace = valid_ewc_entries(), valid_nace_classes()
    canonical = {"material": "t/yr", "energy": "MWh/yr", "water": "m3/yr"}

    class ResourceRow(BaseModel):
        id: str
        name: str
        kind: Literal["material", "energy", "water", "utility"]
        unit: Literal["t/yr", "MWh/yr", "m3/yr"]
        ewc_code: str = ""

        @field_validator("ewc_code")
        @classmethod
        def known_ewc(cls, v: str) -> str:
            if v and normalise_ewc_code(v) not in ewc:
                raise ValueError("unknown EWC code")
            return v

    class FacilityRow(BaseModel):
        id: str
        name: str
        organisation: str
        nace_code: str
        lat: float
        lon: float

        @field_validator("nace_code")
        @classmethod
        def known_nace(cls, v: str) -> str:
            if normalise_nace_code(v) not in nace:
                raise ValueError("unknown NACE code")
            return v

        @field_validator("lat")
        @classmethod
        def lat_range(cls, v: float) -> float:
            if not -90 <= v <= 90:
                raise ValueError("latitude out of range")
            return v

        @field_validator("lon")
        @classmethod
        def lon_range(cls, v: float) -> float:
            if not -180 <= v <= 180:
                raise ValueError("longitude out of range")
            return v

    class StreamRow(BaseModel):
        id: str
        facility_id: str
        resource_id: str
        direction: Literal["supply", "demand"]
        quantity: str
        quantity_min: str = ""
        quantity_max: str = ""
        price: str = ""
        confidential: bool = False

    class QualityRow(BaseModel):
        stream_id: str
        attribute: str
        value: float | None = None
        min: float | None = None
        max: float | None = None

    def rows(name: str) -> list[dict[str, str]]:
        with open(Path(folder) / f"{name}.csv", encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    def parse_quantity(text: str, target: str) -> float:
        parts = text.strip().split(maxsplit=1)
        value = float(parts[0])
        if len(parts) == 2:
            value *= conversion_factor(parts[1], target)
        if value != value or value < 0:
            raise ValueError("negative or NaN quantity")
        return value

    def blank_to_none(row: dict[str, str]) -> dict[str, Any]:
        return {k: (v if v != "" else None) for k, v in row.items()}

    def run() -> int:
        problems = 0
        unit_of: dict[str, str] = {}
        for row in rows("resources"):
            try:
                r = ResourceRow(**row)
                if canonical.get(r.kind, r.unit) != r.unit:
                    problems += 1
                unit_of[r.id] = r.unit
            except ValidationError:
                problems += 1
        facility_ids = set()
        for row in rows("facilities"):
            try:
                f = FacilityRow(**row)
                facility_ids.add(f.id)
            except ValidationError:
                problems += 1
        stream_ids = set()
        for row in rows("streams"):
            try:
                s = StreamRow(**row)
                if s.facility_id not in facility_ids or s.resource_id not in unit_of:
                    problems += 1
                    continue
                target = unit_of[s.resource_id]
                q = parse_quantity(s.quantity, target)
                lo = parse_quantity(s.quantity_min, target) if s.quantity_min else q
                hi = parse_quantity(s.quantity_max, target) if s.quantity_max else q
                if not lo <= q <= hi or s.id in stream_ids:
                    problems += 1
                stream_ids.add(s.id)
            except (ValidationError, ValueError):
                problems += 1
        for row in rows("stream_quality"):
            try:
                q = QualityRow(**blank_to_none(row))
                if q.stream_id not in stream_ids:
                    problems += 1
                if q.min is not None and q.max is not None and q.min > q.max:
                    problems += 1
            except ValidationError:
                problems += 1
        return problems

    problems, seconds = timed(run)
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "problems": problems}


def _postgres_up() -> bool:
    try:
        import sqlalchemy

        engine = sqlalchemy.create_engine(PG_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def main(quick: bool = False) -> None:
    """Run the whole benchmark and write benchmarks/results/bench_io.json."""
    n_fac = 20_000 if quick else 520_000  # about 1,005,000 streams
    prep = run_child("benchmarks.bench_io", "prepare", str(n_fac))
    folder = prep["folder"]
    load = run_child("benchmarks.bench_io", "load", folder)
    peer = run_child("benchmarks.bench_io", "pydantic", folder)
    sqlite_path = WORK / "bench.sqlite"
    sqlite_path.unlink(missing_ok=True)
    save_sqlite = run_child("benchmarks.bench_io", "save", folder, f"sqlite:///{sqlite_path}")
    save_pg = run_child("benchmarks.bench_io", "save", folder, PG_URL) if _postgres_up() else None
    result = {
        "dataset": prep,
        "load_validate_convert": load,
        "peer_pydantic_per_row": peer,
        "speedup_vs_pydantic": peer["seconds"] / load["seconds"],
        "save_sqlite": save_sqlite,
        "save_postgresql": save_pg,
        "targets": {"load_s": 15, "load_peak_mb": 3072, "save_s": 60},
    }
    path = write_result("bench_io" + ("_quick" if quick else ""), result)
    print(json.dumps(result, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    phase, *rest = sys.argv[1:]
    handlers = {
        "prepare": lambda: _prepare(int(rest[0])),
        "load": lambda: _load(rest[0]),
        "pydantic": lambda: _pydantic(rest[0]),
        "save": lambda: _save(rest[0], rest[1]),
    }
    print(json.dumps(handlers[phase]()))
