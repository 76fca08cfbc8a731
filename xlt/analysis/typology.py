"""Typological distances between languages from URIEL feature vectors (lang2vec's data).

lang2vec 1.1.2 has no ``distance()``, so distances are computed here as URIEL's authors do (Littell et al.
2017, "URIEL and lang2vec"): the cosine distance between two languages' feature vectors.

* syntactic, phonological, inventory: the kNN-imputed ``*_knn`` vectors (no gaps, so every URIEL language
  gets a value); ``syntactic_wals``/``phonological_wals``: the raw WALS vectors, compared only over the
  features both languages have (URIEL marks a missing value as -1), null when they share none;
* genetic: the family-membership vector ``fam``; geographic: ``geo`` (closeness to 299 points on the
  globe); featural: syntax, phonology and inventory kNN vectors concatenated.

A language URIEL does not have (``nah`` is a collective code, not a URIEL language) gets null distances:
never dropped, never guessed. Vectors are cached under ``cache/`` because importing lang2vec is slow.
"""

from __future__ import annotations

import hashlib
import sys
import types
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from xlt.errors import InputError

# distance kind -> lang2vec feature sets whose vectors are concatenated
DISTANCE_KINDS: dict[str, tuple[str, ...]] = {
    "syntactic": ("syntax_knn",),
    "phonological": ("phonology_knn",),
    "inventory": ("inventory_knn",),
    "genetic": ("fam",),
    "geographic": ("geo",),
    "featural": ("syntax_knn", "phonology_knn", "inventory_knn"),
    "syntactic_wals": ("syntax_wals",),
    "phonological_wals": ("phonology_wals",),
}
FEATURE_SETS = tuple(sorted({s for sets in DISTANCE_KINDS.values() for s in sets}))
MISSING = -1.0  # URIEL's marker of an unknown feature value


def _import_lang2vec() -> types.ModuleType:
    """lang2vec's module; provides `pkg_resources` first when setuptools >= 81 no longer ships it."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pkg_resources' own deprecation warning
        try:
            import pkg_resources  # noqa: F401
        except ImportError:
            import importlib.resources

            shim = types.ModuleType("pkg_resources")

            def resource_filename(package: str, resource: str) -> str:
                return str(importlib.resources.files(package) / resource)

            shim.resource_filename = resource_filename  # type: ignore[attr-defined]
            sys.modules["pkg_resources"] = shim
        # Load the package's file by location: the distribution also installs a `bin/lang2vec.py` script,
        # which shadows the package whenever the venv's bin/ is sys.path[0] (console scripts, pytest).
        import importlib.util
        from importlib import metadata

        try:
            source = Path(str(metadata.distribution("lang2vec").locate_file("lang2vec/lang2vec.py")))
        except metadata.PackageNotFoundError as exc:
            raise InputError(
                "lang2vec is not installed", hint="pip install lang2vec 'setuptools<81'"
            ) from exc
        spec = importlib.util.spec_from_file_location("lang2vec.lang2vec", source)
        if spec is None or spec.loader is None or not source.is_file():
            raise InputError(f"lang2vec's module is missing at {source}", hint="reinstall lang2vec")
        l2v = sys.modules.get("lang2vec.lang2vec")
        if l2v is None:
            l2v = importlib.util.module_from_spec(spec)
            # registered first: its pkg_resources.resource_filename(__name__, ...) looks itself up there
            sys.modules["lang2vec.lang2vec"] = l2v
            try:
                spec.loader.exec_module(l2v)
            except BaseException:
                del sys.modules["lang2vec.lang2vec"]
                raise
    return l2v


def load_vectors(langs: Sequence[str], cache_dir: Path | None = None) -> dict[str, dict[str, np.ndarray]]:
    """{feature set: {language: vector}} for the languages URIEL has; missing languages are left out."""
    langs = sorted(set(langs))
    cache_path = None
    if cache_dir is not None:
        key = hashlib.sha256(("\n".join(langs) + "|" + ",".join(FEATURE_SETS)).encode()).hexdigest()[:16]
        cache_path = cache_dir / "typology" / f"uriel-{key}.npz"
        if cache_path.is_file():
            stored = np.load(cache_path)
            vectors: dict[str, dict[str, np.ndarray]] = {s: {} for s in FEATURE_SETS}
            for name in stored.files:
                fset, lang = name.split("/")
                vectors[fset][lang] = stored[name]
            return vectors

    vectors = _read_uriel(langs)
    if cache_path is not None:
        from xlt.workspace import atomic_open

        with atomic_open(cache_path, "wb") as handle:
            np.savez(handle, **{f"{s}/{lang}": v for s, by in vectors.items() for lang, v in by.items()})
    return vectors


# (feature set, language) -> vector, or None where URIEL lacks it: lang2vec's data is read once a process.
_MEMO: dict[tuple[str, str], np.ndarray | None] = {}


def _read_uriel(langs: Sequence[str]) -> dict[str, dict[str, np.ndarray]]:
    """Vectors of `langs` from lang2vec's data files (each file decompressed once, only when needed)."""
    todo = [lang for lang in langs if any((fset, lang) not in _MEMO for fset in FEATURE_SETS)]
    if todo:
        l2v = _import_lang2vec()
        data_dir = Path(l2v.__file__).parent / "data"
        files: dict[str, dict[str, np.ndarray]] = {}
        for fset in FEATURE_SETS:
            filename, source, prefix = l2v.FEATURE_SETS_DICT[fset]
            if filename not in files:
                with np.load(str(data_dir / filename)) as db:
                    files[filename] = {key: db[key] for key in db.files}
            db = files[filename]
            rows = {str(code): i for i, code in enumerate(db["langs"])}
            feats = np.array([str(f).startswith(prefix) for f in db["feats"]])
            src = int(np.where(db["sources"] == source)[0][0])
            for lang in todo:
                row = rows.get(lang)
                vec = None if row is None else np.asarray(db["data"][row, feats, src], dtype=np.float64)
                # all -1: URIEL knows the language but not this feature set
                _MEMO[fset, lang] = None if vec is None or np.all(vec == MISSING) else vec
    vectors: dict[str, dict[str, np.ndarray]] = {s: {} for s in FEATURE_SETS}
    for fset in FEATURE_SETS:
        for lang in langs:
            vec = _MEMO[fset, lang]
            if vec is not None:
                vectors[fset][lang] = vec
    return vectors


