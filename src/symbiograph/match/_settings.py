"""Settings of the matching stage: distances, heat losses, what counts as a partner."""

from __future__ import annotations

from dataclasses import dataclass, field

from symbiograph.taxonomy import transport_mode_defaults

__all__ = ["DEFAULT_MAX_KM", "DEFAULT_MAX_KM_BY_KIND", "DEFAULT_MODE", "MatchSettings"]

#: Default maximum economic distance by transport mode, km: the ``max_km`` column of the
#: shipped transport mode table (``taxonomy.transport_mode_defaults()``, with its source).
DEFAULT_MAX_KM: dict[str, float] = {
    str(mode): float(km)
    for mode, km in transport_mode_defaults().set_index("mode")["max_km"].items()
}

#: Reach by resource kind where no archetype names one, km: raw and process water mains are
#: economic over longer runs than steam or hot water (Kalundborg's Tisso-Kalundborg surface
#: water main is about 15 km).
DEFAULT_MAX_KM_BY_KIND: dict[str, float] = {"water": 20.0}

#: Transport mode by resource kind when no archetype names one.
DEFAULT_MODE: dict[str, str] = {
    "material": "truck",
    "energy": "pipeline",
    "water": "pipeline",
    "utility": "pipeline",
}


@dataclass(frozen=True)
class MatchSettings:
    """How candidates are generated and scored.

    ``max_km`` caps every mode's distance (km); ``max_km_by_mode`` overrides the defaults per
    mode and ``max_km_by_kind`` per resource kind (water mains reach further than steam); where an archetype names its typical maximum distance (e.g. raw water by pipeline
    up to 20 km, fly ash by ship a few hundred km) that distance applies instead
    (``use_archetype_distance``), still capped by ``max_km``. Heat loses ``heat_loss_C_per_km`` degC and
    ``heat_loss_share_per_km`` of its energy per km of pipe. ``top`` keeps the best N
    candidates per supply. Resources with neither an EWC nor a CPA code get one proposed
    from their name and description (``infer_codes``) when the text classifier is at least
    ``min_text_confidence`` sure (cosine similarity, 0..1). With ``allow_blending`` a supply
    outside a demand's accepted range is kept as a candidate that may only arrive blended
    with better supplies (``needs_blend``); the design then enforces the blend.
    """

    max_km: float | None = None
    max_km_by_mode: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MAX_KM))
    max_km_by_kind: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MAX_KM_BY_KIND))
    use_archetype_distance: bool = True
    heat_loss_C_per_km: float = 1.0
    heat_loss_share_per_km: float = 0.01
    allow_same_facility: bool = False
    top: int | None = None
    use_archetypes: bool = True
    allow_blending: bool = False
    infer_codes: bool = True
    min_text_confidence: float = 0.3

    def mode_limit(self, mode: str) -> float:
        """Maximum distance in km for ``mode`` under these settings."""
        limit = self.max_km_by_mode.get(mode, DEFAULT_MAX_KM.get(mode, 50.0))
        return min(limit, self.max_km) if self.max_km is not None else limit
