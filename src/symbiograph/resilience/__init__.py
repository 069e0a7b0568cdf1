"""Resilience of a designed network: outages (N-1, N-2) and their cascades in money, tonnes,
CO2e and jobs per participant, frozen and rewired; topological criticality beside them; Monte
Carlo over prices and volumes with the design as built. Pure functions over the tables of
the stages before; fan-out goes through the executor seam (``symbiograph.tasks``)."""

from symbiograph.resilience._montecarlo import (
    Distribution,
    MonteCarlo,
    UncertainInput,
    monte_carlo,
    sample_inputs,
)
from symbiograph.resilience._outages import (
    ELEMENT_KINDS,
    CascadeRule,
    Element,
    OutageAnalysis,
    dependency_rule,
    design_elements,
    outage_analysis,
    sunk_candidates,
)
from symbiograph.resilience._topology import betweenness, degree

__all__ = [
    "ELEMENT_KINDS",
    "CascadeRule",
    "Distribution",
    "Element",
    "MonteCarlo",
    "OutageAnalysis",
    "UncertainInput",
    "betweenness",
    "degree",
    "dependency_rule",
    "design_elements",
    "monte_carlo",
    "outage_analysis",
    "sample_inputs",
    "sunk_candidates",
]
