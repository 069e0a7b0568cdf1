"""Shipped reference data: EWC waste codes, NACE sectors, emission factors, transport defaults.

Each table is a versioned CSV file in this package whose header comments name its public
source and year; the functions here load them (cached) and return copies as DataFrames.
"""

from symbiograph.taxonomy._archetypes import (
    apply_scenario_archetypes,
    archetype_sources,
    cpa_codes,
    synergy_archetypes,
)
from symbiograph.taxonomy._listings import (
    labelled_residue_listings,
    listing_containers,
    nace_ewc_prior,
    residue_lexicon,
)
from symbiograph.taxonomy._loaders import (
    emission_factors,
    employment_ratios,
    ewc_codes,
    hazardous_ewc_entries,
    is_hazardous_ewc,
    is_valid_ewc,
    is_valid_nace,
    nace_codes,
    normalise_ewc_code,
    normalise_nace_code,
    quality_attributes,
    transport_mode_defaults,
    valid_ewc_entries,
    valid_nace_classes,
)
from symbiograph.taxonomy._technologies import (
    technologies,
    technology_documentation,
    technology_ports,
)

__all__ = [
    "apply_scenario_archetypes",
    "archetype_sources",
    "cpa_codes",
    "emission_factors",
    "employment_ratios",
    "ewc_codes",
    "hazardous_ewc_entries",
    "is_hazardous_ewc",
    "is_valid_ewc",
    "is_valid_nace",
    "labelled_residue_listings",
    "listing_containers",
    "nace_codes",
    "nace_ewc_prior",
    "normalise_ewc_code",
    "normalise_nace_code",
    "quality_attributes",
    "residue_lexicon",
    "synergy_archetypes",
    "technologies",
    "technology_documentation",
    "technology_ports",
    "transport_mode_defaults",
    "valid_ewc_entries",
    "valid_nace_classes",
]
