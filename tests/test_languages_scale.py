"""A 200 HR x 50 LR matrix named the WALS way: every row and column name resolves, names first.

Timing is measured by benchmarks/bench_languages.py; this test checks the answers at that scale and
that a second pass over the names is answered from the resolution cache, not recomputed.
"""

from __future__ import annotations

import random
import re

import polars as pl
from test_languages_names import GLOTTOLOG_STYLE, WALS_STYLE

from xlt import languages as L  # noqa: N812
from xlt.languages.core import iso_names
from xlt.languages.resolution import _search


def wals_style_iso_names(n: int) -> list[tuple[str, str]]:
    """`n` ISO 639-3 names of the form "Adjective Head", rewritten the WALS way as "Head (Adjective)"."""
    two_words = sorted(
        {
            (name, code)
            for name, code, reference in iso_names()
            if reference and re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", name)
        }
    )
    two_words = [(name, code) for name, code in two_words if "Sign" not in name]
    step = max(1, len(two_words) // n)
    return [(f"{name.split()[1]} ({name.split()[0]})", code) for name, code in two_words[::step][:n]]


def matrix_names() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(HR, LR) as (name, expected code): 50 LR names from the WALS list, 200 HR names from the rest."""
    lr = WALS_STYLE[:50]
    known = WALS_STYLE[50:] + GLOTTOLOG_STYLE
    used = {code for _, code in lr + known}
    extra = [(name, code) for name, code in wals_style_iso_names(400) if code not in used]
    hr = (known + extra)[:200]
    return hr, lr


def test_200_by_50_matrix_resolves_every_name() -> None:
    """Every row and column name of a 200 x 50 WALS-named matrix is its language; a re-read hits the cache."""
    hr, lr = matrix_names()
    assert len(hr) == 200 and len(lr) == 50
    rng = random.Random(0)
    matrix = pl.DataFrame(
        {"language": [name for name, _ in hr]} | {name: [rng.uniform(5, 5000) for _ in hr] for name, _ in lr}
    )
    rows = [L.resolve_name(name).iso3 for name in matrix["language"]]
    columns = [L.resolve_name(name).iso3 for name in matrix.columns[1:]]
    assert rows == [code for _, code in hr]
    assert columns == [code for _, code in lr]
    before = _search.cache_info().hits
    again = [L.resolve_name(name).iso3 for name in [*matrix["language"], *matrix.columns[1:]]]
    assert again == rows + columns
    assert _search.cache_info().hits - before == 250
