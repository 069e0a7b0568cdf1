"""Property: any streams and stream-quality tables come back from the store value for value."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbiograph.model import Network, attributes, column_dtype
from symbiograph.store import Store

# Any text PostgreSQL can hold (no NUL, no lone surrogates), including "", quotes, commas,
# newlines, backslashes and "\N" or "\." lookalikes.
TEXT = st.one_of(
    st.sampled_from(["", "\\N", "\\.", '"', ",", "\n", "\r\n", "NULL", " "]),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12),
)
FLOAT = st.floats(allow_nan=True, allow_infinity=True)
INT = st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1))


@st.composite
def tables(draw: st.DrawFn, name: str) -> pd.DataFrame:
    """A table of ``name`` with distinct keys and arbitrary values in every other column."""
    n = draw(st.integers(min_value=0, max_value=8))
    keys = draw(st.lists(TEXT, min_size=n, max_size=n, unique=True))
    columns: dict[str, pd.Series] = {}
    for i, a in enumerate(attributes(name)):
        dtype = column_dtype(a.type)
        if i == 0:
            values: list[object] = list(keys)
        elif dtype == "float64":
            values = draw(st.lists(FLOAT, min_size=n, max_size=n))
        elif dtype == "Int64":
            values = draw(st.lists(INT, min_size=n, max_size=n))
        elif dtype == "bool":
            values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        else:
            values = draw(st.lists(TEXT, min_size=n, max_size=n))
        columns[a.name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(columns, index=range(n))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    streams=tables("streams"),
    quality=tables("stream_quality"),
    exchanges=tables("exchanges"),
    carbon_price=st.floats(min_value=0, max_value=1e6),
)
def test_any_tables_round_trip(
    store: Store,
    streams: pd.DataFrame,
    quality: pd.DataFrame,
    exchanges: pd.DataFrame,
    carbon_price: float,
) -> None:
    network = Network(streams=streams, stream_quality=quality, exchanges=exchanges)
    network.parameters["carbon_price"] = carbon_price
    store.save(network, "property")
    loaded = store.load("property")
    assert loaded.differences(network) == []
    assert not math.isnan(loaded.parameters["carbon_price"])
