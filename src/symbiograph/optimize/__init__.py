"""Network design by mixed-integer optimisation (HiGHS): which exchanges, how much, which
shared infrastructure, under policy levers; solutions as tables.

The names below load on first use (PEP 562), so importing a light part of the package (its
settings, for the command line's choices) does not load the solver and the model builder.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from symbiograph.optimize._baseline import (
        Baseline,
        compare_with_today,
        design_today,
        today_candidates,
    )
    from symbiograph.optimize._builder import DesignModel, DesignTables, build_model
    from symbiograph.optimize._design import (
        FIXED_TERMS,
        FLOW_COLUMNS,
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
    from symbiograph.optimize._processes import PROCESS_TERMS
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
    from symbiograph.optimize._water_game import WaterGame, network_water, water_game

__all__ = [
    "FIXED_TERMS",
    "FLOW_COLUMNS",
    "GIVER_TERMS",
    "HOURS_PER_YEAR",
    "OBJECTIVES",
    "PROCESS_TERMS",
    "SHARED_TERMS",
    "SOLVERS",
    "TAKER_TERMS",
    "TERMS",
    "TIME_SLICE_MODES",
    "VARIABLE_TERMS",
    "Baseline",
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
    "WaterGame",
    "WaterRegeneration",
    "WaterSolution",
    "WaterTargets",
    "build_design",
    "build_model",
    "compare_with_today",
    "design_network",
    "design_problem",
    "design_today",
    "design_water_allocation",
    "design_water_network",
    "diagnose_infeasibility",
    "extract_design",
    "independent_parts",
    "monthly_slices",
    "network_water",
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
    "today_candidates",
    "treatment_site_candidates",
    "water_cascade_targets",
    "water_game",
    "water_operations",
    "water_sources_sinks",
]

#: The private module each public name lives in.
_HOME = {
    "Baseline": "_baseline",
    "compare_with_today": "_baseline",
    "design_today": "_baseline",
    "today_candidates": "_baseline",
    "FIXED_TERMS": "_design",
    "FLOW_COLUMNS": "_design",
    "GIVER_TERMS": "_design",
    "HOURS_PER_YEAR": "_water",
    "OBJECTIVES": "_settings",
    "PROCESS_TERMS": "_processes",
    "SHARED_TERMS": "_design",
    "SOLVERS": "_solve",
    "TAKER_TERMS": "_design",
    "TERMS": "_design",
    "TIME_SLICE_MODES": "_settings",
    "VARIABLE_TERMS": "_design",
    "DesignBuild": "_design",
    "DesignModel": "_builder",
    "DesignProblem": "_design",
    "DesignSettings": "_settings",
    "DesignSolution": "_design",
    "DesignTables": "_builder",
    "InfeasibleDesign": "_diagnose",
    "Objective": "_settings",
    "SolveResult": "_solve",
    "Solver": "_solve",
    "TimeSliceMode": "_settings",
    "TimeSlices": "_timeslices",
    "WaterAllocation": "_water_flows",
    "WaterGame": "_water_game",
    "network_water": "_water_game",
    "water_game": "_water_game",
    "WaterRegeneration": "_water",
    "WaterSolution": "_water",
    "WaterTargets": "_water_flows",
    "build_design": "_design",
    "build_model": "_builder",
    "design_network": "_design",
    "design_problem": "_design",
    "design_water_allocation": "_water_flows",
    "design_water_network": "_water",
    "diagnose_infeasibility": "_diagnose",
    "extract_design": "_design",
    "independent_parts": "_design",
    "monthly_slices": "_timeslices",
    "pareto_front": "_pareto",
    "policy_parameters": "_design",
    "price_candidates": "_design",
    "representative_days": "_timeslices",
    "review_documented": "_review",
    "solve_design": "_design",
    "solve_model": "_solve",
    "stream_profiles": "_timeslices",
    "t_per_h_to_m3_per_yr": "_water",
    "term_shares": "_design",
    "time_slices": "_timeslices",
    "treatment_site_candidates": "_sites",
    "water_cascade_targets": "_water_flows",
    "water_operations": "_water",
    "water_sources_sinks": "_water_flows",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
