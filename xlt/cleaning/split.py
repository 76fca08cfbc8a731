"""Seeded, streaming selection: the line cap and the train/valid split without holding lines in memory.

Both use selection sampling (Knuth, TAOCP vol. 2, 3.4.2, Algorithm S): knowing the number of lines `n`, it
walks them once and keeps line i with probability (still needed)/(still left), which picks exactly `k` lines,
every k-subset equally likely, in O(1) memory. The random stream is seeded by (seed, language, purpose), so
the same inputs and seed give the same lines, and languages do not share one stream.
"""

from __future__ import annotations

import random
from collections.abc import Iterator


def selection(n: int, k: int, seed: int, *salt: str) -> Iterator[bool]:
    """Yield n flags, exactly min(k, n) of them True, chosen uniformly from a seeded stream."""
    k = max(0, min(k, n))
    if k == n:
        yield from (True for _ in range(n))
        return
    rng = random.Random(":".join([str(seed), *salt]))
    needed = k
    for left in range(n, 0, -1):
        if needed and rng.random() * left < needed:
            needed -= 1
            yield True
        else:
            yield False


def valid_count(lines: int, fraction: float) -> int:
    """Validation lines: round(lines × fraction), at least one when there are two lines or more."""
    if fraction <= 0 or lines < 2:
        return 0
    return min(lines - 1, max(1, round(lines * fraction)))
