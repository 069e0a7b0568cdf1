"""RFC 9162 Merkle trees: tree heads, inclusion and consistency proofs, incremental append.

Leaf hash ``sha256(0x00 || leaf)``, node hash ``sha256(0x01 || left || right)``, the tree
head of n leaves splits at the largest power of two below n (RFC 9162 section 2.1.1).
:class:`CompactRange` keeps O(log n) hashes (the roots of the perfect subtrees, the
frontier) and gives the head of any size it has grown through; :class:`MerkleTree` keeps
every complete subtree hash (about 2n hashes) so proofs are O(log n) to O(log^2 n) lookups.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from symbiograph.errors import InputError

__all__ = [
    "EMPTY_ROOT",
    "CompactRange",
    "MerkleTree",
    "leaf_hash",
    "node_hash",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    """``sha256(0x00 || leaf)``, 32 bytes."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``sha256(0x01 || left || right)``, 32 bytes."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The tree head of the given leaf hashes (the empty tree: sha256 of nothing)."""
    frontier = CompactRange()
    for h in leaf_hashes:
        frontier.append(h)
    return frontier.root()


class CompactRange:
    """The frontier of a growing tree: the roots of its perfect subtrees, largest first.

    ``append`` is O(1) amortised and the state is at most log2(n)+1 hashes.
    """

    __slots__ = ("hashes", "size")

    def __init__(self) -> None:
        self.size = 0
        self.hashes: list[bytes] = []

    def append(self, h: bytes) -> None:
        """Add one leaf hash."""
        size = self.size
        while size & 1:
            h = node_hash(self.hashes.pop(), h)
            size >>= 1
        self.hashes.append(h)
        self.size += 1

    def root(self) -> bytes:
        """The tree head of the leaves appended so far."""
        if not self.hashes:
            return EMPTY_ROOT
        h = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            h = node_hash(left, h)
        return h


class MerkleTree:
    """An append-only RFC 9162 tree in memory, with heads and proofs for every past size."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        # levels[k][i]: hash of the perfect subtree of 2**k leaves starting at i * 2**k
        self.levels: list[list[bytes]] = [[]]
        for leaf in leaves:
            self.append(leaf)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self.levels[0])

    def append(self, leaf: bytes) -> bytes:
        """Add a leaf (raw bytes) and return its leaf hash."""
        h = leaf_hash(leaf)
        self.append_hash(h)
        return h

    def append_hash(self, h: bytes) -> None:
        """Add a leaf given by its leaf hash."""
        levels = self.levels
        levels[0].append(h)
        k = 0
        while len(levels[k]) % 2 == 0:
            up = node_hash(levels[k][-2], levels[k][-1])
            if k + 1 == len(levels):
                levels.append([])
            levels[k + 1].append(up)
            k += 1

    def leaf_hash_at(self, index: int) -> bytes:
        """The leaf hash of leaf ``index``."""
        return self.levels[0][index]

    def _subtree(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and lo % n == 0:
            return self.levels[n.bit_length() - 1][lo // n]
        k = _split(n)
        return node_hash(self._subtree(lo, lo + k), self._subtree(lo + k, hi))

    def _check_size(self, size: int | None) -> int:
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise InputError(f"tree size {size} is outside 0..{self.size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """The tree head of the first ``size`` leaves (default: all)."""
        return self._subtree(0, self._check_size(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162 2.1.3.1)."""
        size = self._check_size(size)
        if not 0 <= index < size:
            raise InputError(f"leaf {index} is not in a tree of {size} leaves")
        path: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                path.append(self._subtree(lo + k, hi))
                hi = lo + k
            else:
                path.append(self._subtree(lo, lo + k))
                lo = lo + k
        path.reverse()
        return path

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """The proof that the tree of ``first`` leaves is a prefix of the tree of ``second``
        leaves (RFC 9162 2.1.4.1); empty when first is 0 or equals second."""
        second = self._check_size(second)
        if not 0 <= first <= second:
            raise InputError(f"consistency needs 0 <= first <= second, not {first}, {second}")
        if first in (0, second):
            return []
        path: list[bytes] = []
        lo, hi, m, whole = 0, second, first, True
        while m != hi - lo:
            k = _split(hi - lo)
            if m <= k:
                path.append(self._subtree(lo + k, hi))
                hi = lo + k
            else:
                path.append(self._subtree(lo, lo + k))
                lo, m, whole = lo + k, m - k, False
        if not whole:
            path.append(self._subtree(lo, hi))
        path.reverse()
        return path


def verify_inclusion(
    leaf_h: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True if ``proof`` shows leaf hash ``leaf_h`` at ``index`` in the tree of ``size``
    leaves with head ``root`` (RFC 9162 section 2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf_h
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True if ``proof`` shows the tree of ``first`` leaves (head ``first_root``) is a prefix
    of the tree of ``second`` leaves (head ``second_root``) (RFC 9162 section 2.1.4.2)."""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
