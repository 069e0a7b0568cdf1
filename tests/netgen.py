"""Hypothesis strategies that build small valid Networks directly as tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from symbiograph.model import CANONICAL_UNITS, Network, empty_table

NACE = ["35.11", "23.62", "19.20", "21.10", "01.11", "37.00"]
EWC = ["10 01 05", "10 01 02", "19 08 05", "02 07 04", ""]
QUALITY = ["temperature_C", "moisture_pct", "purity_pct", "cod_mg_per_l"]

text = (
    st.text(
        alphabet=st.characters(
            whitelist_categories=("L", "N", "Zs", "Pd", "Po"), blacklist_characters="\"'\\,;#"
        ),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)
finite = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


def _frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    base = empty_table(table)
    frame = pd.DataFrame(rows, columns=list(base.columns)) if rows else base.copy()
    for col in base.columns:
        dtype = base[col].dtype
        if dtype is np.dtype(object):
            frame[col] = frame[col].astype(object).fillna("").astype(object)
        elif str(dtype) == "bool":
            frame[col] = frame[col].astype(object).where(frame[col].notna(), False).astype(bool)
        else:
            frame[col] = frame[col].astype(dtype)
    return frame


@st.composite
def networks(draw: st.DrawFn, max_facilities: int = 5, max_streams: int = 8) -> Network:
    """A valid Network with a few facilities, resources, streams, quality rows and exchanges."""
    n_fac = draw(st.integers(1, max_facilities))
    n_res = draw(st.integers(1, 3))
    sources = [{"id": "src1", "citation": draw(text), "year": draw(st.integers(1950, 2030))}]
    resources = []
    for r in range(n_res):
        kind = draw(st.sampled_from(["material", "energy", "water"]))
        resources.append(
            {
                "id": f"r{r}",
                "name": draw(text),
                "kind": kind,
                "unit": CANONICAL_UNITS[kind],
                "ewc_code": draw(st.sampled_from(EWC)) if kind == "material" else "",
                "hazardous": draw(st.booleans()),
                "quality_attributes": "",
                "description": draw(st.one_of(st.just(""), text)),
            }
        )
    facilities = [
        {
            "id": f"f{i}",
            "name": draw(text),
            "organisation": draw(text),
            "nace_code": draw(st.sampled_from(NACE)),
            "lat": draw(st.floats(-89, 89, allow_nan=False)),
            "lon": draw(st.floats(-179, 179, allow_nan=False)),
            "region": draw(st.one_of(st.just(""), text)),
        }
        for i in range(n_fac)
    ]
    n_streams = draw(st.integers(0, max_streams))
    streams, quality = [], []
    for s in range(n_streams):
        q = draw(finite)
        lo = draw(st.floats(0, 1, allow_nan=False)) * q
        streams.append(
            {
                "id": f"s{s}",
                "facility_id": f"f{draw(st.integers(0, n_fac - 1))}",
                "resource_id": f"r{draw(st.integers(0, n_res - 1))}",
                "direction": draw(st.sampled_from(["supply", "demand"])),
                "quantity": q,
                "quantity_min": lo,
                "quantity_max": q * 2,
                "price": draw(st.one_of(st.just(np.nan), finite)),
                "availability": "continuous",
                "confidential": draw(st.booleans()),
                "source_id": draw(st.sampled_from(["", "src1"])),
                "note": draw(st.one_of(st.just(""), text)),
            }
        )
        for attr in draw(st.lists(st.sampled_from(QUALITY), unique=True, max_size=2)):
            a = draw(st.floats(-50, 500, allow_nan=False))
            if draw(st.booleans()):
                quality.append({"stream_id": f"s{s}", "attribute": attr, "value": a})
            else:
                quality.append(
                    {"stream_id": f"s{s}", "attribute": attr, "min": a, "max": a + draw(finite)}
                )
    sup = [s for s in streams if s["direction"] == "supply"]
    dem = [s for s in streams if s["direction"] == "demand"]
    exchanges = []
    if sup and dem:
        for e in range(draw(st.integers(0, 3))):
            a, b = draw(st.sampled_from(sup)), draw(st.sampled_from(dem))
            exchanges.append(
                {
                    "id": f"x{e}",
                    "supply_id": a["id"],
                    "demand_id": b["id"],
                    # at most 0.6 of either stream: three exchanges stay within quantity_max
                    # (2 x quantity), as the readers require of exchanges running today
                    "quantity": draw(
                        st.one_of(
                            st.just(np.nan),
                            st.floats(0, 0.6).map(
                                lambda share, a=a, b=b: share * min(a["quantity"], b["quantity"])
                            ),
                        )
                    ),
                    "mode": draw(st.sampled_from(["truck", "pipeline", ""])),
                    "status": draw(st.sampled_from(["existing", "planned"])),
                    "start_year": draw(st.one_of(st.none(), st.integers(1960, 2030))),
                }
            )
    return Network(
        parameters={**Network().parameters, "name": draw(text), "carbon_price": draw(finite)},
        sources=_frame("sources", sources),
        resources=_frame("resources", resources),
        facilities=_frame("facilities", facilities),
        streams=_frame("streams", streams),
        stream_quality=_frame("stream_quality", quality),
        exchanges=_frame("exchanges", exchanges),
    )
