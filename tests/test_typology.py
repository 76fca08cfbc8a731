"""Typology from URIEL+: real distances, agreement with URIEL+'s own `new_distance`, coverage, the cache,
a read-only site-packages, and the typology step of `xlt analyze` at 200 x 50."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from xlt.analysis import AnalysisOptions, analyze_workspace
from xlt.analysis import typology as ty
from xlt.analysis import uriel as ur

# What the demo (`xlt collect sample`) trains and evaluates on: HR stand-ins, then the LR varieties of
# elotl's corpora (Nahuatl, Otomí, Mixtec), and Chichewa
DEMO_HR = ["eng", "spa", "tur"]
DEMO_LR = ["nci", "azz", "nhm", "nhn", "nhe", "nhw", "ote", "ots", "nya", "mxt", "mig"]


@pytest.fixture(scope="module")
def urielplus(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One URIEL+ loaded on a private folder (seconds), shared by this module's tests."""
    return ur.load_urielplus(tmp_path_factory.mktemp("urielplus"))


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory, urielplus: Any) -> Path:
    """A workspace cache holding that URIEL+'s vectors, as `load_vectors` leaves it after its first run."""
    cache = tmp_path_factory.mktemp("cache")
    folder = ur.cache_path(cache)
    folder.mkdir(parents=True)
    ur.save_vectors(ur.vectors_of(urielplus), folder)
    return cache


@pytest.fixture
def vectors(cache_dir: Path) -> ur.Vectors:
    """The cached vectors, memory-mapped."""
    return ur.load_vectors(cache_dir)


def _by_pair(table: pl.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["hr_lang"], r["lr_lang"]): r for r in table.iter_rows(named=True)}


def test_well_known_pairs(vectors: ur.Vectors) -> None:
    """Spanish is genetically closer to Portuguese than to English, and to English than to Turkish;
    Madrid is closer to Lisbon than to Istanbul, and to Istanbul than to Tokyo."""
    table, missing = ty.typology_distances(["spa"], ["por", "eng", "tur", "jpn", "spa"], vectors=vectors)
    d = _by_pair(table)
    assert missing == []
    assert d["spa", "por"]["genetic"] < d["spa", "eng"]["genetic"] < d["spa", "tur"]["genetic"] == 1.0
    assert d["spa", "por"]["geographic"] < d["spa", "tur"]["geographic"] < d["spa", "jpn"]["geographic"]
    assert d["spa", "por"]["syntactic"] < d["spa", "jpn"]["syntactic"]
    for kind in ty.available_kinds(vectors):
        assert d["spa", "spa"][kind] == pytest.approx(0.0, abs=1e-6), kind
        values = table[kind].drop_nulls()
        assert values.is_between(0.0, 1.0).all(), kind


def test_distances_agree_with_urielplus_new_distance(urielplus: Any, vectors: ur.Vectors) -> None:
    """Every kind matches `URIELPlus.new_distance` pair by pair (it rounds to 4 decimals and computes in
    float32, which near 0 costs it a few 1e-4); a pair it cannot compare is null here."""
    pairs = [("spa", "por"), ("eng", "tur"), ("nya", "nci"), ("tur", "kpv"), ("spa", "ote"), ("eng", "jpn")]
    hr, lr = sorted({a for a, _ in pairs}), sorted({b for _, b in pairs})
    table, _ = ty.typology_distances(hr, lr, vectors=vectors)
    rows = _by_pair(table)
    compared = 0
    with ur._quiet_root_logger():
        for a, b in pairs:
            for kind in ty.available_kinds(vectors):
                try:
                    expected = urielplus.new_distance(kind, [a, b])
                except ValueError:  # "No shared ... features": URIEL+ cannot compute it
                    assert rows[a, b][kind] is None, (a, b, kind)
                    continue
                assert rows[a, b][kind] == pytest.approx(expected, abs=5e-4), (a, b, kind)
                compared += 1
    assert compared >= 30


def test_pairwise_distances_match_urielplus_angular_rule(urielplus: Any) -> None:
    """On random vectors with gaps and all-zero rows, the matrix form equals URIEL+'s `_angular_distance`
    applied to each pair's shared features; pairs with nothing shared are NaN."""
    rng = np.random.default_rng(0)
    a = rng.choice([-1.0, 0.0, 1.0], size=(6, 12), p=[0.4, 0.3, 0.3])
    b = rng.choice([-1.0, 0.0, 1.0], size=(5, 12), p=[0.4, 0.3, 0.3])
    a[0] = np.where(a[0] == 1.0, 0.0, a[0])  # known, but all zero
    b[0, :] = -1.0  # nothing known
    got = ty.pairwise_distances(a, b)
    for i in range(len(a)):
        for j in range(len(b)):
            shared = (a[i] != -1) & (b[j] != -1)
            if not shared.any():
                assert np.isnan(got[i, j])
                continue
            expected = urielplus._angular_distance(a[i][shared], b[j][shared])
            assert got[i, j] == pytest.approx(expected, abs=5e-5), (i, j)
    assert np.isnan(got[:, 0]).all()


