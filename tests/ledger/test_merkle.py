"""RFC 9162 tree heads and proofs: the CT test vectors, a plain recursive reference, pymerkle."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symbiograph.errors import InputError
from symbiograph.ledger import (
    EMPTY_ROOT,
    CompactRange,
    MerkleTree,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
# the tree heads of the first n leaves, as in certificate-transparency-go's and trillian's tests
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
H = {
    "l1": "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "n23": "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "n4_7": "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
}
CONSISTENCY = [  # (first, second, proof)
    (1, 1, []),
    (1, 8, [H["l1"], H["n23"], H["n4_7"]]),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


# --- an independent, straightforward reference: RFC 9162 section 2.1 written as recursion


def _ref_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + _ref_mth(leaves[:k]) + _ref_mth(leaves[k:])).digest()


def _ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*_ref_path(m, leaves[:k]), _ref_mth(leaves[k:])]
    return [*_ref_path(m - k, leaves[k:]), _ref_mth(leaves[:k])]


def _ref_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [_ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*_ref_subproof(m, leaves[:k], whole), _ref_mth(leaves[k:])]
    return [*_ref_subproof(m - k, leaves[k:], False), _ref_mth(leaves[:k])]


def test_ct_tree_heads() -> None:
    tree = MerkleTree(LEAVES)
    for n, root in enumerate(ROOTS):
        assert tree.root(n).hex() == root
        assert _ref_mth(LEAVES[:n]).hex() == root
        assert root_of([leaf_hash(x) for x in LEAVES[:n]]).hex() == root
    assert EMPTY_ROOT.hex() == ROOTS[0]


def test_ct_inclusion_proofs() -> None:
    tree = MerkleTree(LEAVES)
    assert [h.hex() for h in tree.inclusion_proof(0, 8)] == [H["l1"], H["n23"], H["n4_7"]]
    assert tree.inclusion_proof(0, 1) == []
    for n in range(1, 9):
        root = bytes.fromhex(ROOTS[n])
        for m in range(n):
            proof = tree.inclusion_proof(m, n)
            assert proof == _ref_path(m, LEAVES[:n])
            assert verify_inclusion(leaf_hash(LEAVES[m]), m, n, proof, root)
            assert not verify_inclusion(leaf_hash(LEAVES[m]), m, n, proof, bytes(32))
            if proof:
                assert not verify_inclusion(leaf_hash(LEAVES[m]), m, n, proof[:-1], root)
                assert not verify_inclusion(leaf_hash(LEAVES[m]), m, n, [*proof, root], root)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_ct_consistency_proofs(first: int, second: int, proof: list[str]) -> None:
    tree = MerkleTree(LEAVES)
    got = tree.consistency_proof(first, second)
    assert [h.hex() for h in got] == proof
    r1, r2 = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert verify_consistency(first, second, r1, r2, got)
    if first != second:
        assert not verify_consistency(first, second, r2, r1, got)


def test_every_consistency_pair_of_the_ct_tree() -> None:
    tree = MerkleTree(LEAVES)
    for n in range(0, 9):
        for m in range(0, n + 1):
            proof = tree.consistency_proof(m, n)
            if 0 < m < n:
                assert proof == _ref_subproof(m, LEAVES[:n], True)
            assert verify_consistency(m, n, tree.root(m), tree.root(n), proof)
            if 0 < m < n:
                assert not verify_consistency(m, n, tree.root(m), tree.root(n), proof[1:])
                assert not verify_consistency(m, n - 1, tree.root(m), tree.root(n - 1), proof)


def test_bad_sizes_are_refused() -> None:
    tree = MerkleTree(LEAVES)
    with pytest.raises(InputError):
        tree.root(9)
    with pytest.raises(InputError):
        tree.inclusion_proof(3, 3)
    with pytest.raises(InputError):
        tree.consistency_proof(5, 4)
    assert not verify_inclusion(leaf_hash(b""), 8, 8, [], bytes(32))
    assert not verify_consistency(5, 4, bytes(32), bytes(32), [])


def test_compact_range_keeps_log_n_hashes() -> None:
    frontier = CompactRange()
    tree = MerkleTree()
    for i in range(1000):
        frontier.append(leaf_hash(i.to_bytes(4, "big")))
        tree.append(i.to_bytes(4, "big"))
        assert len(frontier.hashes) == bin(frontier.size).count("1")
        if i % 97 == 0:
            assert frontier.root() == tree.root()
    assert frontier.root() == tree.root()


def test_same_roots_as_pymerkle() -> None:
    """Our heads equal pymerkle's (an independent RFC 9162 implementation) on random trees."""
    pymerkle = pytest.importorskip("pymerkle")
    rng = random.Random(9162)
    for _ in range(200):
        n = rng.randint(1, 300)
        leaves = [rng.randbytes(rng.randint(0, 40)) for _ in range(n)]
        theirs = pymerkle.InmemoryTree(algorithm="sha256")
        for leaf in leaves:
            theirs.append_entry(leaf)
        ours = MerkleTree(leaves)
        for size in {1, n, rng.randint(1, n)}:
            assert ours.root(size) == theirs.get_root(size)


