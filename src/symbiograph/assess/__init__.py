"""Indicators of a designed network: money, CO2e, materials, water, energy and jobs per
participant and in total; ecological network analysis; comparison with published figures.

Pure functions over the tables of the stages before (network, candidates, solution).
"""

from symbiograph.assess._assessment import (
    EXCHANGE_COLUMNS,
    GIVER_TERMS,
    MONEY_TERMS,
    TAKER_TERMS,
    Assessment,
    assess_design,
)
from symbiograph.assess._baseline import BaselineAssessment, assess_baseline
from symbiograph.assess._co2e import CO2E_COLUMNS, co2e_lines, transport_factors
from symbiograph.assess._compare import (
    COMPARE_COLUMNS,
    PUBLISHED_INDICATORS,
    compare_with_published,
)
from symbiograph.assess._ecology import (
    EcologicalAnalysis,
    ecological_analysis,
    finn_cycling_index,
    flow_matrix,
    link_structure,
    shannon_diversity,
    supplier_diversity,
)
from symbiograph.assess._indicators import indicator_table
from symbiograph.assess._jobs import DEFAULT_REUSE_ACTIVITY, employment_ratios, job_lines
from symbiograph.assess._outcomes import OUTCOME_COLUMNS, candidate_outcomes, physical_outcomes
from symbiograph.model import exchange_rates  # the scenario's rates, used by the comparison

__all__ = [
    "CO2E_COLUMNS",
    "COMPARE_COLUMNS",
    "DEFAULT_REUSE_ACTIVITY",
    "EXCHANGE_COLUMNS",
    "GIVER_TERMS",
    "MONEY_TERMS",
    "OUTCOME_COLUMNS",
    "PUBLISHED_INDICATORS",
    "TAKER_TERMS",
    "Assessment",
    "BaselineAssessment",
    "EcologicalAnalysis",
    "assess_baseline",
    "assess_design",
    "candidate_outcomes",
    "co2e_lines",
    "compare_with_published",
    "ecological_analysis",
    "employment_ratios",
    "exchange_rates",
    "finn_cycling_index",
    "flow_matrix",
    "indicator_table",
    "job_lines",
    "link_structure",
    "physical_outcomes",
    "shannon_diversity",
    "supplier_diversity",
    "transport_factors",
]
