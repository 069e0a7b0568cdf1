"""The ledger in the store, on SQLite and on a fresh PostgreSQL schema: appends verify and
prove offline, the tables refuse UPDATE and DELETE, a failed append leaves nothing, keys
are sealed, confidential prices stay out of the log, tampering is caught at its entry."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from ledger.ledgerkit import NOTE
from store.storekit import dump
from symbiograph.errors import InputError, NotFoundError, StoreError
from symbiograph.ledger import ContractTerms, verify_consistency
from symbiograph.store import Ledger, Store

SECRET = "test-secret"
GYPSUM = ContractTerms(
    "K-gyp",
    "Ørsted",
    "Saint-Gobain Gyproc",
    100,
    150,
    20.0,
    0.5,
    0.25,
    quality=(("purity_pct", 95.0, None),),
)


def _bundle_checker() -> ModuleType:
    import symbiograph.ledger

    path = Path(symbiograph.ledger.__file__).parent / "verify_bundle.py"
    spec = importlib.util.spec_from_file_location("verify_bundle", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _active(ledger: Ledger) -> None:
    ledger.propose_contract("Ørsted", "K-gyp", GYPSUM, start="2026-01", months=12)
    ledger.sign_contract("Ørsted", "K-gyp")
    ledger.sign_contract("Saint-Gobain Gyproc", "K-gyp")
    ledger.contract_step("Saint-Gobain Gyproc", "K-gyp", "activate", period="2026-01")


def _delivery(period: str, delivered: float = 120.0, **more: Any) -> dict[str, Any]:
    return {
        "type": "delivery",
        "contract": "K-gyp",
        "period": period,
        "nominated": 120.0,
        "delivered": delivered,
        "measured": "metered",
        "quality": {"purity_pct": 96.0},
        **more,
    }


def _dump(store: Store) -> Any:
    return dump(store.url, store.schema)


def test_appends_verify_settle_and_prove_offline(store: Store) -> None:
    ledger = Ledger(store, secret=SECRET)
    _active(ledger)
    ledger.append("Ørsted", _delivery("2026-01"))
    first = ledger.checkpoint()
    ledger.append("Ørsted", _delivery("2026-02", 110.0))
    ledger.checkpoint()
    assert len(ledger) == 6
    verdict = ledger.verify()
    assert verdict.ok and verdict.verified_size == 6, verdict
    state = ledger.contract("K-gyp")
    assert state.status == "active" and set(state.signed) == {"Ørsted", "Saint-Gobain Gyproc"}
    assert [s for _, s, _ in state.history] == ["propose", "sign", "sign", "activate"]
    # settlement from the log: 120 t + 110 t at 20 EUR, 10 t short at 5 EUR back
    outcomes, net = ledger.settle()
    assert net == {"Ørsted": 455_000, "Saint-Gobain Gyproc": -455_000}
    assert [o.period for o in outcomes] == ["2026-01", "2026-02"]
    # an evidence bundle of entry 4 against the latest checkpoint checks offline
    bundle = ledger.prove(4)
    checker = _bundle_checker()
    assert checker.verify(json.loads(json.dumps(bundle))).startswith("OK: entry 4")
    keys = ledger.public_keys()
    trusted = base64.b64encode(keys["Ørsted"].public_bytes_raw()).decode()
    checker.verify(bundle, bundle["log_key"], trusted)
    forged = {**bundle, "entry": {**bundle["entry"], "record": {"type": "x"}}}
    with pytest.raises(checker.Invalid):
        checker.verify(forged)
    with pytest.raises(NotFoundError):
        ledger.prove(6)
    # the head of 5 entries is a prefix of the head of 6
    size_1, root_1 = int(first.split("\n")[1]), base64.b64decode(first.split("\n")[2])
    proof = ledger.consistency(size_1, 6)
    last = ledger.checkpoints()[-1].split("\n")
    assert verify_consistency(size_1, 6, root_1, base64.b64decode(last[2]), proof)


@pytest.mark.parametrize("table", ["sg_l_entries", "sg_l_nodes", "sg_l_checkpoints", "sg_l_keys"])
def test_the_log_tables_refuse_update_and_delete(store: Store, table: str) -> None:
    ledger = Ledger(store, secret=SECRET)
    _active(ledger)
    ledger.checkpoint()
    before = _dump(store)
    column = {"sg_l_entries": "org", "sg_l_nodes": "hash", "sg_l_checkpoints": "note"}.get(
        table, "org"
    )
    value = "'x'" if column in ("org", "note") else "NULL"
    statements = [f"UPDATE {table} SET {column} = {value}", f"DELETE FROM {table}"]
    if store.engine.dialect.name == "postgresql":
        statements.append(f"TRUNCATE {table} CASCADE")
    for sql in statements:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as c:
            c.exec_driver_sql(sql)
    assert _dump(store) == before


def test_a_failed_append_leaves_nothing_and_no_gap(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = Ledger(store, secret=SECRET)
    _active(ledger)
    before = _dump(store)

    def crash(*args: Any) -> None:
        raise OSError("power cut after the entry and its tree nodes, before the state")

    monkeypatch.setattr(Ledger, "_project", crash)
    step = {"period": "2026-02", "reason": "outage"}
    with pytest.raises(StoreError, match="power cut"):
        ledger.contract_step("Ørsted", "K-gyp", "suspend", **step)
    with pytest.raises(StoreError, match="power cut"):  # a batch: all or nothing
        ledger.append_many(
            [
                ("Ørsted", _delivery("2026-01"), ()),
                ("Ørsted", _delivery("2026-02"), ()),
                ("Ørsted", {"type": "contract.suspend", "contract": "K-gyp", **step}, ()),
            ]
        )
    assert _dump(store) == before
    monkeypatch.undo()
    assert ledger.contract("K-gyp").status == "active"
    entry = ledger.append("Ørsted", _delivery("2026-01"))
    assert entry.index == 4
    assert ledger.verify().ok


def test_a_refused_step_writes_nothing(store: Store) -> None:
    ledger = Ledger(store, secret=SECRET)
    _active(ledger)
    before = _dump(store)
    with pytest.raises(InputError, match="not a party"):
        ledger.contract_step("Kemira", "K-gyp", "suspend", period="2026-02", reason="x")
    with pytest.raises(InputError, match="lacks"):
        ledger.append("Ørsted", _delivery("2026-01", transfer={**NOTE, "receiver_permit": None}))
    with pytest.raises(NotFoundError):
        ledger.sign_contract("Ørsted", "K-none")
    assert _dump(store) == before


def test_waste_transfer_countersigned_and_exported(store: Store) -> None:
    ledger = Ledger(store, secret=SECRET)
    _active(ledger)
    delivery = ledger.append("Ørsted", _delivery("2026-01", transfer=NOTE))
    (note,) = ledger.transfer_notes()
    assert note[0] == "K-gyp/2026-01/4" and set(note[2]) == {"producer"}
    ledger.countersign("Saint-Gobain Gyproc", delivery.index)
    with pytest.raises(InputError, match="countersigned already"):
        ledger.countersign("Saint-Gobain Gyproc", delivery.index)
    ((_, _, signatures),) = ledger.transfer_notes()
    assert signatures["receiver"]["entry"] == 5
    assert ledger.verify().ok


def test_keys_are_sealed_and_need_the_secret(store: Store) -> None:
    ledger = Ledger(store, secret=SECRET)
    _active(ledger)
    from cryptography.hazmat.primitives import serialization

    raw = ledger._private["Ørsted"].private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    assert raw not in repr(_dump(store)).encode()
    assert bytes(raw).hex() not in repr(_dump(store))
    reader = Ledger(store, secret=None)
    assert reader.verify().ok  # reading and verifying need no secret
    with pytest.raises(InputError, match="SYMBIOGRAPH_LEDGER_SECRET"):
        reader.append("Ørsted", _delivery("2026-01"))
    with pytest.raises(InputError, match="does not open"):
        Ledger(store, secret="wrong").append("Ørsted", _delivery("2026-01"))
    # the same secret in a new Ledger opens the key and signs on
    assert Ledger(store, secret=SECRET).append("Ørsted", _delivery("2026-01")).index == 4


def test_confidential_price_is_a_commitment_in_the_log(store: Store) -> None:
    ledger = Ledger(store, secret=SECRET)
    terms = ContractTerms("K-p", "A", "B", 0, 10, 123.456)
    entry = ledger.propose_contract("A", "K-p", terms)
    logged = entry.record()["terms"]["price"]
    assert set(logged) == {"$commitment"}
    assert b"123.456" not in entry.entry.payload
    assert ledger.openings(0)["terms.price"].value == 123.456
    exported = json.dumps(ledger.export_log())
    assert "123.456" not in exported and "salt" not in exported
    assert ledger.view().contracts["K-p"].terms["price"] == 123.456


def test_two_writers_share_one_log(store: Store) -> None:
    one, two = Ledger(store, secret=SECRET), Ledger(store, secret=SECRET)
    _active(one)
    assert two.append("Ørsted", _delivery("2026-01")).index == 4
    assert one.append("Ørsted", _delivery("2026-02")).index == 5
    with pytest.raises(InputError, match="already"):
        two.append("Ørsted", _delivery("2026-02"))
    one.checkpoint()
    assert two.verify().ok


def test_an_edited_entry_is_named_by_verify(store: Store) -> None:
    ledger = Ledger(store, secret=SECRET)
    _active(ledger)
    ledger.append("Ørsted", _delivery("2026-01"))
    ledger.checkpoint()
    payload = ledger.entries(4, 5)[0].entry.payload
    edited = payload.replace(b'"delivered":120', b'"delivered":12')
    assert edited != payload
    with store.engine.begin() as c:  # someone with the database's owner rights
        if c.dialect.name == "postgresql":
            c.exec_driver_sql("ALTER TABLE sg_l_entries DISABLE TRIGGER USER")
        else:
            c.exec_driver_sql("DROP TRIGGER sg_l_entries_no_update")
        c.execute(sa.text("UPDATE sg_l_entries SET payload = :p WHERE idx = 4"), {"p": edited})
    verdict = ledger.verify()
    assert not verdict.ok and verdict.first_bad_entry == 4
    assert "signature" in verdict.reason


def test_an_organisation_with_its_own_key_appends_entries_it_signed(store: Store) -> None:
    from symbiograph.ledger import generate_key, public_key_pem, sign_entry

    ledger = Ledger(store, secret=SECRET)
    own = generate_key()
    ledger.publish_key("Extern", public_key_pem(own))
    with pytest.raises(InputError, match="another key"):
        ledger.publish_key("Extern", public_key_pem(generate_key()))
    record = {"type": "index", "index": "energy", "period": "2026-01", "value": 101.5}
    with pytest.raises(InputError, match="not 0"):
        ledger.append_entry(sign_entry(3, "Extern", record, own))
    with pytest.raises(InputError, match="does not match"):
        ledger.append_entry(sign_entry(0, "Extern", record, generate_key()))
    assert ledger.append_entry(sign_entry(0, "Extern", record, own)) == 0
    with pytest.raises(InputError, match="only the public key"):
        ledger.append("Extern", {**record, "period": "2026-02"})
    ledger.checkpoint()
    assert ledger.verify().ok
    assert ledger.view().indices == {("energy", "2026-01"): 101.5}
