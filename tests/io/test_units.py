"""Units at the edge: canonical t/yr, MWh/yr, m3/yr; wrong dimensions are errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symbiograph.io import convert_quantities


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        ("12 kt/yr", "t/yr", 12_000.0),
        ("1.5 Mt/yr", "t/yr", 1.5e6),
        ("3.5 MW", "MWh/yr", 3.5 * 8760),
        ("150 m3/h", "m3/yr", 150 * 8760),
        ("40 GJ/month", "MWh/yr", 40 / 3.6 * 12),
        ("2.9 Mm3/yr", "m3/yr", 2.9e6),
        ("500 kg/d", "t/yr", 0.5 * 365),
        ("42", "t/yr", 42.0),
    ],
)
def test_conversion(text: str, target: str, expected: float) -> None:
    values, errors = convert_quantities(pd.Series([text], dtype=object), pd.Series([target]))
    assert errors.iloc[0] == ""
    assert values[0] == pytest.approx(expected)


def test_wrong_dimension_and_unknown_unit() -> None:
    values, errors = convert_quantities(
        pd.Series(["5 t/yr", "3 florps/yr"], dtype=object), pd.Series(["MWh/yr", "t/yr"])
    )
    assert np.isnan(values).all()
    assert "wrong dimension" in errors.iloc[0]
    assert "unknown unit" in errors.iloc[1]


@given(st.floats(0, 1e12, allow_nan=False), st.sampled_from(["t/yr", "kt/yr", "kg/h"]))
def test_scaling_is_linear(x: float, unit: str) -> None:
    values, _ = convert_quantities(
        pd.Series([f"{x!r} {unit}", f"{2 * x!r} {unit}"], dtype=object), pd.Series(["t/yr"] * 2)
    )
    assert values[1] == pytest.approx(2 * values[0])
