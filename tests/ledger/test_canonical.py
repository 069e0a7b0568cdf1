"""RFC 8785 canonical JSON and salted commitments."""

from __future__ import annotations

import json
import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symbiograph.errors import InputError
from symbiograph.ledger import (
    COMMITMENT_KEY,
    Opening,
    canonical_json,
    commit,
    es_number,
    open_commitment,
    seal,
    unseal,
)


def test_rfc8785_example() -> None:
    """The example of RFC 8785 section 3.2.2 (numbers, escapes, literals, key order)."""
    value = json.loads(
        '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],'
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        '"literals":[null,true,false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(value).decode("utf-8") == expected


@pytest.mark.parametrize(
    ("bits", "text"),
    [  # IEEE 754 bit patterns and ECMAScript's text (RFC 8785 appendix B)
        ("0000000000000000", "0"),
        ("8000000000000000", "0"),
        ("0000000000000001", "5e-324"),
        ("8000000000000001", "-5e-324"),
        ("7fefffffffffffff", "1.7976931348623157e+308"),
        ("ffefffffffffffff", "-1.7976931348623157e+308"),
        ("4340000000000000", "9007199254740992"),
        ("c340000000000000", "-9007199254740992"),
        ("4430000000000000", "295147905179352830000"),
        ("44b52d02c7e14af5", "9.999999999999997e+22"),
        ("44b52d02c7e14af6", "1e+23"),
        ("44b52d02c7e14af7", "1.0000000000000001e+23"),
        ("444b1ae4d6e2ef4e", "999999999999999700000"),
        ("444b1ae4d6e2ef4f", "999999999999999900000"),
        ("444b1ae4d6e2ef50", "1e+21"),
        ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
        ("3eb0c6f7a0b5ed8d", "0.000001"),
        ("41b3de4355555553", "333333333.3333332"),
        ("41b3de4355555554", "333333333.33333325"),
        ("41b3de4355555555", "333333333.3333333"),
        ("41b3de4355555556", "333333333.3333334"),
        ("41b3de4355555557", "333333333.33333343"),
        ("becbf647612f3696", "-0.0000033333333333333333"),
        ("43143ff3c1cb0959", "1424953923781206.2"),
    ],
)
def test_es_numbers(bits: str, text: str) -> None:
    (x,) = struct.unpack(">d", bytes.fromhex(bits))
    assert es_number(x) == text
    assert float(text) == x or (x == 0 and float(text) == 0)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_round_trip(x: float) -> None:
    assert float(es_number(x)) == x


def test_keys_sort_by_utf16_code_units() -> None:
    """U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16, after it in code points."""
    value = {"\ufb33": 1, "\U0001f600": 2, "a": 3, "B": 4}
    assert canonical_json(value).decode() == '{"B":4,"a":3,"\U0001f600":2,"\ufb33":1}'


def test_no_whitespace_and_minimal_escapes() -> None:
    assert canonical_json({"a": [1, {"b": "x\u007f\u0001"}]}) == b'{"a":[1,{"b":"x\x7f\\u0001"}]}'


@pytest.mark.parametrize(
    "bad",
    [math.nan, math.inf, -math.inf, 2**53, {1: "x"}, "\ud800", {"a": {1, 2}}, b"bytes"],
)
def test_refuses_what_has_no_single_encoding(bad: object) -> None:
    with pytest.raises(InputError):
        canonical_json({"field": bad})


def test_equal_values_encode_equally() -> None:
    assert canonical_json({"b": 1.0, "a": [True, None]}) == canonical_json(
        {"a": [True, None], "b": 1}
    )


def test_commitment_opens_only_with_its_salt_and_value() -> None:
    salt = bytes(range(32))
    digest, opening = commit({"eur_per_t": 12.5}, salt)
    import hashlib

    assert digest == hashlib.sha256(salt + b'{"eur_per_t":12.5}').hexdigest()
    assert open_commitment(digest, opening)
    assert not open_commitment(digest, Opening(salt, {"eur_per_t": 12.6}))
    assert not open_commitment(digest, Opening(bytes(32), {"eur_per_t": 12.5}))
    with pytest.raises(InputError):
        commit(1, b"short")


def test_seal_hides_the_price_and_unseal_checks_it() -> None:
    record = {"contract": "C1", "price_eur_per_t": 41.0, "quantity_t": 1200}
    public, openings = seal(record, ["price_eur_per_t"])
    assert 41.0 not in json.loads(canonical_json(public)).values()
    assert set(public["price_eur_per_t"]) == {COMMITMENT_KEY}
    assert public["quantity_t"] == 1200
    assert unseal(public, openings) == record
    round_trip = {k: Opening.from_json(v.to_json()) for k, v in openings.items()}
    assert unseal(public, round_trip) == record
    two, _ = seal(record, ["price_eur_per_t"])
    assert two != public  # fresh salt: equal prices do not give equal commitments
    with pytest.raises(InputError, match="price_eur_per_t"):
        unseal(public, {"price_eur_per_t": Opening(openings["price_eur_per_t"].salt, 40.0)})
    with pytest.raises(InputError, match="missing"):
        seal(record, ["missing"])


def _es_reference(x: float) -> str:
    """ECMAScript Number::toString from the shortest digits, written out plainly."""
    if x == 0:
        return "0"
    if x < 0:
        return "-" + _es_reference(-x)
    from decimal import Decimal

    exact = Decimal(x)
    # the fewest digits p for which some p-digit s x 10**e reads back as x; among those s
    # the closest to x (ECMA-262 Number::toString step 5)
    for p in range(1, 18):
        text = f"{x:.{p - 1}e}"
        base, _, exp_s = text.partition("e")
        s_int = int(base.replace(".", ""))
        scale = Decimal(10) ** (int(exp_s) - p + 1)
        found = [c for c in (s_int - 1, s_int, s_int + 1) if float(Decimal(c) * scale) == x]
        found = [c for c in found if len(str(c)) == p]
        if found:
            best = min(found, key=lambda c: abs(Decimal(c) * scale - exact))
            mantissa, exp_s = str(best), str(int(exp_s) + len(str(best)) - p)
            break
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    n = int(exp_s) + 1
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return head + ("e+" if e >= 0 else "e-") + str(abs(e))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_match_a_plain_reference(x: float) -> None:
    assert es_number(x) == _es_reference(x)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _as_proxy(value: object) -> object:
    """The same value with every dict a mapping proxy (the careful encoder's path)."""
    import types

    if isinstance(value, dict):
        return types.MappingProxyType({k: _as_proxy(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_as_proxy(v) for v in value)
    return value


@given(json_values)
def test_fast_and_careful_encoders_agree(value: object) -> None:
    try:
        fast = canonical_json(value)
    except InputError:
        with pytest.raises(InputError):
            canonical_json(_as_proxy(value))
        return
    assert canonical_json(_as_proxy(value)) == fast
    assert json.loads(fast, parse_int=float) == value  # JSON numbers are doubles
