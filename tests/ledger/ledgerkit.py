"""Shared fixtures of the ledger tests: a complete waste transfer note."""

from __future__ import annotations

from typing import Any

#: A complete transfer note of 120 t of FGD gypsum from Ørsted to Gyproc.
NOTE: dict[str, Any] = {
    "description": "FGD gypsum from flue gas desulphurisation, damp powder",
    "ewc_code": "10 01 05",
    "hazardous": False,
    "physical_form": "powder",
    "quantity": 120.0,
    "unit": "t",
    "quantity_estimated": False,
    "container": "bulk tipper",
    "containers": 0,
    "producer_name": "orsted",
    "producer_address": "Asnæsvej, Kalundborg",
    "producer_nace": "35.11",
    "carrier_name": "orsted",
    "carrier_registration": "CBDU-1",
    "receiver_name": "gyproc",
    "receiver_permit": "EPR-1",
    "hierarchy_declaration": True,
    "place": "Asnæs",
    "transferred_at": "2026-01-15T08:00:00+01:00",
}
