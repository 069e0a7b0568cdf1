"""Great-circle geometry and the spatial index used to find nearby partners.

Points go on the unit sphere as 3-D vectors, so a k-d tree (scipy's cKDTree) answers
"every demand within r km of this supply" with chord lengths, in about N log N.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EARTH_RADIUS_KM", "chord_for_km", "great_circle_km", "km_for_chord", "unit_vectors"]

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088


def unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Points (degrees) as an (n, 3) array of unit vectors."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def chord_for_km(km: float | np.ndarray) -> float | np.ndarray:
    """Chord length on the unit sphere for a great-circle distance in km."""
    return 2.0 * np.sin(np.minimum(np.asarray(km) / EARTH_RADIUS_KM, np.pi) / 2.0)


def km_for_chord(chord: np.ndarray) -> np.ndarray:
    """Great-circle distance in km for chord lengths on the unit sphere."""
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2.0, 0.0, 1.0))


def great_circle_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Haversine great-circle distance in km between paired points (degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