sizes = st.integers(min_value=1, max_value=300)


@settings(max_examples=60, deadline=None)
@given(sizes, st.data())
def test_inclusion_proofs_verify_and_flipped_bytes_fail(n: int, data: st.DataObject) -> None:
    leaves = [i.to_bytes(3, "big") for i in range(n)]
    tree = MerkleTree(leaves)
    size = data.draw(st.integers(1, n))
    m = data.draw(st.integers(0, size - 1))
    root = tree.root(size)
    proof = tree.inclusion_proof(m, size)
    lh = leaf_hash(leaves[m])
    assert verify_inclusion(lh, m, size, proof, root)
    assert proof == _ref_path(m, leaves[:size])
    assert root == _ref_mth(leaves[:size])
    assert len(proof) <= (size - 1).bit_length()
    target = data.draw(st.integers(0, len(proof)))  # len(proof) means the leaf hash itself
    byte = data.draw(st.integers(0, 31))
    bit = 1 << data.draw(st.integers(0, 7))
    if target == len(proof):
        lh = lh[:byte] + bytes([lh[byte] ^ bit]) + lh[byte + 1 :]
    else:
        h = proof[target]
        proof = [
            *proof[:target],
            h[:byte] + bytes([h[byte] ^ bit]) + h[byte + 1 :],
            *proof[target + 1 :],
        ]
    assert not verify_inclusion(lh, m, size, proof, root)


@settings(max_examples=60, deadline=None)
@given(sizes, st.data())
def test_consistency_proofs_verify_and_flipped_bytes_fail(n: int, data: st.DataObject) -> None:
    leaves = [i.to_bytes(3, "big") for i in range(n)]
    tree = MerkleTree(leaves)
    second = data.draw(st.integers(1, n))
    first = data.draw(st.integers(1, second))
    r1, r2 = tree.root(first), tree.root(second)
    proof = tree.consistency_proof(first, second)
    assert verify_consistency(first, second, r1, r2, proof)
    assert proof == _ref_subproof(first, leaves[:second], True)
    if first == second:
        assert not verify_consistency(first, second, r1, r2, [r1])
        return
    target = data.draw(st.integers(0, len(proof) + 1))  # past the proof: flip a root
    byte = data.draw(st.integers(0, 31))
    bit = 1 << data.draw(st.integers(0, 7))

    def flip(h: bytes) -> bytes:
        return h[:byte] + bytes([h[byte] ^ bit]) + h[byte + 1 :]

    if target < len(proof):
        proof = [*proof[:target], flip(proof[target]), *proof[target + 1 :]]
    elif target == len(proof):
        r1 = flip(r1)
    else:
        r2 = flip(r2)
    assert not verify_consistency(first, second, r1, r2, proof)


@pytest.mark.slow
def test_100k_random_trees_match_pymerkle() -> None:
    """The issue's check: on 100,000 random trees (1 to 32 leaves of 0 to 16 random bytes),
    our heads equal pymerkle's, and our plain recursive reference's on every 100th."""
    pymerkle = pytest.importorskip("pymerkle")
    rng = random.Random(100_000)
    for t in range(100_000):
        leaves = [rng.randbytes(rng.randint(0, 16)) for _ in range(rng.randint(1, 32))]
        theirs = pymerkle.InmemoryTree(algorithm="sha256")
        for leaf in leaves:
            theirs.append_entry(leaf)
        ours = MerkleTree(leaves).root()
        assert ours == theirs.get_root(), (t, leaves)
        if t % 100 == 0:
            assert ours == _ref_mth(leaves)
