"""Issue 14 benchmark: the ledger's appends per second (canonical JSON, Ed25519 signing and
the Merkle update together, and each part alone), checkpoint signing, whole-log
verification per entry, and for a tree of 1,000,000 leaves the inclusion and consistency
proof sizes and their generation and verification times. The 1,000,000-leaf tree is built
from leaf hashes of synthetic entries (signing a million entries would measure signing
again); whole-log verification is measured on the signed log and given per entry.

    .venv/bin/python -m benchmarks.run bench_ledger          # 20,000 signed, 1,000,000 leaves
    .venv/bin/python -m benchmarks.run bench_ledger --quick  # 2,000 signed, 20,000 leaves

The store part appends to a temporary SQLite ledger (``symbiograph.store.Ledger``): one
transaction per append (entry, tree nodes, state) and in batches of 500 (``append_many``),
then verifies it (500 and 5,000 entries; quick: 200 and 1,000).
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

from benchmarks._common import peak_rss_mb, timed, write_result


def _record(rng: random.Random, i: int) -> dict[str, Any]:
    """A delivery record of the size the ledger will see (about 250 bytes canonical)."""
    return {
        "type": "delivery",
        "contract": f"K{rng.randint(1, 40)}",
        "period": f"2026-{rng.randint(1, 12):02d}",
        "quantity_t": round(rng.uniform(1, 5000), 3),
        "quality": {"moisture_pct": round(rng.uniform(5, 15), 2)},
        "ewc": "10 01 05",
        "price_eur_per_t": {"$commitment": rng.randbytes(32).hex()},
        "seq": i,
    }


def _per_second(n: int, seconds: float) -> float:
    return round(n / seconds, 1) if seconds > 0 else float("inf")


def _store_appends(n_single: int, n_batched: int) -> dict[str, Any]:
    """Appends per second to a SQLite ledger, one per transaction and in batches of 500,
    and its whole-log verification time."""
    import tempfile
    from pathlib import Path

    from symbiograph.store import Ledger, Store

    def record(i: int) -> dict[str, Any]:
        return {"type": "index", "index": f"bench-{i}", "period": "2026-01", "value": 2.0 + i}

    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{Path(folder) / 'ledger.db'}")
        try:
            ledger = Ledger(store, secret="bench")
            ledger.append("org0", record(-1))  # the key is made once, not timed
            _, t_single = timed(lambda: [ledger.append("org0", record(i)) for i in range(n_single)])
            items = [("org0", record(n_single + i), ()) for i in range(n_batched)]

            def batched() -> None:
                for k in range(0, n_batched, 500):
                    ledger.append_many(items[k : k + 500], checkpoint=True)

            _, t_batched = timed(batched)
            _, t_verify = timed(ledger.verify)
            assert ledger.verify().ok
            size = len(ledger)
        finally:
            store.close()
    return {
        "store_appends_one_per_transaction_per_s": _per_second(n_single, t_single),
        "store_appends_batched_500_per_s": _per_second(n_batched, t_batched),
        "store_entries": size,
        "store_verify_s": round(t_verify, 3),
    }


def main(quick: bool = False) -> None:
    """Run the ledger benchmark and write benchmarks/results/bench_ledger.json."""
    from symbiograph.ledger import (
        Log,
        MerkleTree,
        canonical_json,
        generate_key,
        leaf_hash,
        verify_consistency,
        verify_inclusion,
        verify_log,
    )

    n_signed = 2_000 if quick else 20_000
    n_tree = 20_000 if quick else 1_000_000
    rng = random.Random(14)
    orgs = [f"org{i}" for i in range(10)]
    keys = {o: generate_key() for o in orgs}
    records = [_record(rng, i) for i in range(n_signed)]
    load_before = os.getloadavg()

    # the parts alone
    _, t_canon = timed(lambda: [canonical_json(r) for r in records])
    payloads = [canonical_json(r) for r in records]
    key = keys[orgs[0]]
    _, t_sign = timed(lambda: [key.sign(p) for p in payloads])
    tree = MerkleTree()
    _, t_merkle = timed(lambda: [tree.append(p) for p in payloads])

    # appends with everything: canonical entry, signature, leaf, tree update
    log = Log("symbiograph.bench/ledger", generate_key())
    for o in orgs:
        log.register(o, keys[o].public_key())

    def append_all() -> None:
        for i, r in enumerate(records):
            o = orgs[i % len(orgs)]
            log.append(o, r, keys[o])
            if i % 1000 == 999:
                log.checkpoint()

    _, t_append = timed(append_all)
    _, t_cp = timed(lambda: [log.checkpoint() for _ in range(200)])
    _, t_verify = timed(lambda: verify_log(log.entries, log.checkpoints, log.public_keys))
    verdict = verify_log(log.entries, log.checkpoints, log.public_keys)
    assert verdict.ok, verdict
    known: set[bytes] = set()
    verify_log(log.entries, log.checkpoints, log.public_keys, known)
    _, t_reverify = timed(lambda: verify_log(log.entries, log.checkpoints, log.public_keys, known))
    sample = log.prove(n_signed // 2)
    bundle_bytes = len(__import__("json").dumps(sample))

    # the big tree
    big = MerkleTree()
    start = time.perf_counter()
    for i in range(n_tree):
        big.append_hash(leaf_hash(i.to_bytes(8, "big") + b"synthetic entry"))
    t_big = time.perf_counter() - start
    _, t_root = timed(big.root)
    root = big.root()
    picks = [rng.randrange(n_tree) for _ in range(1000)]
    proofs, t_prove = timed(lambda: [big.inclusion_proof(m) for m in picks])
    _, t_check = timed(
        lambda: [
            verify_inclusion(big.leaf_hash_at(m), m, n_tree, p, root)
            for m, p in zip(picks, proofs, strict=True)
        ]
    )
    assert all(
        verify_inclusion(big.leaf_hash_at(m), m, n_tree, p, root)
        for m, p in zip(picks, proofs, strict=True)
    )
    firsts = [rng.randrange(1, n_tree) for _ in range(1000)]
    cproofs, t_cprove = timed(lambda: [big.consistency_proof(f) for f in firsts])
    first_roots = [big.root(f) for f in firsts]
    _, t_ccheck = timed(
        lambda: [
            verify_consistency(f, n_tree, r, root, p)
            for f, r, p in zip(firsts, first_roots, cproofs, strict=True)
        ]
    )
    incl_len = [len(p) for p in proofs]
    cons_len = [len(p) for p in cproofs]
    per_entry_verify = t_verify / n_signed

    store_part = _store_appends(200 if quick else 500, 1_000 if quick else 5_000)

    payload = {
        **store_part,
        "note": (
            "2 cores shared with other jobs; load average shown. The tree of n_tree leaves is "
            "built from leaf hashes; full verification of a log of n_tree signed entries is "
            "extrapolated from the per-entry time on the signed log."
        ),
        "load_average_1_5_15": [round(x, 2) for x in load_before],
        "signed_entries": n_signed,
        "appends_per_s": _per_second(n_signed, t_append),
        "canonical_json_per_s": _per_second(n_signed, t_canon),
        "ed25519_signs_per_s": _per_second(n_signed, t_sign),
        "merkle_appends_per_s": _per_second(n_signed, t_merkle),
        "checkpoints_per_s": _per_second(200, t_cp),
        "mean_payload_bytes": round(sum(map(len, payloads)) / n_signed, 1),
        "verify_log_s": round(t_verify, 3),
        "verify_log_entries_per_s": _per_second(n_signed, t_verify),
        "reverify_known_entries_per_s": _per_second(n_signed, t_reverify),
        "evidence_bundle_bytes": bundle_bytes,
        "tree_leaves": n_tree,
        "tree_build_s": round(t_big, 2),
        "tree_leaf_appends_per_s": _per_second(n_tree, t_big),
        "tree_root_ms": round(t_root * 1e3, 3),
        "inclusion_proof_hashes_mean": round(sum(incl_len) / len(incl_len), 2),
        "inclusion_proof_hashes_max": max(incl_len),
        "inclusion_proof_bytes_max": 32 * max(incl_len),
        "inclusion_prove_us": round(t_prove / len(picks) * 1e6, 1),
        "inclusion_verify_us": round(t_check / len(picks) * 1e6, 1),
        "consistency_proof_hashes_mean": round(sum(cons_len) / len(cons_len), 2),
        "consistency_proof_hashes_max": max(cons_len),
        "consistency_prove_us": round(t_cprove / len(firsts) * 1e6, 1),
        "consistency_verify_us": round(t_ccheck / len(firsts) * 1e6, 1),
        "full_verify_extrapolated_s": round(per_entry_verify * n_tree, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    path = write_result("bench_ledger", payload)
    print(f"wrote {path}")
    for k, v in payload.items():
        print(f"  {k}: {v}")


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)