def cosine_distance(a: np.ndarray, b: np.ndarray) -> float | None:
    """1 - cos(a, b) over the features both vectors have (not -1); None when none or a zero vector."""
    both = (a != MISSING) & (b != MISSING)
    if not both.any():
        return None
    x, y = a[both], b[both]
    norm = float(np.linalg.norm(x) * np.linalg.norm(y))
    if norm == 0.0:
        return None
    # clipped: rounding makes identical vectors come out at -2e-16
    return float(np.clip(1.0 - np.dot(x, y) / norm, 0.0, 2.0))


def _kind_vector(vectors: dict[str, dict[str, np.ndarray]], kind: str, lang: str) -> np.ndarray | None:
    parts = [vectors[s].get(lang) for s in DISTANCE_KINDS[kind]]
    if any(p is None for p in parts):
        return None
    return np.concatenate(parts)  # type: ignore[arg-type]


def typology_distances(
    hr_langs: Sequence[str],
    lr_langs: Sequence[str],
    cache_dir: Path | None = None,
    vectors: dict[str, dict[str, np.ndarray]] | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """(distances, missing): one row per (HR, LR) pair with a column per distance kind; null where a
    language is missing from URIEL. `missing` lists the languages URIEL does not have at all."""
    everything = sorted(set(hr_langs) | set(lr_langs))
    if vectors is None:
        vectors = load_vectors(everything, cache_dir)
    known = set().union(*(set(by) for by in vectors.values()))
    missing = [lang for lang in everything if lang not in known]
    rows: list[dict[str, object]] = []
    for hr in hr_langs:
        for lr in lr_langs:
            row: dict[str, object] = {"hr_lang": hr, "lr_lang": lr}
            for kind in DISTANCE_KINDS:
                a, b = _kind_vector(vectors, kind, hr), _kind_vector(vectors, kind, lr)
                row[kind] = cosine_distance(a, b) if a is not None and b is not None else None
            rows.append(row)
    schema = {"hr_lang": pl.String, "lr_lang": pl.String, **dict.fromkeys(DISTANCE_KINDS, pl.Float64)}
    return pl.DataFrame(rows, schema=schema), missing
