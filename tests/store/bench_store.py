"""Benchmark (not a test): save and load a network of 1,000,000 streams on SQLite and PostgreSQL.

Run ``.venv/bin/python tests/store/bench_store.py [--streams 1000000] [--pg URL]``; prints one
JSON line with seconds per step. The network is random but seeded (numpy, seed 0): 1 stream
quality row per stream, 20 streams per facility, one exchange per 10 streams.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from symbiograph.model import Network, attributes, column_dtype
from symbiograph.store import Store


def _column(rng: np.random.Generator, kind: str, n: int, name: str) -> Any:
    """Random values for one column: a few missing, text mostly short or empty."""
    dtype = str(column_dtype(kind))
    if dtype == "float64":
        values = rng.lognormal(8, 2, n)
        values[rng.random(n) < 0.1] = np.nan
        return values
    if dtype == "Int64":
        return pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(1990, 2030, n)), "Int64")
    if dtype == "bool":
        return rng.random(n) < 0.1
    words = np.array(["", "", "", "landfill", "Ørsted A/S", 'a "quoted", note', "line\nbreak"])
    return words[rng.integers(0, len(words), n)].astype(object)


def _table(rng: np.random.Generator, name: str, n: int, fixed: dict[str, Any]) -> pd.DataFrame:
    columns = {}
    for a in attributes(name):
        values = fixed[a.name] if a.name in fixed else _column(rng, a.type, n, a.name)
        columns[a.name] = pd.Series(values, dtype=column_dtype(a.type))
    return pd.DataFrame(columns)


def synthetic_network(n_streams: int, seed: int = 0) -> Network:
    """A random network with ``n_streams`` streams and as many stream-quality rows."""
    rng = np.random.default_rng(seed)
    n_facilities, n_resources, n_exchanges = max(n_streams // 20, 1), 200, n_streams // 10
    facility_ids = np.array([f"f{i:07d}" for i in range(n_facilities)], dtype=object)
    resource_ids = np.array([f"r{i:04d}" for i in range(n_resources)], dtype=object)
    stream_ids = np.array([f"s{i:08d}" for i in range(n_streams)], dtype=object)
    rng.shuffle(stream_ids)  # rows not in key order
    return Network(
        resources=_table(rng, "resources", n_resources, {"id": resource_ids}),
        facilities=_table(
            rng,
            "facilities",
            n_facilities,
            {"id": facility_ids, "lat": rng.uniform(54, 58, n_facilities)},
        ),
        streams=_table(
            rng,
            "streams",
            n_streams,
            {
                "id": stream_ids,
                "facility_id": facility_ids[rng.integers(0, n_facilities, n_streams)],
                "resource_id": resource_ids[rng.integers(0, n_resources, n_streams)],
                "direction": np.where(rng.random(n_streams) < 0.5, "supply", "demand").astype(
                    object
                ),
            },
        ),
        stream_quality=_table(
            rng,
            "stream_quality",
            n_streams,
            {"stream_id": stream_ids, "attribute": np.full(n_streams, "purity", dtype=object)},
        ),
        exchanges=_table(
            rng,
            "exchanges",
            n_exchanges,
            {
                "id": np.array([f"x{i:08d}" for i in range(n_exchanges)], dtype=object),
                "supply_id": stream_ids[:n_exchanges],
                "demand_id": stream_ids[n_exchanges : 2 * n_exchanges],
            },
        ),
    )


def _measure(store: Store, network: Network) -> dict[str, float]:
    out: dict[str, float] = {}
    start = time.perf_counter()
    store.save(network, "bench")
    out["save_s"] = time.perf_counter() - start
    start = time.perf_counter()
    store.save(network, "bench")
    out["replace_s"] = time.perf_counter() - start
    start = time.perf_counter()
    loaded = store.load("bench")
    out["load_s"] = time.perf_counter() - start
    if not loaded.equals(network):
        raise AssertionError(loaded.differences(network)[:5])
    return {k: round(v, 2) for k, v in out.items()}


def main() -> None:
    """Build the network, then time save, replace and load on each database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=1_000_000)
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "SYMBIOGRAPH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    start = time.perf_counter()
    network = synthetic_network(args.streams)
    result: dict[str, Any] = {
        "streams": len(network.streams),
        "stream_quality": len(network.stream_quality),
        "exchanges": len(network.exchanges),
        "facilities": len(network.facilities),
        "build_s": round(time.perf_counter() - start, 2),
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        with Store(f"sqlite:///{path}") as store:
            result["sqlite"] = _measure(store, network)
        result["sqlite"]["file_mb"] = round(path.stat().st_size / 1e6, 1)
    schema = f"sg_bench_{uuid.uuid4().hex[:12]}"
    try:
        with Store(args.pg, schema=schema) as store:
            result["postgresql"] = _measure(store, network)
    finally:
        engine = sa.create_engine(args.pg)
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