def test_demo_languages_are_covered(vectors: ur.Vectors) -> None:
    """Every language of the demo is in URIEL+ with genetic, geographic, syntactic, featural and script
    vectors; inventories are known for the HR ones, Otomí (ote) and Mixtec (mig) only."""
    cover = ty.coverage(DEMO_HR, DEMO_LR, vectors=vectors)
    assert cover["lang"].to_list() == sorted(DEMO_HR + DEMO_LR)
    assert cover["uriel_code"].to_list() == cover["lang"].to_list()
    for row in cover.iter_rows(named=True):
        kinds = set(row["kinds"].split(","))
        assert {"genetic", "geographic", "syntactic", "featural", "script"} <= kinds, row["lang"]
        assert ("inventory" in kinds) == (row["lang"] in {"eng", "spa", "tur", "ote", "mig"}), row["lang"]
    table, missing = ty.typology_distances(DEMO_HR, DEMO_LR, vectors=vectors)
    assert missing == [] and table.height == 33
    assert table.select(["genetic", "geographic", "syntactic", "featural"]).null_count().row(0) == (0,) * 4
    assert table.filter(pl.col("lr_lang") == "nci")["inventory"].null_count() == 3


def test_unknown_language_is_null_and_reported(vectors: ur.Vectors) -> None:
    """'nah' (a collective code, not a URIEL+ language) keeps its rows with every distance null."""
    table, missing = ty.typology_distances(["spa", "eng"], ["nah", "nya"], vectors=vectors)
    assert missing == ["nah"]
    nah = table.filter(pl.col("lr_lang") == "nah")
    assert nah.height == 2
    kinds = ty.available_kinds(vectors)
    assert nah.select(kinds).null_count().row(0) == (2,) * len(kinds)
    cover = ty.coverage(["spa", "eng"], ["nah", "nya"], vectors=vectors).filter(pl.col("lang") == "nah")
    assert cover.row(0, named=True)["kinds"] == "" and cover.row(0, named=True)["uriel_code"] is None


def test_no_family_means_no_genetic_distance(vectors: ur.Vectors) -> None:
    """A language URIEL+ places in no family (Basque, an isolate) has a null genetic distance and
    n_genetic 0, but its other kinds."""
    table, _ = ty.typology_distances(["spa"], ["eus"], vectors=vectors)
    row = table.row(0, named=True)
    assert row["genetic"] is None and row["syntactic"] is not None
    cover = ty.coverage(["spa"], ["eus"], vectors=vectors).filter(pl.col("lang") == "eus")
    assert cover["n_genetic"].item() == 0 and "genetic" not in cover["kinds"].item()


def test_glottocodes_find_the_same_rows(vectors: ur.Vectors) -> None:
    """A Glottocode from URIEL+'s own map resolves to the same language as its ISO code."""
    spa_glotto = str(vectors.glottocode[vectors.rows(["spa"])["spa"]])
    assert len(spa_glotto) == 8
    by_iso, _ = ty.typology_distances(["spa"], ["por"], vectors=vectors)
    by_glotto, _ = ty.typology_distances([spa_glotto], ["por"], vectors=vectors)
    assert by_iso.drop("hr_lang").equals(by_glotto.drop("hr_lang"))


