"""Exact and near-exact duplicate lines: a normalised key, a 64-bit hash, a compact set of hashes.

Memory: the set keeps 8 bytes per unique line (a sorted ``uint64`` array per level, merged like a
log-structured merge tree), plus a transient copy while two levels merge. One million unique lines cost
~8 MB, ten million ~80 MB; a Python ``set`` of ints would cost ~70 bytes a line. Two different lines share a
hash with probability ~n²/2^65 (blake2b, 64 bits): about 3·10⁻⁶ for ten million lines.
"""

from __future__ import annotations

from hashlib import blake2b

import numpy as np

from xlt.cleaning.scripts import not_in_categories

# ASCII bytes that are not letters: deleted from ASCII keys by bytes.translate (C speed).
_ASCII_NON_LETTERS = bytes(c for c in range(128) if not chr(c).isalpha())


def dedup_key(line: str) -> bytes:
    """The near-duplicate key: casefolded letters and combining marks only (no punctuation, digits, spaces).

    Marks are kept because they carry vowels in many scripts. Lines without any letters keep their
    casefolded text, so that "1990" and "2001" stay distinct.
    """
    folded = line.casefold()
    if folded.isascii():
        raw = folded.encode("ascii")
        key = raw.translate(None, _ASCII_NON_LETTERS)
    else:
        raw = folded.encode("utf-8")
        key = not_in_categories("LM").sub("", "".join(folded.split())).encode("utf-8")
    return key or raw


def hash_keys(keys: list[bytes]) -> np.ndarray:
    """64-bit blake2b hashes of keys, as an unsigned array."""
    digests = b"".join(blake2b(key, digest_size=8).digest() for key in keys)
    return np.frombuffer(digests, dtype="<u8")


class HashSet:
    """A set of 64-bit hashes in sorted numpy levels: 8 bytes per member, batched membership."""

    def __init__(self) -> None:
        self._levels: list[np.ndarray] = []

    def __len__(self) -> int:
        return sum(len(level) for level in self._levels)

    @property
    def nbytes(self) -> int:
        """Bytes held by the hashes."""
        return sum(level.nbytes for level in self._levels)

    def add(self, hashes: np.ndarray) -> np.ndarray:
        """Add a batch; return a mask, True where a hash was seen neither before nor earlier in the batch."""
        fresh = np.zeros(len(hashes), dtype=bool)
        if len(hashes) == 0:
            return fresh
        unique, first = np.unique(hashes, return_index=True)
        seen = np.zeros(len(unique), dtype=bool)
        for level in self._levels:
            idx = np.minimum(np.searchsorted(level, unique), len(level) - 1)
            seen |= level[idx] == unique
        fresh[first[~seen]] = True
        self._push(unique[~seen])
        return fresh

    def _push(self, level: np.ndarray) -> None:
        if len(level) == 0:
            return
        self._levels.append(level)
        # Merge while the level below is not bigger: sizes at least double downwards, so O(log n) levels.
        while len(self._levels) > 1 and len(self._levels[-2]) <= len(self._levels[-1]):
            top = self._levels.pop()
            below = self._levels.pop()
            merged = np.concatenate([below, top])
            merged.sort()
            self._levels.append(merged)


class Deduplicator:
    """Keeps the first occurrence of each near-duplicate key across every batch it sees."""

    def __init__(self) -> None:
        self.hashes = HashSet()

    def filter(self, lines: list[str]) -> tuple[list[str], list[str]]:
        """(lines whose key was not seen before, duplicates), both in order."""
        if not lines:
            return lines, []
        fresh = self.hashes.add(hash_keys([dedup_key(line) for line in lines])).tolist()
        kept = [line for line, keep in zip(lines, fresh, strict=True) if keep]
        if len(kept) == len(lines):
            return kept, []
        return kept, [line for line, keep in zip(lines, fresh, strict=True) if not keep]
