"""The knowledge base matching uses: the shipped synergy archetypes and the scenario's own."""

from __future__ import annotations

import pandas as pd

from symbiograph.errors import InputError
from symbiograph.model import Network

__all__ = ["knowledge_base"]


def knowledge_base(network: Network, archetypes: pd.DataFrame | None = None) -> pd.DataFrame:
    """The synergy archetypes matching uses for ``network``.

    ``archetypes`` (default: the shipped ``symbiograph.taxonomy.synergy_archetypes()``) with
    the scenario's ``archetypes`` table applied on top: rows that add an archetype, override
    a shipped one or widen it (see ``symbiograph.taxonomy.apply_scenario_archetypes``). The
    column ``origin`` says where each archetype comes from. Raises InputError when the
    scenario table does not fit the knowledge base (``read_network`` reports the same
    problems with their file, row and field).
    """
    from symbiograph.taxonomy import apply_scenario_archetypes, synergy_archetypes

    base = synergy_archetypes() if archetypes is None else archetypes
    scenario = network.archetypes
    if not len(scenario):
        return base
    sources = dict(zip(network.sources["id"], network.sources["year"], strict=True))
    merged, problems = apply_scenario_archetypes(base, scenario, sources)
    if problems:
        shown = "; ".join(
            f"archetypes row {position + 1}, field {field!r}: {message}"
            for position, field, message in problems[:5]
        )
        raise InputError(f"the scenario's archetypes do not fit the knowledge base: {shown}")
    return merged
