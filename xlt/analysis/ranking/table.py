"""A long ranking table checked once: one row per (target, candidate), a score, numeric features.

Any task fits: xlt's own transfer table (target = LR language, candidate = HR donor, score = gain) or
a published one such as LangRank's MT and POS tables (``Source lang`` / ``Task lang``, ``Transfer lang``
/ ``Aux lang``, ``BLEU`` / ``Accuracy``), whose column names are recognised without options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from xlt.errors import InputError

# Column names tried in order when none is given; LangRank's MT table has "Target lang" = eng (the
# translation side) for every row, so its task language "Source lang" must win over "Target lang".
TARGET_NAMES = ("target", "lr_lang", "task_lang", "Task lang", "Source lang", "Target lang")
CANDIDATE_NAMES = ("candidate", "hr_lang", "donor", "transfer_lang", "Aux lang", "Transfer lang")
SCORE_NAMES = ("score", "gain", "rel_gain_final", "BLEU", "Accuracy", "accuracy", "bleu")
# LangRank's own feature vector (langrank.py `distance_vec`, Lin et al. 2019 Table 1), used when all of
# its columns are present; the tables' "Rank" and "<score> level" columns are the label, not features.
LANGRANK_FEATURES = (
    "Overlap word-level", "Overlap subword-level", "Transfer lang dataset size", "Target lang dataset size",
    "Transfer over target size ratio", "Transfer lang TTR", "Target lang TTR", "Transfer target TTR distance",
    "GENETIC", "SYNTACTIC", "FEATURAL", "PHONOLOGICAL", "INVENTORY", "GEOGRAPHIC",
)  # fmt: skip
LABEL_COLUMNS = ("Rank", "rank", "relevance", "BLEU level", "Accuracy level")
METHODS = ("ranker", "lambdarank", "prior", "random")


def read_table(path: Path) -> pl.DataFrame:
    """A CSV or parquet file as a frame; anything else (or a broken file) is one clear error."""
    if not path.is_file():
        raise InputError(f"no ranking table at {path}", hint="pass a CSV or parquet file with --table")
    try:
        if path.suffix.lower() == ".parquet":
            return pl.read_parquet(path)
        return pl.read_csv(path, infer_schema_length=None, null_values=["", "NA", "nan", "NaN"])
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read {path} as {'parquet' if path.suffix == '.parquet' else 'CSV'}: "
            f"{str(exc).splitlines()[0]}",
            hint="a table with a header row: target, candidate, score and feature columns",
        ) from None


def _detect(frame: pl.DataFrame, given: str | None, names: Sequence[str], role: str, option: str) -> str:
    if given is not None:
        if given not in frame.columns:
            raise InputError(
                f"the table has no {role} column {given!r}", hint=f"columns: {', '.join(frame.columns)}"
            )
        return given
    for name in names:
        if name in frame.columns:
            return name
    raise InputError(
        f"cannot tell which column is the {role} (none of {', '.join(names)})",
        hint=f"name it with {option}; columns: {', '.join(frame.columns)}",
    )


@dataclass(frozen=True)
class Queries:
    """The table as arrays, rows sorted by target then candidate; one query per target."""

    target_col: str
    candidate_col: str
    score_col: str
    features: list[str]
    targets: list[str]  # query names, sorted
    candidates: list[str]  # every candidate name, sorted
    query: np.ndarray  # row -> index into targets
    cand: np.ndarray  # row -> index into candidates
    x: np.ndarray  # rows x features, NaN where missing
    score: np.ndarray  # NaN where not observed
    bounds: np.ndarray  # query q holds rows bounds[q]:bounds[q + 1]

    def rows(self, q: int) -> slice:
        return slice(int(self.bounds[q]), int(self.bounds[q + 1]))

    @property
    def observed(self) -> list[int]:
        """Queries with at least two observed scores: the ones a ranker can learn from and be scored on."""
        finite = np.isfinite(self.score)
        return [q for q in range(len(self.targets)) if int(finite[self.rows(q)].sum()) >= 2]


def _default_features(frame: pl.DataFrame, keys: Sequence[str]) -> list[str]:
    if all(name in frame.columns for name in LANGRANK_FEATURES[2:]):  # POS has no subword overlap
        return [name for name in LANGRANK_FEATURES if name in frame.columns]
    skip = {*keys, *LABEL_COLUMNS}
    return [c for c, t in frame.schema.items() if c not in skip and t.is_numeric()]


def _check_feature(frame: pl.DataFrame, name: str, keys: set[str]) -> None:
    """A feature column must exist, be numeric, and be neither a key nor a ranking method's name."""
    if name not in frame.columns:
        raise InputError(
            f"the table has no feature column {name!r}", hint=f"columns: {', '.join(frame.columns)}"
        )
    if not frame.schema[name].is_numeric():
        raise InputError(
            f"feature column {name!r} is not numeric ({frame.schema[name]})",
            hint="pass numeric columns only with --features a,b,c",
        )
    if name in keys:
        raise InputError(f"{name!r} cannot be a feature and a key", hint="drop it from --features")
    if name in METHODS:
        raise InputError(f"feature column {name!r} clashes with a ranking method's name", hint="rename it")


