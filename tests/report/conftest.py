"""The Kalundborg design, solved once for the report tests (as ``symbiograph optimize`` does)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest

from symbiograph.assess import (
    assess_baseline,
    assess_design,
    compare_with_published,
    indicator_table,
)
from symbiograph.datasets import kalundborg
from symbiograph.match import find_candidates
from symbiograph.model import Network
from symbiograph.optimize import (
    DesignSettings,
    compare_with_today,
    design_network,
    design_today,
    review_documented,
)


@dataclass
class Design:
    """A solved design with everything its report takes."""

    network: Network
    candidates: pd.DataFrame
    solution: Any
    baseline: Any
    assessment: Any
    indicators: pd.DataFrame
    review: pd.DataFrame
    comparison: pd.DataFrame


@pytest.fixture(scope="session")
def kalundborg_design() -> Design:
    network = kalundborg()
    candidates = find_candidates(network).candidates
    settings = DesignSettings()
    solution = design_network(network, candidates, settings)
    today = design_today(network, candidates, settings)
    baseline = assess_baseline(
        network, candidates, compare_with_today(network, candidates, today, solution)
    )
    assessment = assess_design(network, candidates, solution)
    return Design(
        network=network,
        candidates=candidates,
        solution=solution,
        baseline=baseline,
        assessment=assessment,
        indicators=indicator_table(assessment, solution.flows),
        review=review_documented(network.exchanges, candidates, solution),
        comparison=compare_with_published(network, assessment, today=baseline.today),
    )


@pytest.fixture(scope="session")
def secret_design() -> Design:
    """The confidentiality scenario (tests/access: one confidential gypsum supply with
    distinctive figures), designed and assessed, today and the design."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "access"))
    from confidential_scenario import _doc

    from symbiograph.io import network_from_document

    network = network_from_document(_doc())
    candidates = find_candidates(network).candidates
    settings = DesignSettings()
    solution = design_network(network, candidates, settings)
    today = design_today(network, candidates, settings)
    baseline = assess_baseline(
        network, candidates, compare_with_today(network, candidates, today, solution)
    )
    assessment = assess_design(network, candidates, solution)
    return Design(
        network=network,
        candidates=candidates,
        solution=solution,
        baseline=baseline,
        assessment=assessment,
        indicators=indicator_table(assessment, solution.flows),
        review=review_documented(network.exchanges, candidates, solution),
        comparison=pd.DataFrame(),
    )
