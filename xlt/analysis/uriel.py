"""URIEL+ as xlt's typology knowledge base: load it once, keep its per-language vectors in the workspace.

URIEL+ (Khan et al. 2025, "URIEL+: Enhancing Linguistic Inclusion and Usability in a Typological and
Multilingual Knowledge Base", COLING; the `urielplus` package) ships URIEL's phylogenetic, typological,
geographic and script arrays for 7,970 languages, optional extra databases (Grambank, SAPhon, BDPROTO,
Glottolog dialects) and computes distances in-process with `URIELPlus.new_distance`.

Two facts of the package shape this module (read in its source, `urielplus/urielplus.py`):

* its first `URIELPlus()` copies four ``.npz`` files from ``database/original_uriel/`` into its own
  package folder and loads them from there, so it fails where site-packages is read-only. xlt builds
  URIEL+ on a private folder instead (`load_urielplus`), under the workspace cache;
* loading it takes seconds, and `new_distance` walks every feature in Python for every pair. So xlt reads
  URIEL+'s arrays once, collapses their sources exactly as `new_distance` does, and stores one vector
  matrix per block (`build_vectors`) under ``cache/typology/``; later runs memory-map it
  (`load_vectors`) and compute all pairs at once (`xlt.analysis.typology`).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np

from xlt.errors import InputError
from xlt.workspace import atomic_dir

# URIEL+'s four arrays in the order of its `files`, `feats`, `langs` and `data` lists
BLOCKS = ("genetic", "typological", "geographic", "script")
FILES = ("family_features.npz", "features.npz", "geocoord_features.npz", "script_features.npz")
MISSING = -1.0  # URIEL's marker of an unknown value
FORMAT = 1  # version of the cached layout below; bump when it changes
# what `URIELPlus.integrate_custom_databases` accepts, and the sources it adds to the typological block
DATABASES = ("UPDATED_SAPHON", "BDPROTO", "GRAMBANK", "APICS", "EWAVE", "GLOTTOLOG", "INFERRED")
DATABASE_SOURCES = ("UPDATED_SAPHON", "BDPROTO", "GRAMBANK", "APICS", "EWAVE", "DERIVED")


@dataclass(frozen=True)
class Vectors:
    """Per-language vectors of each block, rows aligned with `codes` (-1 where a value is unknown).

    `codes` are the codes URIEL+ indexes by (ISO 639-3, or Glottocodes once a database is integrated);
    `iso` and `glottocode` give both spellings of every row ('' where URIEL+'s map has none).
    """

    codes: np.ndarray
    iso: np.ndarray
    glottocode: np.ndarray
    blocks: dict[str, np.ndarray]
    feats: dict[str, np.ndarray]
    meta: dict[str, Any]

    @functools.cached_property
    def index(self) -> dict[str, int]:
        """Row of every ISO 639-3 code and Glottocode URIEL+ knows."""
        index: dict[str, int] = {}
        for column in (self.glottocode, self.iso, self.codes):  # later columns win: codes are exact
            index.update((code, i) for i, code in enumerate(column.tolist()) if code)
        return index

    def rows(self, langs: Sequence[str]) -> dict[str, int]:
        """Row of each of `langs` that URIEL+ has, by ISO 639-3 code or Glottocode; others are left out."""
        return {lang: self.index[lang] for lang in langs if lang in self.index}


def urielplus_version() -> str:
    """The installed urielplus version, or a clear error when it is missing."""
    try:
        return metadata.version("urielplus")
    except metadata.PackageNotFoundError as exc:
        raise InputError("urielplus is not installed", hint="pip install urielplus") from exc


def source_label(databases: Sequence[str] = ()) -> str:
    """What typology tables are computed from, e.g. ``urielplus 1.3.2`` or ``urielplus 1.3.2+GRAMBANK``."""
    return "+".join([f"urielplus {urielplus_version()}", *sorted(d.upper() for d in databases)])


def cache_path(cache_dir: Path, databases: Sequence[str] = ()) -> Path:
    """Folder of the cached vectors for this urielplus version and set of integrated databases."""
    suffix = "-".join(["urielplus", urielplus_version(), f"v{FORMAT}", *sorted(d.lower() for d in databases)])
    return cache_dir / "typology" / suffix


def load_vectors(cache_dir: Path | None, databases: Sequence[str] = ()) -> Vectors:
    """The URIEL+ vectors: memory-mapped from the workspace cache, built there first when missing.

    Without a `cache_dir` they are built in memory (seconds; minutes with extra databases)."""
    unknown = [d for d in databases if d.upper() not in DATABASES]
    if unknown:
        raise InputError(
            f"unknown URIEL+ database(s) {', '.join(unknown)}", hint=f"one of {', '.join(DATABASES)}"
        )
    key = (None if cache_dir is None else str(cache_path(cache_dir, databases)), tuple(databases))
    if key in _MEMO:
        return _MEMO[key]
    if cache_dir is None:
        with tempfile.TemporaryDirectory(prefix="xlt-urielplus-") as tmp:
            vectors = build_vectors(Path(tmp), databases)
    else:
        folder = cache_path(cache_dir, databases)
        if not (folder / "meta.json").is_file():
            folder.parent.mkdir(parents=True, exist_ok=True)
            # URIEL+'s own working copy lives beside the cache while it is built, then goes
            with tempfile.TemporaryDirectory(prefix=".urielplus-", dir=folder.parent) as work:
                built = build_vectors(Path(work), databases)
            with atomic_dir(folder) as tmp:
                save_vectors(built, tmp)
        vectors = _open(folder)
    _MEMO[key] = vectors
    return vectors


_MEMO: dict[tuple[str | None, tuple[str, ...]], Vectors] = {}


def save_vectors(vectors: Vectors, folder: Path) -> None:
    """Write `vectors` into `folder` in the layout `load_vectors` memory-maps."""
    for name in ("codes", "iso", "glottocode"):
        np.save(folder / f"{name}.npy", getattr(vectors, name))
    for block in BLOCKS:
        np.save(folder / f"{block}.npy", vectors.blocks[block])
        np.save(folder / f"{block}.feats.npy", vectors.feats[block])
    # written last: its presence marks a complete cache
    (folder / "meta.json").write_text(json.dumps(vectors.meta, indent=1), encoding="utf-8")


def _open(folder: Path) -> Vectors:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        names = {name: np.load(folder / f"{name}.npy") for name in ("codes", "iso", "glottocode")}
        # memory-mapped: a 200 x 50 matrix reads ~250 rows of the 8,000 (26,880 with Glottolog)
        blocks = {b: np.load(folder / f"{b}.npy", mmap_mode="r") for b in BLOCKS}
        feats = {b: np.load(folder / f"{b}.feats.npy") for b in BLOCKS}
    except (OSError, ValueError) as exc:
        raise InputError(
            f"the URIEL+ cache at {folder} is unreadable ({exc})", hint=f"delete {folder} and re-run"
        ) from exc
    return Vectors(names["codes"], names["iso"], names["glottocode"], blocks, feats, meta)


def build_vectors(workdir: Path, databases: Sequence[str] = ()) -> Vectors:
    """Load URIEL+ on a private copy of its arrays in `workdir`, integrate `databases` (names as
    `URIELPlus.integrate_custom_databases` takes them, e.g. GRAMBANK) and read its vectors."""
    with _quiet_root_logger():
        uriel = load_urielplus(workdir)
        if databases:
            uriel.integrate_custom_databases(*[d.upper() for d in databases])
        return vectors_of(uriel)


def vectors_of(uriel: Any) -> Vectors:
    """Every language's vectors in a loaded `URIELPlus`, one value per feature (`collapse_sources`)."""
    codes = np.asarray(sorted({str(c) for langs in uriel.langs for c in langs}))
    position = {code: i for i, code in enumerate(codes)}
    blocks: dict[str, np.ndarray] = {}
    feats: dict[str, np.ndarray] = {}
    for index, block in enumerate(BLOCKS):
        # eWAVE's English-only features are masked when eWAVE is integrated, as new_distance does
        uriel._apply_ewave_restriction_if_enabled(
            uriel.data[index], uriel.langs[index], uriel.feats[index], index
        )
        collapsed = collapse_sources(np.asarray(uriel.data[index]), mean=block == "geographic")
        full = np.full((len(codes), collapsed.shape[1]), MISSING, dtype=collapsed.dtype)
        full[[position[str(c)] for c in uriel.langs[index]]] = collapsed
        blocks[block] = full
        feats[block] = np.asarray(uriel.feats[index]).astype(str)
    iso, glotto = _code_map(uriel.get_codes() == "Glotto", codes)
    meta = {
        "urielplus": urielplus_version(),
        "format": FORMAT,
        "codes": uriel.get_codes(),
        "databases": sorted(str(s) for s in uriel.sources[1] if str(s) in DATABASE_SOURCES),
        "aggregation": uriel.get_aggregation(),
        "sources": {b: [str(s) for s in uriel.sources[i]] for i, b in enumerate(BLOCKS)},
    }
    return Vectors(codes, iso, glotto, blocks, feats, meta)


def collapse_sources(data: np.ndarray, mean: bool = False) -> np.ndarray:
    """(languages x features x sources) -> (languages x features), as `URIELPlus.new_distance` does with
    its default union aggregation: a feature's value is the largest known value over the sources (the
    mean for geography); -1, NaN and infinities are unknown; a feature no source knows is -1."""
    known = (data != MISSING) & np.isfinite(data)
    any_known = known.any(axis=2)
    if data.shape[2] == 1:  # one source (family, geography, script): its value as it is
        value = data[:, :, 0]
    elif mean:
        total = np.where(known, data, 0.0).sum(axis=2, dtype=np.float64)
        value = total / np.maximum(known.sum(axis=2), 1)
    else:
        value = np.where(known, data, -np.inf).max(axis=2)
    out = np.where(any_known, value, MISSING)
    # {-1, 0, 1} blocks fit in int8 (the family block is 8,000 x 3,718); geography stays float32
    if np.isin(out, (-1.0, 0.0, 1.0)).all():
        return out.astype(np.int8)
    return out.astype(np.float32)


def _code_map(glotto_mode: bool, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ISO 639-3 and Glottocode of every row, from URIEL+'s own ``uriel_glottocode_map.csv``."""
    import csv

    path = (
        Path(str(resources.files("urielplus"))) / "database" / "urielplus_csvs" / "uriel_glottocode_map.csv"
    )
    with path.open(encoding="utf-8", newline="") as handle:
        pairs = [(r["iso_code"].strip(), r["glottocode"].strip()) for r in csv.DictReader(handle)]
    if glotto_mode:
        to_iso = {g: i for i, g in pairs if i and g}
        return np.asarray([to_iso.get(str(c), "") for c in codes]), codes.copy()
    to_glotto = {i: g for i, g in pairs if i and g}
    return codes.copy(), np.asarray([to_glotto.get(str(c), "") for c in codes])


def load_urielplus(workdir: Path) -> Any:
    """`URIELPlus()` whose ``database/`` folder is `workdir`/database, never the package's own folder.

    URIELPlus takes its folder from its module's ``__file__`` (``cur_dir``), copies the four original
    arrays there on first use and later reads its CSVs and original arrays relative to it. Here
    ``cur_dir`` is `workdir`, which gets copies of the arrays (made before URIEL+ looks, so it never
    copies) and links to the package's read-only CSVs and originals.
    """
    try:
        from urielplus.urielplus import URIELPlus
    except ImportError as exc:
        raise InputError("urielplus is not installed", hint="pip install urielplus") from exc
    package = Path(str(resources.files("urielplus"))) / "database"
    database = workdir / "database"
    database.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(package / "original_uriel" / name, database / name)
    for folder in ("original_uriel", "urielplus_csvs"):
        link = database / folder
        if not link.exists():
            try:
                link.symlink_to(package / folder, target_is_directory=True)
            except OSError:  # no symlinks (Windows without the privilege): a copy reads the same
                shutil.copytree(package / folder, link)

    class _URIELPlusAt(URIELPlus):
        @property
        def cur_dir(self) -> str:
            return str(workdir)

        @cur_dir.setter
        def cur_dir(self, value: str) -> None:
            """URIEL+ sets its package folder here; that folder may be read-only, so it is ignored."""

    return _URIELPlusAt()


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """Keep URIEL+'s logging out of xlt's output: importing it calls `logging.basicConfig(level=INFO)` and
    it reports every step with `logging.info`. INFO records are dropped while it runs, and the root
    logger's handlers and level are restored afterwards."""
    root = logging.getLogger()
    handlers, level, disabled = list(root.handlers), root.level, logging.root.manager.disable
    logging.disable(max(disabled, logging.INFO))
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
        logging.disable(disabled)
