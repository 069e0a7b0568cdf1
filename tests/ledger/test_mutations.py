"""Tampering with a log of 2,000 entries: every one of 1,200 random mutations is caught, and
the verdict names the first entry that differs from the true log."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from symbiograph.ledger import (
    Checkpoint,
    Entry,
    Log,
    canonical_json,
    generate_key,
    sign_checkpoint,
    sign_entry,
    verify_log,
)

N_ENTRIES = 2000
N_MUTATIONS = 1200
ORGS = ["orsted", "novo", "equinor", "gyproc", "kalundborg-forsyning"]


@dataclass
class Tampered:
    kind: str
    entries: list[Entry]
    checkpoints: list[str]
    first_bad: int


@pytest.fixture(scope="module")
def true_log() -> tuple[Log, dict[str, object], set[bytes]]:
    rng = random.Random(14)
    log_key = generate_key()
    log = Log("symbiograph.test/kalundborg", log_key)
    keys = {org: generate_key() for org in ORGS}
    for org, key in keys.items():
        log.register(org, key.public_key())
    for i in range(N_ENTRIES):
        org = rng.choice(ORGS)
        record = {
            "contract": f"K{rng.randint(1, 40)}",
            "period": f"2026-{rng.randint(1, 12):02d}",
            "quantity_t": round(rng.uniform(1, 5000), 3),
            "ewc": "10 01 05",
            "n": i,
        }
        log.append(org, record, keys[org])
        if i % 250 == 249 or rng.random() < 0.002:
            log.checkpoint()
    known: set[bytes] = set()
    assert verify_log(log.entries, log.checkpoints, log.public_keys, known).ok
    return log, {**keys, "log": log_key}, known


def _first_difference(a: list[Entry], b: list[Entry]) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _mutate(rng: random.Random, log: Log, keys: dict[str, object]) -> Tampered:
    entries = list(log.entries)
    cps = list(log.checkpoints)
    n = len(entries)
    kind = rng.choice(["edit", "delete", "insert", "reorder", "forge", "rollback"])
    if kind == "edit":
        i = rng.randrange(n)
        content = entries[i].content()
        field = rng.choice(["quantity_t", "contract", "period", "n"])
        content["record"][field] = {
            "quantity_t": 0.5,
            "contract": "K99",
            "period": "2025-01",
            "n": -1,
        }[field]
        entries[i] = Entry(canonical_json(content), log.entries[i].signature)  # old signature
    elif kind == "delete":
        del entries[rng.randrange(n)]
    elif kind == "insert":
        i = rng.randrange(n + 1)
        if rng.random() < 0.5:  # a replayed copy of a real entry
            entries.insert(i, log.entries[rng.randrange(n)])
        else:  # a new entry in a real organisation's name, signed with another key
            entries.insert(i, sign_entry(i, rng.choice(ORGS), {"forged": True}, generate_key()))
    elif kind == "reorder":
        i, j = sorted(rng.sample(range(n), 2))
        if rng.random() < 0.5:
            entries[i], entries[j] = entries[j], entries[i]
        else:
            entries.insert(j, entries.pop(i))
    elif kind == "forge":
        i = rng.randrange(n)
        content = entries[i].content()
        how = rng.randrange(3)
        if how == 0:
            entries[i] = Entry(entries[i].payload, rng.randbytes(64))
        elif how == 1:  # signed by another, real organisation
            other = keys[rng.choice([o for o in ORGS if o != content["org"]])]
            entries[i] = sign_entry(i, content["org"], content["record"], other)  # type: ignore[arg-type]
        else:  # a flipped bit in the signature
            sig = bytearray(entries[i].signature)
            sig[rng.randrange(64)] ^= 1 << rng.randrange(8)
            entries[i] = Entry(entries[i].payload, bytes(sig))
    else:  # the log operator rolls back: an older head published again, or a truncated log
        sizes = sorted({Checkpoint.parse(c.split("\n\n")[0] + "\n").size for c in cps})
        size = rng.choice(sizes[:-1])
        if rng.random() < 0.5:
            old = next(c for c in cps if c.split("\n")[1] == str(size))
            cps.append(old)
        else:
            entries = entries[:size]
            cp = Checkpoint(log.origin, size, log.tree.root(size))
            cps.append(sign_checkpoint(cp, log.key_name, keys["log"]))  # type: ignore[arg-type]
        return Tampered(kind, entries, cps, size)
    return Tampered(kind, entries, cps, _first_difference(entries, log.entries))


@pytest.mark.slow
def test_every_mutation_is_caught_at_the_first_bad_entry(
    true_log: tuple[Log, dict[str, object], set[bytes]],
) -> None:
    log, keys, known = true_log
    rng = random.Random(9162)
    seen: dict[str, int] = {}
    missed: list[str] = []
    for _ in range(N_MUTATIONS):
        t = _mutate(rng, log, keys)
        verdict = verify_log(t.entries, t.checkpoints, log.public_keys, known)
        seen[t.kind] = seen.get(t.kind, 0) + 1
        if verdict.ok or verdict.first_bad_entry != t.first_bad:
            missed.append(f"{t.kind}: expected {t.first_bad}, got {verdict}")
    assert not missed, "\n".join(missed[:10])
    assert min(seen.values()) >= 150 and len(seen) == 6, seen


def test_the_cache_does_not_hide_a_tampered_entry(
    true_log: tuple[Log, dict[str, object], set[bytes]],
) -> None:
    log, _, known = true_log
    entries = list(log.entries)
    entries[1234] = Entry(entries[1234].payload, entries[1235].signature)
    verdict = verify_log(entries, log.checkpoints, log.public_keys, known)
    assert verdict.first_bad_entry == 1234
    fresh = verify_log(entries, log.checkpoints, log.public_keys)
    assert fresh.first_bad_entry == 1234
