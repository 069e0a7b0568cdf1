"""Issue 9 item 3: hazardous waste is never waved through. Every EWC entry marked hazardous
in the shipped List of Waste (written with or without its asterisk, spaced or not) makes the
resource hazardous: an explicit ``hazardous: false`` on it is a located problem, an empty
flag is taken from the code, and matching and ``explain`` see the truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostile._cases import located, place, problems_of, scenario_path, set_cells, validate_cli
from symbiograph.io import network_from_document, read_network
from symbiograph.match import MatchSettings, explain_pair, find_candidates
from symbiograph.model import Network
from symbiograph.taxonomy import ewc_codes, hazardous_ewc_entries

HAZARDOUS = sorted(hazardous_ewc_entries())


def _spellings(code: str) -> list[str]:
    digits = code.replace(" ", "")
    return [code, f"{code}*", digits, f"{digits}*", code.replace(" ", "."), f"{code} *"]


def _doc(codes: list[str], flag: Any) -> dict[str, Any]:
    """One resource per code with ``hazardous: flag`` (None: not given), one supply each."""
    resources = []
    for i, code in enumerate(codes):
        record: dict[str, Any] = {
            "id": f"r{i}",
            "name": f"waste {i}",
            "kind": "material",
            "unit": "t/yr",
            "ewc_code": code,
        }
        if flag is not None:
            record["hazardous"] = flag
        resources.append(record)
    return {
        "resources": resources,
        "facilities": [
            {"id": "plant", "name": "Plant", "organisation": "P", "nace_code": "20.11"}
            | {"lat": 55.0, "lon": 11.0}
        ],
        "streams": [
            {
                "id": f"s{i}",
                "facility_id": "plant",
                "resource_id": f"r{i}",
                "direction": "supply",
                "quantity": 10.0,
            }
            for i in range(len(codes))
        ],
    }


def test_every_hazardous_entry_flagged_false_is_refused() -> None:
    assert len(HAZARDOUS) == 408
    codes = [_spellings(code)[i % 6] for i, code in enumerate(HAZARDOUS)]
    from symbiograph.io import ScenarioError

    with pytest.raises(ScenarioError) as info:
        network_from_document(_doc(codes, False), "waste.yaml")
    problems = [p for p in info.value.problems if p.field == "hazardous"]
    assert [p.row for p in problems] == list(range(1, len(HAZARDOUS) + 1))
    for p, code in zip(problems, HAZARDOUS, strict=True):
        assert p.file == "waste.yaml" and p.sheet == "resources"
        assert f"EWC {code} is hazardous" in p.message


@pytest.mark.parametrize("flag", [None, "", True, "yes"])
def test_hazardous_flag_is_taken_from_the_code(flag: Any) -> None:
    net = network_from_document(_doc(HAZARDOUS, flag))
    assert net.resources["hazardous"].all()


def test_non_hazardous_entries_keep_their_flag() -> None:
    codes = ewc_codes()
    plain = sorted(codes.loc[(codes["level"] == "entry") & ~codes["hazardous"], "code"])
    assert len(plain) == 842 - 408
    net = network_from_document(_doc(plain, None))
    assert not net.resources["hazardous"].any()
    flagged = network_from_document(_doc(plain[:5], True))
    assert flagged.resources["hazardous"].all()


@settings(max_examples=15, deadline=None)
@given(
    code=st.sampled_from(HAZARDOUS),
    spelling=st.integers(0, 5),
    fmt=st.sampled_from(["yaml", "csv", "xlsx"]),
    false=st.sampled_from(["false", "no", "0", "FALSE"]),
)
def test_hazardous_code_flagged_false_in_any_format(
    tmp_path_factory: pytest.TempPathFactory, code: str, spelling: int, fmt: str, false: str
) -> None:
    tmp = tmp_path_factory.mktemp("haz")
    path = scenario_path(tmp, fmt)
    written = _spellings(code)[spelling]
    cells = [
        ("resources", 0, "ewc_code", f"'{written}'" if fmt == "yaml" else written),
        ("resources", 0, "hazardous", false if fmt != "xlsx" else False),
    ]
    set_cells(path, fmt, cells)
    file, sheet, row = place(path, fmt, "resources", 0)
    located(problems_of(path), file, sheet=sheet, row=row, field="hazardous", words=(code,))


def test_cli_refuses_the_false_flag(tmp_path: Path) -> None:
    path = scenario_path(tmp_path, "yaml")
    set_cells(
        path,
        "yaml",
        [("resources", 0, "ewc_code", "'10 01 04*'"), ("resources", 0, "hazardous", "false")],
    )
    result = validate_cli(path)
    assert "hazardous" in result.output and "10 01 04" in result.output


def _receiver_pair(hazardous_code: str) -> Network:
    """A hazardous by-product offered to a receiver without a hazardous-waste permit."""
    doc = _doc([hazardous_code], None)
    doc["facilities"].append(
        {"id": "board", "name": "Board", "organisation": "B", "nace_code": "23.62"}
        | {"lat": 55.01, "lon": 11.0}
    )
    doc["streams"].append(
        {
            "id": "d0",
            "facility_id": "board",
            "resource_id": "r0",
            "direction": "demand",
            "quantity": 10.0,
        }
    )
    return network_from_document(doc)


@settings(max_examples=10, deadline=None)
@given(code=st.sampled_from(HAZARDOUS), spelling=st.integers(0, 5))
def test_explain_never_calls_a_hazardous_code_not_hazardous(code: str, spelling: int) -> None:
    net = _receiver_pair(_spellings(code)[spelling])
    why = explain_pair(net, "s0", "d0", MatchSettings(use_archetypes=False)).set_index("rule")
    detail = why.loc["hazardous_receiver", "detail"]
    assert "not hazardous" not in detail and "hazardous resource" in detail
    assert not why.loc["hazardous_receiver", "passed"]


def test_matching_sees_the_code_even_when_a_network_skips_io() -> None:
    # a Network built in code (not read from a file) with the flag left false
    net = _receiver_pair("10 01 04")
    net.resources["hazardous"] = False
    result = find_candidates(net, MatchSettings(use_archetypes=False))
    assert result.candidates.empty
    why = explain_pair(net, "s0", "d0", MatchSettings(use_archetypes=False)).set_index("rule")
    assert "not hazardous" not in why.loc["hazardous_receiver", "detail"]


def test_written_and_read_back_the_flag_stays_true(tmp_path: Path) -> None:
    from symbiograph.io import write_network

    net = network_from_document(_doc(HAZARDOUS[:20], None))
    for fmt, target in (("yaml", "n.yaml"), ("csv", "n"), ("xlsx", "n.xlsx")):
        back = read_network(write_network(net, tmp_path / target, fmt))
        assert back.differences(net) == []
