"""The command line's one failure handler: each SymbiographError kind is one red line and
its own exit code; --debug adds the traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import symbiograph.optimize
from store.storekit import one_error_line
from symbiograph.cli import app
from symbiograph.datasets import kalundborg
from symbiograph.errors import (
    EXIT_ALLOCATION,
    EXIT_INFEASIBLE,
    EXIT_SOLVER,
    AllocationError,
    InfeasibleError,
    SolverError,
    SymbiographError,
)
from symbiograph.io import write_network

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})

FAILURES = [
    (SolverError("HiGHS stopped at the time limit without a feasible solution"), EXIT_SOLVER),
    (InfeasibleError("infeasible: relax the demand bounds of d1"), EXIT_INFEASIBLE),
    (AllocationError("nucleolus: the core is empty"), EXIT_ALLOCATION),
]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "kalundborg.yaml"
    write_network(kalundborg(), path)
    return path


def _failing(error: SymbiographError) -> object:
    def design_network(*_args: object, **_kwargs: object) -> None:
        raise error

    return design_network


@pytest.mark.parametrize(("error", "code"), FAILURES, ids=lambda v: type(v).__name__)
def test_each_failure_kind_has_its_exit_code(
    scenario: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: SymbiographError,
    code: int,
) -> None:
    monkeypatch.setattr(symbiograph.optimize, "design_network", _failing(error))
    result = runner.invoke(app, ["optimize", str(scenario), "--out", str(tmp_path / "d")])
    assert result.exit_code == code, result.output
    assert one_error_line(result.stderr) == f"error: {error}"
    debug = runner.invoke(app, ["--debug", "optimize", str(scenario), "--out", str(tmp_path)])
    assert debug.exit_code == code
    assert "Traceback (most recent call last)" in debug.stderr
    assert "design_network" in debug.stderr  # the frame that raised
    assert debug.stderr.strip().splitlines()[-1] == f"error: {error}"


def test_exit_codes_are_documented() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for fragment in (
        "1 invalid input",
        "2 wrong usage",
        "3 not found",
        "4 store error",
        "5 solver",
        "6 infeasible design",
        "7 allocation",
        "--debug",
    ):
        assert fragment in text, fragment
