"""Settings of the network design: objective, policy levers, solver limits."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DesignSettings"]


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
    of a representative day per season (96 slices), with daily storage. ``tight`` bounds
    each flow and link by the smallest of its capacity, supply and demand (same optimum,
    tighter relaxation); ``heuristic`` (``auto``, ``on``, ``off``) hands HiGHS a start from
    slope scaling and relax-and-fix, given ``heuristic_share`` of the time limit, in
    ``auto`` for parts with at least ``heuristic_min_binaries`` link switches.
    """

    objective: str = "cost"
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
    time_slices: str = "none"
    decompose: bool = True
    batch_columns: int = 4000
    threads: int = 1
    seed: int = 0
    tight: bool = True
    heuristic: str = "auto"
    heuristic_share: float = 0.6
    heuristic_min_binaries: int = 1000

    def __post_init__(self) -> None:
        if self.objective not in ("cost", "co2", "weighted"):
            raise ValueError(f"objective must be cost, co2 or weighted, not {self.objective!r}")
        if self.time_slices not in ("none", "monthly", "days"):
            raise ValueError(f"time_slices must be none, monthly or days, not {self.time_slices!r}")
        if self.heuristic not in ("auto", "on", "off"):
            raise ValueError(f"heuristic must be auto, on or off, not {self.heuristic!r}")
        if not 0.0 < self.heuristic_share < 1.0:
            raise ValueError("heuristic_share must lie strictly between 0 and 1")
        if not 0.0 <= self.min_contract_share <= 1.0:
            raise ValueError("min_contract_share must lie between 0 and 1")