def queries(
    frame: pl.DataFrame,
    target: str | None = None,
    candidate: str | None = None,
    score: str | None = None,
    features: Sequence[str] | None = None,
) -> Queries:
    """Check `frame` and turn it into `Queries`; every problem is an `InputError` naming the column."""
    target = _detect(frame, target, TARGET_NAMES, "target", "--target")
    candidate = _detect(frame, candidate, CANDIDATE_NAMES, "candidate", "--candidate")
    score = _detect(frame, score, SCORE_NAMES, "score", "--score")
    if len({target, candidate, score}) < 3:
        raise InputError(
            f"target, candidate and score must be three columns (got {target}, {candidate}, {score})",
            hint="name them with --target, --candidate and --score",
        )
    chosen = list(features) if features is not None else _default_features(frame, (target, candidate, score))
    for name in chosen:
        _check_feature(frame, name, {target, candidate, score})
    if not chosen:
        raise InputError("the table has no numeric feature columns to rank with", hint="add feature columns")
    if not frame.schema[score].is_numeric():
        raise InputError(f"score column {score!r} is not numeric ({frame.schema[score]})", hint="use --score")
    keyed = frame.select(
        pl.col(target).cast(pl.String), pl.col(candidate).cast(pl.String),
        pl.col(score).cast(pl.Float64).fill_nan(None), *(pl.col(c).cast(pl.Float64) for c in chosen),
    )  # fmt: skip
    if keyed[target].null_count() or keyed[candidate].null_count():
        raise InputError(f"empty {target} or {candidate} cells in the table", hint="fill or drop those rows")
    duplicated = keyed.filter(pl.struct(target, candidate).is_duplicated())
    if duplicated.height:
        first = duplicated.row(0)
        raise InputError(
            f"{duplicated.height} rows repeat a (target, candidate) pair, e.g. ({first[0]}, {first[1]})",
            hint="one row per pair: average repeated runs first",
        )
    sizes = keyed.group_by(target).len().filter(pl.col("len") < 2).sort(target)
    if sizes.height:
        raise InputError(
            f"target {sizes[target][0]} has fewer than 2 candidates ({sizes.height} such targets)",
            hint="a ranking needs 2+ candidates per target; drop those rows",
        )
    keyed = keyed.sort([target, candidate])
    targets = keyed[target].unique(maintain_order=True).to_list()
    candidates = sorted(keyed[candidate].unique().to_list())
    t_index = {name: i for i, name in enumerate(targets)}
    c_index = {name: i for i, name in enumerate(candidates)}
    query = np.array([t_index[v] for v in keyed[target].to_list()], dtype=np.int64)
    counts = np.bincount(query, minlength=len(targets))
    return Queries(
        target_col=target,
        candidate_col=candidate,
        score_col=score,
        features=chosen,
        targets=targets,
        candidates=candidates,
        query=query,
        cand=np.array([c_index[v] for v in keyed[candidate].to_list()], dtype=np.int64),
        x=keyed.select(pl.col(c).fill_null(float("nan")) for c in chosen).to_numpy().astype(np.float64),
        score=keyed[score].fill_null(float("nan")).to_numpy().astype(np.float64),
        bounds=np.concatenate([[0], np.cumsum(counts)]),
    )
