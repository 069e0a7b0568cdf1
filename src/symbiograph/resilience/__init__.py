"""Resilience of a designed network: outages (N-1, N-2) and their cascades in money, tonnes,
CO2e and jobs per participant, frozen and rewired; topological criticality beside them; Monte
Carlo over prices and volumes with the design as built; the two-stage stochastic design
(build first, flows per scenario) with its VSS and EVPI. Pure functions over the tables of
the stages before; fan-out goes through the executor seam (``symbiograph.tasks``)."""

from symbiograph.resilience._montecarlo import (
    INPUT_COLUMNS,
    Distribution,
    MonteCarlo,
    UncertainInput,
    default_inputs,
    inputs_from_table,
    monte_carlo,
    sample_inputs,
    tornado,
)
from symbiograph.resilience._outages import (
    ELEMENT_KINDS,
    CascadeRule,
    Element,
    OutageAnalysis,
    dependency_rule,
    design_elements,
    outage_analysis,
    partial_outage,
    sunk_candidates,
)
from symbiograph.resilience._stochastic import (
    StochasticDesign,
    scenario_table,
    stochastic_design,
)
from symbiograph.resilience._topology import betweenness, degree, diversity_resilience

__all__ = [
    "ELEMENT_KINDS",
    "INPUT_COLUMNS",
    "CascadeRule",
    "Distribution",
    "Element",
    "MonteCarlo",
    "OutageAnalysis",
    "StochasticDesign",
    "UncertainInput",
    "betweenness",
    "default_inputs",
    "degree",
    "dependency_rule",
    "design_elements",
    "diversity_resilience",
    "inputs_from_table",
    "monte_carlo",
    "outage_analysis",
    "partial_outage",
    "sample_inputs",
    "scenario_table",
    "stochastic_design",
    "sunk_candidates",
    "tornado",
]