def test_cache_is_reused_without_urielplus(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second process (the in-process memo cleared) memory-maps the cache and never rebuilds it."""
    folder = ur.cache_path(cache_dir)
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cache was rebuilt")

    monkeypatch.setattr(ur, "build_vectors", fail)
    monkeypatch.setattr(ur, "_MEMO", {})
    vectors = ur.load_vectors(cache_dir)
    assert isinstance(vectors.blocks["genetic"], np.memmap)
    table, _ = ty.typology_distances(["spa"], ["por"], vectors=vectors)
    assert table["genetic"].item() == pytest.approx(0.1864, abs=1e-4)
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before
    assert ur.load_vectors(cache_dir) is vectors  # memoised within a process


READ_ONLY_SCRIPT = """
import json, sys
from pathlib import Path
import urielplus
from xlt.analysis import typology
print(json.dumps({"package": urielplus.__file__}))
try:
    from urielplus.urielplus import URIELPlus
    URIELPlus()
    print(json.dumps({"plain": "ok"}))
except OSError as exc:
    print(json.dumps({"plain": type(exc).__name__}))
table, missing = typology.typology_distances(["spa"], ["por", "tur"], Path(sys.argv[1]))
print(json.dumps({"rows": table.to_dicts(), "missing": missing}))
"""


def _read_only_tree(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
        path.chmod(mode)


def test_read_only_site_packages(tmp_path: Path) -> None:
    """With urielplus in a read-only folder, URIEL+'s own first use fails but xlt's typology works, builds
    its cache in the workspace and writes nothing into the package."""
    import urielplus

    site = tmp_path / "site"
    shutil.copytree(Path(urielplus.__file__).parent, site / "urielplus")
    _read_only_tree(site)
    cache = tmp_path / "cache"
    cache.mkdir()
    path = os.pathsep.join([str(site), *sys.path])
    env = {**os.environ, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-c", READ_ONLY_SCRIPT, str(cache)]
    if os.geteuid() == 0:  # root writes through mode bits unless it gives up the capabilities that allow it
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: a read-only folder cannot be made")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines[0]["package"].startswith(str(site))
    assert lines[1]["plain"] == "PermissionError"  # the failure is real here
    rows = {r["lr_lang"]: r for r in lines[2]["rows"]}
    assert lines[2]["missing"] == [] and rows["por"]["genetic"] < rows["tur"]["genetic"]
    assert (ur.cache_path(cache) / "meta.json").is_file()
    package_files = {p.relative_to(site) for p in site.rglob("*")}
    assert not any(p.suffix == ".npz" and p.parent.name == "database" for p in package_files)
    assert [p.name for p in (cache / "typology").iterdir()] == [ur.cache_path(cache).name]  # no leftovers


def _scale_workspace(ws: Any, cache_dir: Path, vectors: ur.Vectors) -> tuple[list[str], list[str]]:
    """A workspace whose cache already holds the URIEL+ vectors, and 200 HR x 50 LR languages: real
    URIEL+ codes (seeded pick) plus names no knowledge base has, as imported matrices keep them."""
    shutil.copytree(cache_dir / "typology", ws.cache_dir / "typology")
    rng = np.random.default_rng(7)
    codes = sorted(rng.choice([str(c) for c in vectors.codes], size=248, replace=False).tolist())
    hr = [*codes[:199], "Zorblax"]
    lr = [*codes[199:], "Saami (Northern)"]
    return hr, lr


def test_typology_step_at_200_by_50(ws: Any, cache_dir: Path, vectors: ur.Vectors) -> None:
    """`analyze typology` on 200 x 50 languages writes 10,000 pairs, the coverage table beside them, one
    warning naming the languages without any vector; a re-run is up to date; features join."""
    from xlt.analysis.features import feature_columns, pair_features

    hr, lr = _scale_workspace(ws, cache_dir, vectors)
    report = analyze_workspace(ws, AnalysisOptions(steps=("typology",), hr=hr, lr=lr))
    table = pl.read_parquet(ws.analysis_dir / "typology.parquet")
    assert table.height == 10_000 and table.columns[:2] == ["hr_lang", "lr_lang"]
    assert set(table.columns[2:]) == set(ty.available_kinds(vectors))
    cover = pl.read_csv(ws.analysis_dir / "typology_coverage.csv")
    assert cover.height == 250 and cover["source"].unique().to_list() == [ur.source_label()]
    warnings = [w for w in report.warnings if "URIEL+" in w]
    assert len(warnings) == 1
    assert warnings[0].startswith("typology: URIEL+ has no vectors for Saami (Northern), Zorblax;")
    assert table.filter(pl.col("hr_lang") == "Zorblax")["genetic"].null_count() == 50
    again = analyze_workspace(ws, AnalysisOptions(steps=("typology",), hr=hr, lr=lr))
    assert again.skipped["typology"].startswith("up to date")
    features = pair_features(table.select("hr_lang", "lr_lang"), typology=table)
    assert set(ty.available_kinds(vectors)) <= set(feature_columns(features))


def test_collapse_sources_as_new_distance_does() -> None:
    """Sources collapse to their largest known value (the mean for geography); -1 and NaN are unknown."""
    data = np.array([[[1.0, 0.0, -1.0], [-1.0, -1.0, -1.0], [np.nan, 0.0, -1.0]]])
    assert ur.collapse_sources(data).tolist() == [[1, -1, 0]]
    geo = np.array([[[0.2, 0.4], [-1.0, 0.5], [-1.0, -1.0]]])
    assert ur.collapse_sources(geo, mean=True) == pytest.approx(np.array([[0.3, 0.5, -1.0]]))
    assert ur.collapse_sources(data).dtype == np.int8


def test_unknown_database_is_one_clear_error(tmp_path: Path) -> None:
    """A database URIEL+ does not have is refused before anything is loaded, naming the valid ones."""
    from xlt.errors import InputError

    with pytest.raises(InputError, match="unknown URIEL\\+ database\\(s\\) wals") as info:
        ur.load_vectors(tmp_path, ["GRAMBANK", "wals"])
    assert "GRAMBANK" in str(info.value.hint)
    assert not (tmp_path / "typology").exists()
