"""Issue 9 item 4: bounded input. Alias expansion beyond a fixed budget and nesting beyond
a fixed depth are refused before anything is built, in bounded memory; files over the size
limits and fields over the length limit are refused with the limit named; a NUL character
in a text field is refused at validation."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostile._cases import (
    import_changes_nothing,
    located,
    place,
    problems_of,
    scenario_path,
    set_cell,
    validate_cli,
)
from symbiograph.io import _csvdir, _xlsx, _yaml, read_network
from symbiograph.io._limits import MAX_TEXT_CHARS, YAML_MAX_ALIAS_NODES, YAML_MAX_DEPTH


def _laughs(levels: int, fanout: int, where: str = "note") -> str:
    """A "billion laughs" scenario: each anchor repeats the one before ``fanout`` times."""
    lines = ["parameters:", "  name: laughs", "lol:", '  - &l0 ["lol", "lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*l{i - 1}"] * fanout)
        lines.append(f"  - &l{i} [{refs}]")
    lines.append(f"facilities:\n  - {{id: a, {where}: *l{levels}}}")
    return "\n".join(lines) + "\n"


def _peak_mb(action) -> float:
    tracemalloc.start()
    try:
        action()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / 2**20


def test_billion_laughs_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(_laughs(9, 10))  # 10**9 "lol"s once expanded

    def read() -> None:
        problems = problems_of(path)
        located(problems, str(path), words=("alias", f"{YAML_MAX_ALIAS_NODES:,}"))

    assert _peak_mb(read) < 50
    validate_cli(path)
    import_changes_nothing(path, tmp_path)


def test_the_67_kb_laughs_file_of_the_issue(tmp_path: Path) -> None:
    # many anchors, each aliasing the previous one many times: 67 kB of text
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 60):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 200) + "]")
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert 60_000 < path.stat().st_size < 80_000
    assert _peak_mb(lambda: located(problems_of(path), str(path), words=("alias",))) < 50


@settings(max_examples=15, deadline=None)
@given(levels=st.integers(2, 12), fanout=st.integers(2, 40))
def test_alias_budget_is_a_sharp_line(
    tmp_path_factory: pytest.TempPathFactory, levels: int, fanout: int
) -> None:
    path = tmp_path_factory.mktemp("alias") / "s.yaml"
    path.write_text(_laughs(levels, fanout))
    # nodes the aliases repeat: level i holds fanout**i copies of l0 (3 nodes) plus lists
    repeated = sum(
        fanout * sum(fanout**j for j in range(i)) + fanout * 3 * fanout ** (i - 1)
        for i in range(1, levels + 1)
    )
    problems = problems_of(path)
    says_alias = any("alias" in p.message for p in problems)
    # well over the budget is always refused; well under never for the aliases
    if repeated > 4 * YAML_MAX_ALIAS_NODES:
        assert says_alias
    if repeated < YAML_MAX_ALIAS_NODES // 4:
        assert not says_alias  # refused for the unknown table 'lol' instead
        located(problems, str(path), words=("unknown table 'lol'",))


def test_aliases_within_the_budget_are_read(tmp_path: Path) -> None:
    path = scenario_path(tmp_path, "yaml")
    text = path.read_text()
    text = text.replace("quality:\n", "quality: &q\n", 1)
    assert "&q" in text
    path.write_text(text)
    read_network(path)


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("facilities:\n  - &a {id: x, note: [*a]}\n")
    located(problems_of(path), str(path), words=("contains it",))
    validate_cli(path)


@settings(max_examples=10, deadline=None)
@given(
    depth=st.one_of(st.integers(YAML_MAX_DEPTH + 1, 500), st.sampled_from([100_000])),
    style=st.sampled_from(["flow-list", "flow-map", "block-map"]),
)
def test_deep_nesting_is_refused_without_recursion_error(
    tmp_path_factory: pytest.TempPathFactory, depth: int, style: str
) -> None:
    path = tmp_path_factory.mktemp("deep") / "s.yaml"
    if style == "flow-list":
        text = "note: " + "[" * depth + "]" * depth + "\n"
    elif style == "flow-map":
        text = "note: " + "{a: " * depth + "1" + "}" * depth + "\n"
    else:
        depth = min(depth, 2_000)
        text = "".join(" " * i + "a:\n" for i in range(depth)) + " " * depth + "b: 1\n"
    path.write_text(text)
    located(problems_of(path), str(path), words=("nested deeper", str(YAML_MAX_DEPTH)))


def test_deep_nesting_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("facilities: " + "[" * 100_000 + "]" * 100_000 + "\n")
    result = validate_cli(path)
    assert "nested deeper" in result.output


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_files_over_the_size_limit_are_refused(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = scenario_path(tmp_path, fmt)
    module, name = {
        "yaml": (_yaml, "MAX_YAML_BYTES"),
        "csv": (_csvdir, "MAX_CSV_BYTES"),
        "xlsx": (_xlsx, "MAX_XLSX_BYTES"),
    }[fmt]
    monkeypatch.setattr(module, name, 200)
    file = path / "streams.csv" if fmt == "csv" else path
    located(problems_of(path), str(file), words=("over the limit of 200 bytes",))


def test_a_sparse_64_mib_yaml_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(65 * 2**20)  # sparse: no disk used, nothing read
    p = located(problems_of(path), str(path), words=("over the limit of 64 MiB",))
    assert "65 MiB" in p.message


def test_xlsx_that_unzips_beyond_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = scenario_path(tmp_path, "xlsx")
    monkeypatch.setattr(_xlsx, "MAX_XLSX_UNZIPPED_BYTES", 2000)
    located(problems_of(path), str(path), words=("unzips", "over the limit of 2,000 bytes"))


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
@pytest.mark.parametrize(("table", "field"), [("streams", "note"), ("facilities", "name")])
def test_text_over_the_length_limit_is_refused(
    tmp_path: Path, fmt: str, table: str, field: str
) -> None:
    path = scenario_path(tmp_path, fmt)
    set_cell(path, fmt, table, 1, field, "x" * (MAX_TEXT_CHARS + 1))
    file, sheet, row = place(path, fmt, table, 1)
    p = located(
        problems_of(path), file, sheet=sheet, row=row, field=field, words=("10,000 characters",)
    )
    assert len(p.message) < 200


def test_text_at_the_length_limit_is_read(tmp_path: Path) -> None:
    path = scenario_path(tmp_path, "csv")
    set_cell(path, "csv", "streams", 1, "note", "x" * MAX_TEXT_CHARS)
    assert read_network(path).streams["note"].iloc[1] == "x" * MAX_TEXT_CHARS


def test_a_39_mb_note_is_refused_with_a_short_message(tmp_path: Path) -> None:
    path = scenario_path(tmp_path, "csv")
    set_cell(path, "csv", "streams", 0, "note", "n" * 39_000_000)
    problems = problems_of(path)
    p = located(problems, str(path / "streams.csv"), row=2, field="note", words=("limit",))
    assert "39,000,000 characters" in p.message
    assert sum(len(str(q)) for q in problems) < 2_000
    result = validate_cli(path)
    assert len(result.output) < 10_000


@pytest.mark.parametrize("fmt", ["yaml", "csv"])  # openpyxl cannot even write a NUL
@pytest.mark.parametrize(
    ("table", "pos", "field"),
    [("facilities", 0, "organisation"), ("streams", 2, "note"), ("facilities", 1, "id")],
)
def test_nul_in_a_text_field_is_refused_at_validation(
    tmp_path: Path, fmt: str, table: str, pos: int, field: str
) -> None:
    path = scenario_path(tmp_path, fmt)
    set_cell(path, fmt, table, pos, field, '"a\\0b"' if fmt == "yaml" else "a\x00b")
    file, sheet, row = place(path, fmt, table, pos)
    located(problems_of(path), file, sheet=sheet, row=row, field=field, words=("NUL",))
    validate_cli(path)
    import_changes_nothing(path, tmp_path)
