"""Network design by mixed-integer optimisation (HiGHS): which exchanges, how much, which
shared infrastructure, under policy levers; solutions as tables."""

from symbiograph.optimize._builder import DesignModel, DesignTables, build_model
from symbiograph.optimize._design import (
    FIXED_TERMS,
    GIVER_TERMS,
    SHARED_TERMS,
    TAKER_TERMS,
    TERMS,
    VARIABLE_TERMS,
    DesignBuild,
    DesignProblem,
    DesignSolution,
    build_design,
    design_network,
    design_problem,
    extract_design,
    independent_parts,
    policy_parameters,
    price_candidates,
    solve_design,
    term_shares,
)
from symbiograph.optimize._diagnose import InfeasibleDesign, diagnose_infeasibility
from symbiograph.optimize._pareto import pareto_front
from symbiograph.optimize._review import review_documented
from symbiograph.optimize._settings import (
    OBJECTIVES,
    TIME_SLICE_MODES,
    DesignSettings,
    Objective,
    TimeSliceMode,
)
from symbiograph.optimize._sites import treatment_site_candidates
from symbiograph.optimize._solve import SOLVERS, Solver, SolveResult, solve_model
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
    "FIXED_TERMS",
    "GIVER_TERMS",
    "HOURS_PER_YEAR",
    "OBJECTIVES",
    "SHARED_TERMS",
    "SOLVERS",
    "TAKER_TERMS",
    "TERMS",
    "TIME_SLICE_MODES",
    "VARIABLE_TERMS",
    "DesignBuild",
    "DesignModel",
    "DesignProblem",
    "DesignSettings",
    "DesignSolution",
    "DesignTables",
    "InfeasibleDesign",
    "Objective",
    "SolveResult",
    "Solver",
    "TimeSliceMode",
    "TimeSlices",
    "WaterAllocation",
    "WaterRegeneration",
    "WaterSolution",
    "WaterTargets",
    "build_design",
    "build_model",
    "design_network",
    "design_problem",
    "design_water_allocation",
    "design_water_network",
    "diagnose_infeasibility",
    "extract_design",
    "independent_parts",
    "monthly_slices",
    "pareto_front",
    "policy_parameters",
    "price_candidates",
    "representative_days",
    "review_documented",
    "solve_design",
    "solve_model",
    "stream_profiles",
    "t_per_h_to_m3_per_yr",
    "term_shares",
    "time_slices",
    "treatment_site_candidates",
    "water_cascade_targets",
    "water_operations",
    "water_sources_sinks",
]
