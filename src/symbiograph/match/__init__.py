"""Synergy identification: candidate exchanges from a Network, costed, scored and explained."""

from symbiograph.match._allpairs import find_candidates_all_pairs
from symbiograph.match._candidates import (
    CANDIDATE_COLUMNS,
    MatchResult,
    explain_pair,
    find_candidates,
)
from symbiograph.match._classify import (
    EXAMPLE_COLUMNS,
    ListingCodeModel,
    ListingProposal,
    add_listing_examples,
    classify_listing,
    classify_listings,
    labelled_examples,
    listing_code_model,
)
from symbiograph.match._docs import knowledge_base_documentation
from symbiograph.match._economics import annuity_factor
from symbiograph.match._evaluate import Rediscovery, rediscovery
from symbiograph.match._geo import great_circle_km
from symbiograph.match._knowledge import knowledge_base
from symbiograph.match._links import resource_links
from symbiograph.match._listing_text import (
    ListingQuantity,
    ListingText,
    extract_quantity,
    read_listing,
)
from symbiograph.match._rules import RULE_DESCRIPTIONS, RULES
from symbiograph.match._settings import DEFAULT_MAX_KM, MatchSettings
from symbiograph.match._tiles import Tile, find_candidates_tiled, largest_reach_km, spatial_tiles

__all__ = [
    "CANDIDATE_COLUMNS",
    "DEFAULT_MAX_KM",
    "EXAMPLE_COLUMNS",
    "RULES",
    "RULE_DESCRIPTIONS",
    "ListingCodeModel",
    "ListingProposal",
    "ListingQuantity",
    "ListingText",
    "MatchResult",
    "MatchSettings",
    "Rediscovery",
    "Tile",
    "add_listing_examples",
    "annuity_factor",
    "classify_listing",
    "classify_listings",
    "explain_pair",
    "extract_quantity",
    "find_candidates",
    "find_candidates_all_pairs",
    "find_candidates_tiled",
    "great_circle_km",
    "knowledge_base",
    "knowledge_base_documentation",
    "labelled_examples",
    "largest_reach_km",
    "listing_code_model",
    "read_listing",
    "rediscovery",
    "resource_links",
    "spatial_tiles",
]
