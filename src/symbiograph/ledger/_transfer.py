"""Waste transfer notes: the fields a duty-of-care note needs, the check that refuses to sign
an incomplete one, and exports shaped for UK digital waste tracking and for the EU's Annex
VII document of green-listed waste shipments, each listing what the record lacks.

The fields are data: ``transfer_fields.csv`` beside this file names each field, its type,
when it is required (``required``: to sign; ``uk_dwt``: for the UK export; ``annex_vii``: for
the EU document; ``hazardous``: when the waste is hazardous), the UK Receipt of Waste field
and the Annex VII box it maps to, and its legal source and year. See docs/ledger.md.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from symbiograph.errors import InputError

__all__ = [
    "ANNEX_VII_FORMAT",
    "DWT_FORMAT",
    "TRANSFER_PURPOSES",
    "TransferField",
    "annex_vii_document",
    "dwt_receipt",
    "missing_fields",
    "transfer_fields",
    "transfer_rows",
]

DWT_FORMAT = "symbiograph-waste-transfer/uk-dwt-v1"
ANNEX_VII_FORMAT = "symbiograph-waste-transfer/eu-annex-vii-v1"
#: What a note may be checked for: signing, the UK export, the EU Annex VII document.
TRANSFER_PURPOSES = ("sign", "uk_dwt", "annex_vii")
#: The purposes each requirement level serves.
_LEVELS = {
    "required": {"sign", "uk_dwt", "annex_vii"},
    "uk_dwt": {"uk_dwt"},
    "annex_vii": {"annex_vii"},
}
_EWC = re.compile(r"\d{2} \d{2} \d{2}\*?")
_NACE = re.compile(r"\d{2}(\.\d{1,2})?")
_UNITS = ("t", "kg", "m3")


@dataclass(frozen=True)
class TransferField:
    """One field of a waste transfer note (a row of ``transfer_fields.csv``)."""

    name: str
    type: str
    sign: str
    uk_dwt: str
    annex_vii: str
    description: str
    source: str
    year: int


@lru_cache(maxsize=1)
def transfer_fields() -> tuple[TransferField, ...]:
    """The fields of a waste transfer note, in the order of the shipped table."""
    text = resources.files("symbiograph.ledger").joinpath("transfer_fields.csv").read_text("utf-8")
    return tuple(
        TransferField(
            r["field"],
            r["type"],
            r["sign"],
            r["uk_dwt"],
            r["annex_vii"],
            r["description"],
            r["source"],
            int(r["year"]),
        )
        for r in csv.DictReader(text.splitlines())
    )


def _problem(kind: str, value: Any) -> str:
    """Why ``value`` is not a valid ``kind`` ('' if it is)."""
    if kind == "bool":
        return "" if isinstance(value, bool) else "not true or false"
    if kind == "true":
        return "" if value is True else "not declared (true)"
    if kind in ("positive", "count"):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            return "not a number"
        if kind == "count":
            return "" if value >= 0 and float(value).is_integer() else "not a whole number >= 0"
        return "" if value > 0 else "not positive"
    if not isinstance(value, str) or not value.strip():
        return "empty"
    if kind == "ewc" and not _EWC.fullmatch(value):
        return "not a List of Waste code like '10 01 05'"
    if kind == "nace" and not _NACE.fullmatch(value):
        return "not a NACE code like '35.11'"
    if kind == "unit" and value not in _UNITS:
        return f"not one of {', '.join(_UNITS)}"
    if kind == "datetime":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return "not an ISO 8601 date and time"
    return ""


def missing_fields(note: Mapping[str, Any], purpose: str = "sign") -> list[str]:
    """The fields ``note`` lacks (or holds in an invalid form, with the reason in
    brackets) for ``purpose``: ``sign``, ``uk_dwt`` or ``annex_vii``. Empty when complete.
    Annex VII is for green-listed (non-hazardous) waste only, so a hazardous note lacks it."""
    if purpose not in TRANSFER_PURPOSES:
        raise InputError(f"purpose {purpose!r} is not one of {', '.join(TRANSFER_PURPOSES)}")
    known = {f.name for f in transfer_fields()}
    unknown = sorted(set(note) - known)
    if unknown:
        raise InputError(f"unknown transfer note field(s) {', '.join(unknown)}")
    out: list[str] = []
    hazardous = note.get("hazardous") is True
    for f in transfer_fields():
        needed = purpose in _LEVELS.get(f.sign, set()) or (f.sign == "hazardous" and hazardous)
        value = note.get(f.name)
        if value is None:
            if needed:
                out.append(f.name)
            continue
        problem = _problem(f.type, value)
        if problem:  # a value given in a wrong form is wrong whatever the purpose
            out.append(f"{f.name} ({problem})")
    if purpose == "annex_vii" and hazardous:
        out.append("hazardous (Annex VII covers green-listed, non-hazardous waste only)")
    return out


def _signature_lines(signatures: Mapping[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    sig = dict(signatures or {})
    missing = [f"signature of the {who}" for who in ("producer", "receiver") if not sig.get(who)]
    return sig, missing


def dwt_receipt(
    note: Mapping[str, Any], signatures: Mapping[str, Any] | None = None, reference: str = ""
) -> dict[str, Any]:
    """The note as JSON shaped after the UK Receipt of Waste data definitions (Defra digital
    waste tracking): movement, waste item, producer, carrier and receiver, with ``missing``
    listing every field the UK export needs and the note lacks (signatures included).
    ``signatures`` maps producer and receiver to their ledger signatures (org, entry,
    public key)."""
    sig, unsigned = _signature_lines(signatures)
    n = note.get
    return {
        "format": DWT_FORMAT,
        "mapping": "docs/ledger.md (field -> Defra Receipt of Waste data definition)",
        "yourUniqueReference": reference,
        "dateTimeReceived": n("transferred_at"),
        "siteOfTransfer": n("place"),
        "hazardousWasteConsignmentCode": n("consignment_code"),
        "wasteItems": [
            {
                "ewcCodes": [n("ewc_code")] if n("ewc_code") else [],
                "wasteDescription": n("description"),
                "physicalForm": n("physical_form"),
                "numberOfContainers": n("containers"),
                "typeOfContainers": n("container"),
                "weight": {
                    "metric": n("unit"),
                    "amount": n("quantity"),
                    "isEstimate": n("quantity_estimated"),
                },
                "containsHazardous": n("hazardous"),
                "disposalOrRecoveryCodes": [n("recovery_code")] if n("recovery_code") else [],
            }
        ],
        "producer": {
            "organisationName": n("producer_name"),
            "address": n("producer_address"),
            "sicCode": n("producer_sic"),
            "naceCode": n("producer_nace"),
        },
        "carrier": {
            "organisationName": n("carrier_name"),
            "registrationNumber": n("carrier_registration"),
            "meansOfTransport": n("transport_mode"),
        },
        "receiver": {
            "organisationName": n("receiver_name"),
            "address": n("receiver_address"),
            "authorisationNumbers": [n("receiver_permit")] if n("receiver_permit") else [],
        },
        "wasteHierarchyDeclaration": n("hierarchy_declaration"),
        "signatures": sig,
        "missing": missing_fields(note, "uk_dwt") + unsigned,
    }


def annex_vii_document(
    note: Mapping[str, Any], signatures: Mapping[str, Any] | None = None, reference: str = ""
) -> dict[str, Any]:
    """The note as the boxes of the Annex VII document of Regulation (EC) No 1013/2006
    (information accompanying shipments of green-listed waste), with ``missing`` listing
    every box field the note lacks (signatures: boxes 12 and 13)."""
    sig, unsigned = _signature_lines(signatures)
    n = note.get
    party = {"name": n("producer_name"), "address": n("producer_address")}
    receiver = {"name": n("receiver_name"), "address": n("receiver_address")}
    return {
        "format": ANNEX_VII_FORMAT,
        "reference": reference,
        "box_1_person_arranging_shipment": party,
        "box_2_importer_consignee": receiver,
        "box_3_actual_quantity": {"amount": n("quantity"), "unit": n("unit")},
        "box_4_actual_date_of_shipment": n("transferred_at"),
        "box_5_carriers": [
            {
                "name": n("carrier_name"),
                "registration": n("carrier_registration"),
                "means_of_transport": n("transport_mode"),
            }
        ],
        "box_6_waste_generator": {**party, "nace": n("producer_nace")},
        "box_7_recovery_facility": {**receiver, "permit": n("receiver_permit")},
        "box_8_recovery_operation": n("recovery_code"),
        "box_9_usual_description": n("description"),
        "box_10_waste_identification": {"ec_list_of_wastes": n("ewc_code")},
        "box_11_countries": {
            "export_dispatch": n("country_dispatch"),
            "import_destination": n("country_destination"),
        },
        "box_12_declaration": sig.get("producer"),
        "box_13_signature_upon_receipt": sig.get("receiver"),
        "missing": missing_fields(note, "annex_vii") + unsigned,
    }


def transfer_rows(
    notes: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any] | None]],
    purpose: str = "uk_dwt",
) -> list[dict[str, Any]]:
    """Flat rows for a CSV export: ``reference``, every field of the table (in its order),
    ``producer_signature`` and ``receiver_signature`` (the ledger entry indices) and
    ``missing`` (``;``-separated, for ``purpose``), one row per ``(reference, note,
    signatures)``."""
    names = [f.name for f in transfer_fields()]
    rows: list[dict[str, Any]] = []
    for reference, note, signatures in notes:
        sig, unsigned = _signature_lines(signatures)
        row: dict[str, Any] = {"reference": reference}
        row.update({name: note.get(name) for name in names})
        for who in ("producer", "receiver"):
            found = sig.get(who)
            row[f"{who}_signature"] = found.get("entry") if isinstance(found, Mapping) else None
        row["missing"] = "; ".join(missing_fields(note, purpose) + unsigned)
        rows.append(row)
    return rows
