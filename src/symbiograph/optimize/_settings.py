"""Settings of the network design: objective, policy levers, solver limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from symbiograph.errors import InputError

__all__ = ["OBJECTIVES", "TIME_SLICE_MODES", "DesignSettings", "Objective", "TimeSliceMode"]

#: What a design maximises (see :class:`DesignSettings`).
Objective = Literal["cost", "co2", "weighted"]
OBJECTIVES: tuple[str, ...] = get_args(Objective)
#: The time resolution of a design: the year as one, twelve months, representative days.
TimeSliceMode = Literal["none", "monthly", "days"]
TIME_SLICE_MODES: tuple[str, ...] = get_args(TimeSliceMode)


@dataclass(frozen=True)
class DesignSettings:
    """How the network is designed.

    ``objective``: ``cost`` maximises the annual net benefit (currency/yr, carbon valued at
    the scenario's carbon price), ``co2`` maximises the CO2e avoided (t/yr, money as a tie
    break), ``weighted`` maximises money + ``co2_weight`` x CO2e. ``min_co2e_t`` adds an
    epsilon constraint (at least that much CO2e avoided per year). Policy levers left as None
    take the scenario's parameters: ``carbon_price`` (currency/t CO2e), ``landfill_tax`` and
    ``subsidy_per_t_diverted`` (currency/t), ``capex_grant_share`` (0..1). ``budget`` caps the
    annualised fixed cost (currency/yr). ``individual_rationality`` keeps every organisation
    at least as well off as today. ``min_contract_share`` is the share of a candidate's
    maximum flow that must be sent once its link is built. ``time_limit_s`` and ``mip_gap``
    bound each solve; parts of the network with no candidate between them are solved apart.
    ``time_slices`` = ``monthly`` solves twelve months at once, with seasonal supplies and
    demands and storage that shifts a surplus between months; ``days`` solves the 24 hours
    of a representative day per season (96 slices), with daily storage. ``solver`` names the
    solver (``highs``, the one shipped) and ``solver_options`` passes it further options by
    name (e.g. ``{"mip_heuristic_effort": 0.2}``). ``tight`` bounds each flow and link by
    the smallest of its capacity, supply and demand (same optimum, tighter relaxation);
    ``heuristic`` (``auto``, ``on``, ``off``) hands the solver a start from slope scaling
    and a local search over small regions, given ``heuristic_share`` of the time limit (HiGHS
    the rest, to improve it and prove a bound), in ``auto``
    for parts with at least ``heuristic_min_binaries`` link switches.
    """

    objective: Objective = "cost"
    co2_weight: float = 0.0
    min_co2e_t: float | None = None
    carbon_price: float | None = None
    landfill_tax: float | None = None
    subsidy_per_t_diverted: float | None = None
    capex_grant_share: float | None = None
    budget: float | None = None
    individual_rationality: bool = False
    min_contract_share: float = 0.0
    max_km: float | None = None
    keep_existing: bool = False
    time_limit_s: float = 120.0
    mip_gap: float = 1e-4
    time_slices: TimeSliceMode = "none"
    decompose: bool = True
    batch_columns: int = 4000
    threads: int = 1
    seed: int = 0
    solver: Literal["highs"] = "highs"
    solver_options: Mapping[str, bool | int | float | str] = field(default_factory=dict)
    tight: bool = True
    heuristic: Literal["auto", "on", "off"] = "auto"
    heuristic_share: float = 0.8
    heuristic_min_binaries: int = 1000

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise InputError(f"objective must be {', '.join(OBJECTIVES)}, not {self.objective!r}")
        if self.time_slices not in TIME_SLICE_MODES:
            raise InputError(
                f"time_slices must be {', '.join(TIME_SLICE_MODES)}, not {self.time_slices!r}"
            )
        if self.heuristic not in ("auto", "on", "off"):
            raise InputError(f"heuristic must be auto, on or off, not {self.heuristic!r}")
        if not 0.0 < self.heuristic_share < 1.0:
            raise InputError("heuristic_share must lie strictly between 0 and 1")
        if not 0.0 <= self.min_contract_share <= 1.0:
            raise InputError("min_contract_share must lie between 0 and 1")
