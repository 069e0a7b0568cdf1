"""Network design by mixed-integer optimisation (HiGHS): which exchanges, how much, which
shared infrastructure, under policy levers; solutions as tables."""

from symbiograph.optimize._builder import DesignModel, DesignTables, build_model
from symbiograph.optimize._design import (
    FLOW_COLUMNS,
    GIVER_TERMS,
    TAKER_TERMS,
    TERMS,
    DesignProblem,
    DesignSolution,
    design_network,
    design_problem,
    independent_parts,
    part_tables,
    policy_parameters,
    price_candidates,
)
from symbiograph.optimize._diagnose import InfeasibleDesign, diagnose_infeasibility
from symbiograph.optimize._pareto import pareto_front
from symbiograph.optimize._review import review_documented
from symbiograph.optimize._settings import DesignSettings
from symbiograph.optimize._sites import treatment_site_candidates
from symbiograph.optimize._solve import SolveResult, new_highs, pass_model, solve_model
from symbiograph.optimize._timeslices import (
    TimeSlices,
    monthly_slices,
    representative_days,
    stream_profiles,
    time_slices,
)
from symbiograph.optimize._water import (
    HOURS_PER_YEAR,
    WaterRegeneration,
    WaterSolution,
    design_water_network,
    t_per_h_to_m3_per_yr,
    water_operations,
)
from symbiograph.optimize._water_flows import (
    WaterAllocation,
    WaterTargets,
    design_water_allocation,
    water_cascade_targets,
    water_sources_sinks,
)

__all__ = [
    "FLOW_COLUMNS",
    "GIVER_TERMS",
    "HOURS_PER_YEAR",
    "TAKER_TERMS",
    "TERMS",
    "DesignModel",
    "DesignProblem",
    "DesignSettings",
    "DesignSolution",
    "DesignTables",
    "InfeasibleDesign",
    "SolveResult",
    "TimeSlices",
    "WaterAllocation",
    "WaterRegeneration",
    "WaterSolution",
    "WaterTargets",
    "build_model",
    "design_network",
    "design_problem",
    "design_water_allocation",
    "design_water_network",
    "diagnose_infeasibility",
    "independent_parts",
    "monthly_slices",
    "new_highs",
    "pareto_front",
    "part_tables",
    "pass_model",
    "policy_parameters",
    "price_candidates",
    "representative_days",
    "review_documented",
    "solve_model",
    "stream_profiles",
    "t_per_h_to_m3_per_yr",
    "time_slices",
    "treatment_site_candidates",
    "water_cascade_targets",
    "water_operations",
    "water_sources_sinks",
]
