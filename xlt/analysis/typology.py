"""Typological distances between HR and LR languages from URIEL+ (`xlt.analysis.uriel`), all pairs at once.

Each kind is URIEL+'s `new_distance` kind (Khan et al. 2025): genetic (Glottolog family membership),
geographic (closeness to 299 points on the globe), syntactic (``S_`` features), phonological (``P_``),
inventory (``INV_``), featural (all typological features), morphological (``M_``, only present once
Grambank is integrated) and script. As in `new_distance`, a pair is compared over the features both
languages have a value for, by the angular distance 2·arccos(cos θ)/π (URIEL+'s default metric, in
[0, 1]); a pair with no shared feature gets null, where URIEL+ raises or writes -1. URIEL+ rounds to four
decimals; the values here are not rounded and agree with it to that precision
(``tests/test_typology.py``, ``benchmarks/bench_typology.py``).

One departure: a language that URIEL+ places in no family at all (an isolate such as Basque, or a gap
such as Norwegian Bokmål) gets a null genetic distance, where URIEL+ compares its all-zero vector as if
it were a constant one.

A language URIEL+ does not know (``nah`` is a collective code, not a URIEL language) gets null distances:
never dropped, never guessed; `coverage` says per language which kinds it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from xlt.analysis.uriel import Vectors, load_vectors

# distance kind -> (URIEL+ block, prefix of its features; '' = every feature of the block)
KINDS: dict[str, tuple[str, str]] = {
    "genetic": ("genetic", ""),
    "geographic": ("geographic", ""),
    "syntactic": ("typological", "S_"),
    "phonological": ("typological", "P_"),
    "inventory": ("typological", "INV_"),
    "morphological": ("typological", "M_"),
    "featural": ("typological", ""),
    "script": ("script", ""),
}
DISTANCE_KINDS = tuple(KINDS)
METRIC = "angular"  # URIEL+'s default; "cosine" gives 1 - cos θ


def kind_matrix(vectors: Vectors, kind: str, rows: Sequence[int]) -> np.ndarray:
    """Vectors of one kind for the given rows (float64; -1 where unknown)."""
    block, prefix = KINDS[kind]
    columns = np.char.startswith(vectors.feats[block].astype(str), prefix)
    return np.asarray(vectors.blocks[block][np.asarray(rows, dtype=np.int64)][:, columns], dtype=np.float64)


def available_kinds(vectors: Vectors) -> list[str]:
    """The kinds whose features the loaded URIEL+ data has (morphological needs Grambank integrated)."""
    return [
        k
        for k in DISTANCE_KINDS
        if np.char.startswith(vectors.feats[KINDS[k][0]].astype(str), KINDS[k][1]).any()
    ]


def has_vector(kind: str, matrix: np.ndarray) -> np.ndarray:
    """Rows with at least one value of this kind; genetic: rows that belong to at least one family."""
    if kind == "genetic":
        # 0 means "not in that family", a value every language has for every family; a language in no
        # family at all (an isolate like eus, or a gap like nob) has no genetic information to compare
        return (matrix == 1).any(axis=1)
    return (matrix != -1).any(axis=1)


def pairwise_distances(a: np.ndarray, b: np.ndarray, metric: str = METRIC) -> np.ndarray:
    """(len(a) x len(b)) distances over the features each pair shares; NaN where they share none.

    Matrix products give, for every pair at once, what `URIELPlus._angular_distance` computes on the two
    vectors cut to their shared features, including its rule for an all-zero vector (replaced by a
    constant vector, so it is equally close to everything).
    """
    known_a, known_b = (a != -1).astype(np.float64), (b != -1).astype(np.float64)
    xa, xb = np.where(known_a > 0, a, 0.0), np.where(known_b > 0, b, 0.0)
    shared = known_a @ known_b.T
    dot = xa @ xb.T
    norm_a = np.sqrt((xa * xa) @ known_b.T)  # |a| over the features shared with each b
    norm_b = np.sqrt(known_a @ (xb * xb).T)
    sum_a, sum_b = xa @ known_b.T, known_a @ xb.T
    with np.errstate(divide="ignore", invalid="ignore"):
        root_n = np.sqrt(shared)
        cos = np.where(
            (norm_a > 0) & (norm_b > 0),
            dot / (norm_a * norm_b),
            np.where(
                norm_a > 0, sum_a / (root_n * norm_a), np.where(norm_b > 0, sum_b / (root_n * norm_b), 1.0)
            ),
        )
    cos = np.clip(cos, -1.0, 1.0)
    out = 2.0 * np.arccos(cos) / np.pi if metric == "angular" else 1.0 - cos
    return np.where(shared > 0, out, np.nan)


def typology_distances(
    hr_langs: Sequence[str],
    lr_langs: Sequence[str],
    cache_dir: Path | None = None,
    vectors: Vectors | None = None,
    databases: Sequence[str] = (),
) -> tuple[pl.DataFrame, list[str]]:
    """(distances, missing): one row per (HR, LR) pair with a column per kind in `DISTANCE_KINDS`, null
    where either language lacks that kind; `missing` lists the languages URIEL+ does not have at all.

    The vectors come from the workspace cache (`cache_dir`/typology, built on first use)."""
    if vectors is None:
        vectors = load_vectors(cache_dir, databases)
    hr_langs, lr_langs = list(hr_langs), list(lr_langs)
    rows = vectors.rows(sorted(set(hr_langs) | set(lr_langs)))
    missing = sorted((set(hr_langs) | set(lr_langs)) - set(rows))
    hr_known = [i for i, lang in enumerate(hr_langs) if lang in rows]
    lr_known = [j for j, lang in enumerate(lr_langs) if lang in rows]
    columns: dict[str, np.ndarray] = {}
    for kind in available_kinds(vectors):
        full = np.full((len(hr_langs), len(lr_langs)), np.nan)
        if hr_known and lr_known:
            a = kind_matrix(vectors, kind, [rows[hr_langs[i]] for i in hr_known])
            b = kind_matrix(vectors, kind, [rows[lr_langs[j]] for j in lr_known])
            both = np.outer(has_vector(kind, a), has_vector(kind, b))
            full[np.ix_(hr_known, lr_known)] = np.where(both, pairwise_distances(a, b), np.nan)
        columns[kind] = full.ravel()
    frame = pl.DataFrame(
        {
            "hr_lang": pl.Series(
                np.repeat(np.asarray(hr_langs, dtype=object), len(lr_langs)), dtype=pl.String
            ),
            "lr_lang": pl.Series(np.tile(np.asarray(lr_langs, dtype=object), len(hr_langs)), dtype=pl.String),
            **{kind: pl.Series(values, dtype=pl.Float64) for kind, values in columns.items()},
        }
    )
    return frame.with_columns(pl.col(list(columns)).fill_nan(None)), missing


def coverage(
    hr_langs: Sequence[str],
    lr_langs: Sequence[str],
    cache_dir: Path | None = None,
    vectors: Vectors | None = None,
    databases: Sequence[str] = (),
) -> pl.DataFrame:
    """One row per language: its role (hr, lr or both), the URIEL+ code it was found under, the number of
    features with a value for each kind (``n_<kind>``; for genetic, the families it belongs to, since
    every language "knows" that it is outside the others) and ``kinds``, the kinds it has, comma-separated
    (empty: URIEL+ lacks the language, or has no value for it)."""
    if vectors is None:
        vectors = load_vectors(cache_dir, databases)
    hr, lr = set(hr_langs), set(lr_langs)
    langs = sorted(hr | lr)
    rows = vectors.rows(langs)
    kinds_here = available_kinds(vectors)
    known = [lang for lang in langs if lang in rows]
    counts: dict[str, list[int]] = {}
    for kind in kinds_here:
        matrix = kind_matrix(vectors, kind, [rows[lang] for lang in known])
        have = (matrix == 1) if kind == "genetic" else (matrix != -1)  # as in `has_vector`
        by_lang = dict(zip(known, have.sum(axis=1).tolist(), strict=True))
        counts[kind] = [int(by_lang.get(lang, 0)) for lang in langs]
    role = ["both" if x in hr and x in lr else "hr" if x in hr else "lr" for x in langs]
    kinds = [",".join(k for k in kinds_here if counts[k][i] > 0) for i in range(len(langs))]
    return pl.DataFrame(
        {
            "lang": langs,
            "role": role,
            "uriel_code": [str(vectors.codes[rows[x]]) if x in rows else None for x in langs],
            **{f"n_{kind}": pl.Series(counts[kind], dtype=pl.Int64) for kind in kinds_here},
            "kinds": kinds,
        },
        schema_overrides={"uriel_code": pl.String},
    )
