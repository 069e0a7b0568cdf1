"""Fair shares of the network's gain: cooperative-game solution concepts over coalition
values (Shapley, sampled Shapley, nucleolus, core and least core, defecting coalitions,
baselines), with coalition values from the network design model, and ``share_gain``: a
design's gain shared by several methods, checked for stability and settled in prices."""

from symbiograph.allocate._coalitions import CoalitionGame, defecting_pairs, dual_allocation
from symbiograph.allocate._games import (
    CachedValue,
    EmptyImputationSet,
    coalition_members,
    core_is_empty,
    defecting_coalitions,
    equal_split,
    game_from_function,
    in_core,
    is_convex,
    least_core,
    nucleolus,
    prenucleolus,
    proportional,
    shapley_exact,
    shapley_sampled,
)
from symbiograph.allocate._settlement import settle
from symbiograph.allocate._share import METHODS, Allocation, default_methods, share_gain

__all__ = [
    "METHODS",
    "Allocation",
    "CachedValue",
    "CoalitionGame",
    "EmptyImputationSet",
    "coalition_members",
    "core_is_empty",
    "default_methods",
    "defecting_coalitions",
    "defecting_pairs",
    "dual_allocation",
    "equal_split",
    "game_from_function",
    "in_core",
    "is_convex",
    "least_core",
    "nucleolus",
    "prenucleolus",
    "proportional",
    "settle",
    "shapley_exact",
    "shapley_sampled",
    "share_gain",
]
