"""Waste transfer notes: the field table, what a note lacks for signing and for each
export, and the exports listing it."""

from __future__ import annotations

import pytest

from ledger.ledgerkit import NOTE
from symbiograph.errors import InputError
from symbiograph.ledger import (
    annex_vii_document,
    dwt_receipt,
    missing_fields,
    transfer_fields,
    transfer_rows,
)

SIGNED = {
    "producer": {"org": "orsted", "entry": 4, "public_key": "AAAA"},
    "receiver": {"org": "gyproc", "entry": 5, "public_key": "BBBB"},
}


def test_the_field_table_names_a_source_for_every_field() -> None:
    fields = transfer_fields()
    names = [f.name for f in fields]
    assert len(names) == len(set(names))
    assert {"description", "ewc_code", "carrier_registration", "receiver_permit"} <= set(names)
    assert all(f.source and 1989 <= f.year <= 2026 for f in fields)
    assert all(f.sign in ("required", "uk_dwt", "annex_vii", "hazardous") for f in fields)


def test_a_complete_note_can_be_signed() -> None:
    assert missing_fields(NOTE) == []


def test_a_note_missing_fields_lists_them() -> None:
    note = {k: v for k, v in NOTE.items() if k not in ("ewc_code", "carrier_registration")}
    assert missing_fields(note) == ["ewc_code", "carrier_registration"]
    bad = {**NOTE, "ewc_code": "100105", "quantity": -1.0, "hierarchy_declaration": False}
    assert missing_fields(bad) == [
        "ewc_code (not a List of Waste code like '10 01 05')",
        "quantity (not positive)",
        "hierarchy_declaration (not declared (true))",
    ]
    with pytest.raises(InputError, match="unknown transfer note field"):
        missing_fields({**NOTE, "colour": "grey"})


def test_hazardous_waste_needs_a_consignment_code_and_is_not_green_listed() -> None:
    hazardous = {**NOTE, "hazardous": True, "ewc_code": "10 01 04*"}
    assert missing_fields(hazardous) == ["consignment_code"]
    assert "hazardous (Annex VII covers green-listed, non-hazardous waste only)" in (
        missing_fields({**hazardous, "consignment_code": "X"}, "annex_vii")
    )


def test_uk_export_lists_what_it_lacks() -> None:
    receipt = dwt_receipt(NOTE, {"producer": SIGNED["producer"]}, "K-gyp/2026-01/4")
    assert receipt["missing"] == ["producer_sic", "signature of the receiver"]
    assert receipt["wasteItems"][0]["ewcCodes"] == ["10 01 05"]
    assert receipt["carrier"]["registrationNumber"] == "CBDU-1"
    full = dwt_receipt({**NOTE, "producer_sic": "35110"}, SIGNED)
    assert full["missing"] == []


def test_annex_vii_lists_its_boxes_missing() -> None:
    document = annex_vii_document(NOTE, SIGNED)
    assert document["missing"] == [
        "transport_mode",
        "receiver_address",
        "recovery_code",
        "country_dispatch",
        "country_destination",
    ]
    assert document["box_10_waste_identification"] == {"ec_list_of_wastes": "10 01 05"}
    assert document["box_13_signature_upon_receipt"] == SIGNED["receiver"]


def test_csv_rows_carry_every_field_and_the_missing_list() -> None:
    rows = transfer_rows([("r1", NOTE, SIGNED), ("r2", {"description": "x"}, None)], "sign")
    assert list(rows[0])[:3] == ["reference", "description", "ewc_code"]
    assert rows[0]["missing"] == ""
    assert (rows[0]["producer_signature"], rows[0]["receiver_signature"]) == (4, 5)
    assert rows[1]["missing"].startswith("ewc_code; hazardous;")
    assert rows[1]["missing"].endswith("signature of the producer; signature of the receiver")


def test_docs_list_every_field() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "ledger.md").read_text(encoding="utf-8")
    assert all(f"| `{f.name}` |" in doc for f in transfer_fields())
