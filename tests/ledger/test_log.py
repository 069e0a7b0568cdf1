"""The log: append, checkpoints, evidence bundles, the offline verifier, verify_log."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

import symbiograph.ledger as ledger
from symbiograph.errors import InputError
from symbiograph.ledger import (
    Entry,
    Log,
    generate_key,
    leaf_hash,
    public_key_raw,
    seal,
    sign_entry,
    verify_consistency,
    verify_inclusion,
    verify_log,
)

VERIFIER = Path(ledger.__file__).parent / "verify_bundle.py"


def small_log(n: int = 5) -> tuple[Log, dict[str, ledger.Ed25519PrivateKey]]:
    log = Log("symbiograph.test/kalundborg", generate_key())
    keys = {"orsted": generate_key(), "novo": generate_key()}
    for org, key in keys.items():
        log.register(org, key.public_key())
    for i in range(n):
        org = "orsted" if i % 2 == 0 else "novo"
        log.append(org, {"delivery": i, "resource": "steam", "quantity_mwh": 100.0 + i}, keys[org])
    return log, keys


def test_append_checkpoint_and_verify() -> None:
    log, _ = small_log(5)
    note = log.checkpoint(time="2026-12-03T12:00:00Z")
    assert note.split("\n")[:2] == ["symbiograph.test/kalundborg", "5"]
    assert "time 2026-12-03T12:00:00Z" in note
    content = log.entries[3].content()
    assert content == {
        "index": 3,
        "org": "novo",
        "record": {"delivery": 3, "quantity_mwh": 103, "resource": "steam"},
    }
    verdict = verify_log(log.entries, log.checkpoints, log.public_keys)
    assert verdict.ok and verdict.verified_size == 5 and verdict.first_bad_entry is None


def test_only_the_registered_key_may_append() -> None:
    log, keys = small_log(1)
    with pytest.raises(InputError, match="not the registered key"):
        log.append("orsted", {"x": 1}, keys["novo"])
    with pytest.raises(InputError, match="another key"):
        log.register("orsted", generate_key().public_key())
    with pytest.raises(InputError, match="says it is entry 0"):
        log.append_entry(sign_entry(0, "orsted", {"x": 1}, keys["orsted"]))
    with pytest.raises(InputError, match="signature"):
        log.append_entry(sign_entry(1, "orsted", {"x": 1}, keys["novo"]))
    assert log.append_entry(sign_entry(1, "orsted", {"x": 1}, keys["orsted"])) == 1


def test_consistency_between_checkpoints() -> None:
    log, keys = small_log(3)
    r3 = log.tree.root()
    for i in range(10):
        log.append("novo", {"i": i}, keys["novo"])
    proof = log.consistency(3)
    assert verify_consistency(3, 13, r3, log.tree.root(), proof)


def test_bundle_verifies_in_process_and_offline(tmp_path: Path) -> None:
    log, keys = small_log(7)
    public, openings = seal({"contract": "C7", "price_eur_per_t": 41.0}, ["price_eur_per_t"])
    entry = log.append("orsted", public, keys["orsted"])
    log.checkpoint()
    bundle = log.prove(7)
    assert bundle["entry"]["record"]["contract"] == "C7"
    assert set(bundle["entry"]["record"]["price_eur_per_t"]) == {"$commitment"}
    assert ledger.unseal(bundle["entry"]["record"], openings)["price_eur_per_t"] == 41
    assert base64.b64decode(bundle["leaf"]) == entry.leaf
    proof = [base64.b64decode(p) for p in bundle["inclusion_proof"]]
    assert verify_inclusion(leaf_hash(entry.leaf), 7, 8, proof, log.tree.root())
    assert bundle["signer_key"] == base64.b64encode(public_key_raw(keys["orsted"])).decode()

    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    run = subprocess.run(
        [sys.executable, str(VERIFIER), str(path), "--log-key", bundle["log_key"]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("OK: entry 7 by orsted")

    def offline(b: dict[str, object], *extra: str) -> subprocess.CompletedProcess[str]:
        path.write_text(json.dumps(b))
        return subprocess.run(
            [sys.executable, str(VERIFIER), str(path), *extra],
            capture_output=True,
            text=True,
            check=False,
        )

    edited = json.loads(json.dumps(bundle))
    edited["entry"]["record"]["contract"] = "C8"
    assert "differs from the leaf" in offline(edited).stdout
    leaf = bytearray(entry.leaf)
    leaf[10] ^= 1
    forged = {**bundle, "leaf": base64.b64encode(bytes(leaf)).decode()}
    assert offline(forged).returncode == 1
    wrong_path = {**bundle, "inclusion_proof": bundle["inclusion_proof"][::-1]}
    assert "root" in offline(wrong_path).stdout
    other_key = ledger.verifier_key("symbiograph.test/kalundborg", generate_key().public_key())
    assert "not the one you trust" in offline(bundle, "--log-key", other_key).stdout
    older = log.checkpoint()  # a checkpoint of another size than the proof's
    log.append("novo", {"after": True}, keys["novo"])
    newer = log.checkpoint()
    assert "size 9, the proof of size 8" in offline({**bundle, "checkpoint": newer}).stdout
    assert offline({**bundle, "checkpoint": older}).returncode == 0
    assert VERIFIER.read_text().count("\n") < 200
    assert "symbiograph" not in "".join(
        line for line in VERIFIER.read_text().splitlines() if line.startswith(("import", "from"))
    )


def test_prove_makes_a_checkpoint_when_none_covers_the_entry() -> None:
    log, keys = small_log(4)
    log.checkpoint()
    log.append("novo", {"late": True}, keys["novo"])
    assert log.prove(2)["tree_size"] == 4
    assert log.prove(4)["tree_size"] == 5
    assert len(log.checkpoints) == 2
    with pytest.raises(InputError):
        log.prove(5)


def test_verify_log_names_what_is_wrong() -> None:
    log, keys = small_log(6)
    log.checkpoint()
    entries, cps, pub = list(log.entries), list(log.checkpoints), log.public_keys
    swapped = [entries[0], entries[2], entries[1], *entries[3:]]
    v = verify_log(swapped, cps, pub)
    assert (v.ok, v.first_bad_entry) == (False, 1) and "says it is entry 2" in v.reason
    v = verify_log(entries[:5], cps, pub)
    assert v.first_bad_entry == 5 and "missing" in v.reason
    bad_sig = Entry(entries[4].payload, bytes(64))
    v = verify_log([*entries[:4], bad_sig, entries[5]], cps, pub)
    assert v.first_bad_entry == 4 and "signature" in v.reason
    unknown = {k: v for k, v in pub.items() if k != "novo"}
    assert verify_log(entries, cps, unknown).first_bad_entry == 1
    v = verify_log(entries, [*cps, cps[0].replace("\n6\n", "\n7\n")], pub)
    assert v.checkpoint == 1 and v.first_bad_entry is None and "forged" in v.reason
    for i in range(3):
        log.append("orsted", {"more": i}, keys["orsted"])
    log.checkpoint()
    v = verify_log(log.entries, [*log.checkpoints, log.checkpoints[0]], pub)
    assert (v.first_bad_entry, v.checkpoint) == (6, 2) and "rolls the log back" in v.reason
    # a checkpoint signed by an organisation's key is not the log's
    from symbiograph.ledger import Checkpoint, sign_checkpoint

    by_org = sign_checkpoint(Checkpoint(log.origin, 9, log.tree.root()), "orsted", keys["orsted"])
    v = verify_log(log.entries, [*log.checkpoints, by_org], pub)
    assert v.checkpoint == 2 and "no signature by a known key" in v.reason
    renamed = Log("symbiograph.test/other", generate_key(), key_name="other-key")
    for org, key in keys.items():
        renamed.register(org, key.public_key())
    renamed.append("orsted", {"x": 1}, keys["orsted"])
    renamed.checkpoint()
    assert not verify_log(renamed.entries, renamed.checkpoints, renamed.public_keys).ok
    assert verify_log(
        renamed.entries, renamed.checkpoints, renamed.public_keys, log_key="other-key"
    ).ok
    v = verify_log(
        renamed.entries,
        [*renamed.checkpoints, *log.checkpoints[:1]],
        renamed.public_keys,
        log_key="other-key",
    )
    assert v.checkpoint == 1 and "origin" in v.reason
    noncanonical = Entry(entries[0].payload.replace(b":", b": ", 1), entries[0].signature)
    assert "canonical" in verify_log([noncanonical, *entries[1:]], cps, pub).reason
