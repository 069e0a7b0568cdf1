"""``symbiograph ledger ...`` in fresh processes: the Kalundborg demo (verification passes,
the tampered copy fails naming its entry), verify's exit codes, prove with the offline
verifier, audit, settle, export and note."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

import symbiograph.ledger
from ledger.ledgerkit import NOTE
from store.storekit import cli, one_error_line

VERIFIER = Path(symbiograph.ledger.__file__).parent / "verify_bundle.py"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("ledger-demo")
    done = cli("ledger", "demo", "--out", str(out), env={"SYMBIOGRAPH_LEDGER_SECRET": ""})
    assert done.returncode == 0, done.stderr + done.stdout
    return out, done.stdout


@pytest.mark.slow
def test_demo_verifies_and_its_tampered_copy_fails_at_the_entry(demo: tuple[Path, str]) -> None:
    out, stdout = demo
    assert "contracts: 15" in stdout and "deliveries: 179" in stdout
    assert "verify: OK, 304 entries, 304 under checkpoint" in stdout
    assert "net positions sum to 0 cents" in stdout
    assert "verification fails at entry 65" in stdout
    ok = cli("ledger", "verify", "--db", f"sqlite:///{out / 'ledger.db'}")
    assert ok.returncode == 0 and ok.stdout.startswith("OK: 304 entries"), ok.stderr
    bad = cli("ledger", "verify", "--db", f"sqlite:///{out / 'ledger-tampered.db'}")
    assert bad.returncode == 1
    line = one_error_line(bad.stderr)
    assert "first bad entry 65" in line and "does not match" in line
    missing = cli("ledger", "verify", "--db", f"sqlite:///{out / 'none.db'}")
    assert missing.returncode == 3, missing.stderr


@pytest.mark.slow
def test_prove_writes_a_bundle_the_offline_verifier_accepts(demo: tuple[Path, str]) -> None:
    out, _ = demo
    bundle = out / "bundle-10.json"
    done = cli(
        "ledger", "prove", "10", "--db", f"sqlite:///{out / 'ledger.db'}", "--out", str(bundle)
    )
    assert done.returncode == 0, done.stderr
    # the verifier runs with no symbiograph on its path, from another folder
    check = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(bundle)],
        capture_output=True,
        text=True,
        check=False,
        cwd=out,
    )
    assert check.returncode == 0 and check.stdout.startswith("OK: entry 10"), check.stdout
    data = json.loads(bundle.read_text())
    data["tree_size"] += 1
    bundle.write_text(json.dumps(data))
    check = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(bundle)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 1 and check.stdout.startswith("INVALID"), check.stdout
    # the demo's own bundle (a waste delivery) checks too
    check = subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(out / "evidence.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout
    nowhere = cli("ledger", "prove", "9999", "--db", f"sqlite:///{out / 'ledger.db'}")
    assert nowhere.returncode == 3 and "9999" in one_error_line(nowhere.stderr)


@pytest.mark.slow
def test_audit_settle_and_exports(demo: tuple[Path, str]) -> None:
    out, _ = demo
    db = f"sqlite:///{out / 'ledger.db'}"
    audit = cli("ledger", "audit", "--db", db, "--out", str(out / "breaches.csv"))
    assert audit.returncode == 0, audit.stderr
    rows = list(csv.DictReader((out / "breaches.csv").open()))
    assert rows and all(r["breach"] for r in rows)
    assert any(r["breach"].startswith("shortfall") for r in rows)
    settle = cli("ledger", "settle", "--db", db, "--out", str(out / "payments.csv"))
    assert settle.returncode == 0 and "Ørsted" in settle.stdout
    paid = list(csv.DictReader((out / "payments.csv").open()))
    assert {"contract", "period", "payer", "payee", "amount", "reason"} == set(paid[0])
    # a Danish park has no UK SIC codes: the UK shape says so for every note; the EU
    # Annex VII document of these green-listed wastes is complete
    for shape, incomplete in (("uk-dwt", 48), ("annex-vii", 0)):
        done = cli(
            "ledger", "export", "--db", db, "--shape", shape, "--out", str(out / f"{shape}.json")
        )
        assert done.returncode == 0
        assert f"48 transfer note(s), {incomplete} incomplete" in done.stdout
    documents = json.loads((out / "uk-dwt.json").read_text())["notes"]
    assert all(d["missing"] == ["producer_sic"] for d in documents)
    assert documents[0]["signatures"]["receiver"]["entry"] == 66
    annex = json.loads((out / "annex-vii.json").read_text())["notes"]
    assert annex[0]["box_10_waste_identification"]["ec_list_of_wastes"] == "07 05 99"
    done = cli("ledger", "export", "--db", db, "--shape", "annex-vii", "--out", str(out / "a.csv"))
    rows = list(csv.DictReader((out / "a.csv").open()))
    assert len(rows) == 48 and all(r["missing"] == "" for r in rows)
    done = cli("ledger", "export", "--db", db, "--what", "log", "--out", str(out / "log.json"))
    log = json.loads((out / "log.json").read_text())
    assert len(log["leaves"]) == 304 and len(log["checkpoints"]) == 13


def test_note_lists_what_a_draft_lacks(tmp_path: Path) -> None:
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps({k: v for k, v in NOTE.items() if k != "carrier_registration"}))
    done = cli("ledger", "note", str(draft), "--out", str(tmp_path / "receipt.json"))
    assert done.returncode == 1
    assert "lacks carrier_registration" in one_error_line(done.stderr)
    receipt = json.loads((tmp_path / "receipt.json").read_text())
    assert receipt["missing"] == [
        "producer_sic",
        "carrier_registration",
        "signature of the producer",
        "signature of the receiver",
    ]
    draft.write_text(json.dumps(NOTE))
    assert cli("ledger", "note", str(draft), "--out", str(tmp_path / "r.json")).returncode == 0
