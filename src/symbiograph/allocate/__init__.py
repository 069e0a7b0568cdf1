"""Fair shares of the network's gain: cooperative-game solution concepts over coalition
values (Shapley, sampled Shapley, nucleolus, core and least core, defecting coalitions,
baselines), with coalition values from the network design model."""

from symbiograph.allocate._coalitions import CoalitionGame, defecting_pairs, dual_allocation
from symbiograph.allocate._games import (
    CachedValue,
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

__all__ = [
    "CachedValue",
    "CoalitionGame",
    "coalition_members",
    "core_is_empty",
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
]
