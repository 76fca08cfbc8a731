"""Benchmark name resolution for a 200 HR x 50 LR matrix named the WALS way.

The 250 names are those of tests/test_languages_scale.py (WALS- and Glottolog-style names with
verified codes, plus ISO names rewritten as "Head (Adjective)"). Prints, for the same names:

* cold: a fresh process importing xlt.languages and resolving all 250 (builds the name index);
* warm: the 250 again with the index built but the per-value cache cleared (what a second matrix costs);
* cached: the 250 again, answered from the per-value cache;
* baseline: iso639-lang's exact `Lang(name)` on the same strings (what the registry did before),
  with how many of the 250 each gets right.

    .venv/bin/python benchmarks/bench_languages.py
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

COLD = """
import sys, time
sys.path.insert(0, {tests!r})
start = time.perf_counter()
from test_languages_scale import matrix_names
hr, lr = matrix_names()
names_ready = time.perf_counter()
from xlt.languages import resolve_name
for name, _ in hr + lr:
    resolve_name(name)
print(names_ready - start, time.perf_counter() - names_ready)
"""


def timed(function, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    """Median wall time of `function()` over `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from test_languages_scale import matrix_names

    from xlt.languages import resolve_name
    from xlt.languages.resolution import _search

    hr, lr = matrix_names()
    names = hr + lr
    out = subprocess.run(
        [sys.executable, "-c", COLD.format(tests=str(ROOT / "tests"))],
        capture_output=True,
        text=True,
        check=True,
    )
    _, cold = (float(x) for x in out.stdout.split())

    resolve_name("Torne Saami")  # builds every tier, as the cold run did

    def warm() -> None:
        _search.cache_clear()
        for name, _ in names:
            resolve_name(name)

    def cached() -> None:
        for name, _ in names:
            resolve_name(name)

    warm_s = timed(warm)
    cached_s = timed(cached)
    right = sum(resolve_name(name).iso3 == code for name, code in names)

    from iso639 import Lang

    def exact() -> int:
        hits = 0
        for name, code in names:
            with contextlib.suppress(Exception):  # iso639-lang raises for unknown and retired names alike
                hits += Lang(name).pt3 == code
        return hits

    baseline_s = timed(exact)
    baseline_right = exact()
    print(f"names: {len(names)} ({len(hr)} HR x {len(lr)} LR)")
    print(f"cold (fresh process, builds the index): {cold:8.3f} s")
    per_name = warm_s / len(names) * 1e6
    print(f"warm (index built, cache cleared):      {warm_s * 1000:8.1f} ms  ({per_name:.0f} us/name)")
    print(f"cached:                                 {cached_s * 1000:8.1f} ms")
    print(f"baseline iso639 Lang(name):             {baseline_s * 1000:8.1f} ms")
    print(f"warm / baseline: {warm_s / baseline_s:.1f}x   cold / warm: {cold / warm_s:.0f}x")
    print(f"right: xlt {right}/{len(names)}, iso639 exact {baseline_right}/{len(names)}")


if __name__ == "__main__":
    main()
