"""Fixtures of the store tests: a small hand-built network and stores on SQLite and PostgreSQL.

PostgreSQL is the server at ``SYMBIOGRAPH_PG_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). When it does not answer the
PostgreSQL tests skip, except under ``CI=true`` where they fail. Each test gets its own
database schema (dropped afterwards), so parallel runs (``pytest -n 2``) do not collide.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from store.storekit import pg_url_or_skip
from symbiograph.model import Network, column_dtype, default_parameters, empty_table
from symbiograph.model import attributes as schema_attributes
from symbiograph.store import Store


def table(name: str, rows: list[dict[str, object]]) -> pd.DataFrame:
    """A Network table with the schema's columns and dtypes; unset fields are missing."""
    frame = empty_table(name)
    columns: dict[str, pd.Series] = {}
    for a in schema_attributes(name):
        values = [row.get(a.name) for row in rows]
        dtype = column_dtype(a.type)
        if dtype == "object":
            values = ["" if v is None else v for v in values]
        elif dtype == "bool":
            values = [bool(v) for v in values]
        elif dtype == "float64":
            values = [math.nan if v is None else v for v in values]
        columns[a.name] = pd.Series(values, dtype=dtype)
    out = pd.DataFrame(columns, index=range(len(rows)))
    assert list(out.columns) == list(frame.columns)
    return out


def small_network() -> Network:
    """Two plants, a power station and a farm; gypsum, steam and water; rows not in id order."""
    parameters = default_parameters() | {"name": "small park", "carbon_price": 85.5}
    return Network(
        parameters=parameters,
        sources=table(
            "sources",
            [
                {"id": "src2", "citation": 'Doe, "Gypsum, reused", 2020', "year": 2020},
                {"id": "src1", "citation": "Smith (2019)\nsecond line", "url": "https://x.org"},
            ],
        ),
        resources=table(
            "resources",
            [
                {
                    "id": "gypsum",
                    "name": "FGD gypsum",
                    "kind": "material",
                    "unit": "t/yr",
                    "ewc_code": "10 01 05",
                    "hazardous": False,
                },
                {"id": "steam", "name": "Steam", "kind": "energy", "unit": "MWh/yr"},
                {
                    "id": "water",
                    "name": "Cooling water",
                    "kind": "water",
                    "unit": "m3/yr",
                    "hazardous": True,
                    "description": "Ærø ø-vand; 50 °C",
                },
            ],
        ),
        facilities=table(
            "facilities",
            [
                {
                    "id": "power",
                    "name": "Power station",
                    "organisation": "Ørsted",
                    "nace_code": "35.11",
                    "lat": 55.68,
                    "lon": 11.08,
                },
                {
                    "id": "board",
                    "name": "Plasterboard",
                    "organisation": "Gyproc",
                    "nace_code": "23.62",
                    "lat": 55.67,
                    "lon": 11.09,
                    "address": "",
                },
                {
                    "id": "farm",
                    "name": "Fish farm",
                    "organisation": "Farm A/S",
                    "nace_code": "03.22",
                    "lat": -0.0,
                    "lon": 1e-300,
                    "region": "Kalundborg",
                },
            ],
        ),
        streams=table(
            "streams",
            [
                {
                    "id": "s3",
                    "facility_id": "board",
                    "resource_id": "gypsum",
                    "direction": "demand",
                    "quantity": 150_000.0,
                    "price": 12.5,
                },
                {
                    "id": "s1",
                    "facility_id": "power",
                    "resource_id": "gypsum",
                    "direction": "supply",
                    "quantity": 0.1 + 0.2,
                    "quantity_min": 0.0,
                    "quantity_max": 2.5e5,
                    "disposal_route": "landfill",
                    "confidential": True,
                    "source_id": "src1",
                    "note": 'a, b; "c"\n\\N',
                },
                {
                    "id": "s2",
                    "facility_id": "power",
                    "resource_id": "steam",
                    "direction": "supply",
                    "quantity": 1.23456789012345e6,
                    "availability": "seasonal",
                    "months": "11,12,1,2",
                },
                {
                    "id": "s4",
                    "facility_id": "farm",
                    "resource_id": "water",
                    "direction": "demand",
                    "quantity": 7.0,
                    "price": math.inf,
                },
            ],
        ),
        stream_quality=table(
            "stream_quality",
            [
                {"stream_id": "s1", "attribute": "purity", "value": 0.96, "min": 0.9},
                {"stream_id": "s3", "attribute": "purity", "min": 0.95},
                {"stream_id": "s1", "attribute": "moisture", "value": 0.08, "max": 0.1},
            ],
        ),
        exchanges=table(
            "exchanges",
            [
                {
                    "id": "x1",
                    "supply_id": "s1",
                    "demand_id": "s3",
                    "quantity": 1.4e5,
                    "mode": "truck",
                    "status": "existing",
                    "start_year": 1993,
                    "source_id": "src2",
                },
                {"id": "x0", "supply_id": "s2", "demand_id": "s4", "status": "planned"},
            ],
        ),
        transport_modes=table(
            "transport_modes",
            [
                {
                    "mode": "truck",
                    "cost_per_tkm": 0.12,
                    "co2e_kg_per_tkm": 0.09,
                    "detour_factor": 1.3,
                    "pipeline_capex_per_km": 0.0,
                },
                {
                    "mode": "pipeline",
                    "cost_per_tkm": 0.01,
                    "co2e_kg_per_tkm": 0.0,
                    "pipeline_capex_per_km": 1.5e6,
                },
            ],
        ),
        timeseries=table(
            "timeseries",
            [
                {"id": "season", "step": step, "value": v}
                for step, v in zip([2, 1, 3], [0.5, 1.5, 1.0], strict=True)
            ],
        ),
        published_figures=table(
            "published_figures",
            [
                {
                    "id": "f1",
                    "indicator": "co2e_avoided",
                    "value": 635_000.0,
                    "unit": "t/yr",
                    "year": 2015,
                    "source_id": "src2",
                },
                {
                    "id": "f2",
                    "indicator": "groundwater_saved",
                    "value": np.float64(3.6e6),
                    "unit": "m3/yr",
                    "source_id": "src1",
                    "year": 2**62,
                },
            ],
        ),
    )


@pytest.fixture
def network() -> Network:
    """The small hand-built network of :func:`small_network`."""
    return small_network()


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The PostgreSQL URL, checked to answer (skip if not; fail under CI=true)."""
    return pg_url_or_skip()


@pytest.fixture
def pg_schema(pg_url: str) -> Iterator[str]:
    """A fresh, unique PostgreSQL schema name, dropped (with its tables) after the test."""
    schema = f"sg_test_{uuid.uuid4().hex[:16]}"
    yield schema
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        engine.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """An empty Store on a temporary SQLite file, then on a private PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("store") / "networks.db"
        opened = Store(f"sqlite:///{path}")
    else:
        opened = Store(
            request.getfixturevalue("pg_url"), schema=request.getfixturevalue("pg_schema")
        )
    try:
        yield opened
    finally:
        opened.close()
