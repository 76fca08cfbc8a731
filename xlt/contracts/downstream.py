"""``results/downstream.parquet``: one row per (task, run, checkpoint, language pair, metric).

Columns (long format, like ``perplexity.parquet``):

| column | type | meaning |
|---|---|---|
| task | str | ``mt`` or ``pos`` |
| run_id | str | training run; ``base`` for the untouched base model, ``random`` for a random init; MT's
trivial baselines: ``copy`` (the source unchanged) and ``most-frequent`` (the commonest train target) |
| checkpoint | str | ``step-<N>``, ``base``, ``init``; ``source`` / ``train`` for the MT baselines |
| src_lang | str | MT: source language; POS: language of the treebank the probe is trained on (ISO 639-3) |
| tgt_lang | str | MT: target language; POS: language of the test treebank (ISO 639-3) |
| metric | str | ``bleu``, ``chrf++`` (MT); ``accuracy``, ``f1_weighted`` (POS) |
| score | float | BLEU/chrF++ on 0–100 (sacrebleu); accuracy/F1 on 0–1 |
| signature | str or null | sacrebleu signature (null for POS) |
| n | int | test examples: sentences (MT) or words (POS) |
| model | str | label of the model the checkpoint belongs to (hub id, ``tiny:…``, or the path) |
| seed | int | seed of the split / fine-tuning / probe |
| data | str | the data spec (``elotl:axolotl``, a path, ``turkish-treebanks:web->file``) |
| time | str | ISO-8601 UTC time the row was written |
| settings | str | the recipe that produced the score (MT: data, split, fine-tuning and decoding options;
empty in files written before it existed) |

Appending replaces an existing row with the same (task, run_id, checkpoint, src_lang, tgt_lang, metric,
settings) key, so that re-running a comparison never duplicates it, and a score made with other settings
is kept beside it, not mistaken for it. The read-modify-write holds a lock
(`filelock`, https://py-filelock.readthedocs.io), so two commands writing at once do not lose each
other's rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl
from filelock import FileLock

from xlt.errors import InputError
from xlt.workspace import Workspace, write_parquet

KEY = ("task", "run_id", "checkpoint", "src_lang", "tgt_lang", "metric", "settings")


@dataclass(frozen=True)
class ScoreRow:
    """One row of downstream.parquet."""

    task: str
    run_id: str
    checkpoint: str
    src_lang: str
    tgt_lang: str
    metric: str
    score: float
    signature: str | None
    n: int
    model: str
    seed: int
    data: str
    time: str = ""
    settings: str = ""


SCHEMA: dict[str, pl.DataType] = {
    "task": pl.String(),
    "run_id": pl.String(),
    "checkpoint": pl.String(),
    "src_lang": pl.String(),
    "tgt_lang": pl.String(),
    "metric": pl.String(),
    "score": pl.Float64(),
    "signature": pl.String(),
    "n": pl.Int64(),
    "model": pl.String(),
    "seed": pl.Int64(),
    "data": pl.String(),
    "time": pl.String(),
    "settings": pl.String(),
}
# Columns that files written by older versions lack, and the value they mean there.
_ADDED_LATER: dict[str, str] = {"settings": ""}


def read_results(workspace: Workspace) -> pl.DataFrame:
    """The downstream results (empty, with the schema, when there are none)."""
    path = workspace.downstream_path
    if not path.is_file():
        return pl.DataFrame(schema=SCHEMA)
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"cannot read {path}: {exc}", "move it away; scores are recomputed") from exc
    frame = frame.with_columns(
        pl.lit(value, pl.String()).alias(name)
        for name, value in _ADDED_LATER.items()
        if name not in frame.columns
    )
    if missing := [c for c in SCHEMA if c not in frame.columns]:
        raise InputError(f"{path} lacks the columns {', '.join(missing)}", "move it away")
    return frame.select([pl.col(name).cast(dtype) for name, dtype in SCHEMA.items()])


def append_results(workspace: Workspace, rows: list[ScoreRow]) -> int:
    """Add rows atomically, replacing rows with the same key; returns the number of rows in the file."""
    if not rows:
        return len(read_results(workspace))
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    new = pl.DataFrame([{**asdict(r), "time": r.time or now} for r in rows], schema=SCHEMA)
    new = new.unique(subset=list(KEY), keep="last", maintain_order=True)
    path = workspace.downstream_path
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path.parent / f".{path.name}.lock"):
        old = read_results(workspace)
        kept = old.join(new.select(KEY), on=list(KEY), how="anti") if len(old) else old
        merged = pl.concat([kept.select(list(SCHEMA)), new], how="vertical")
        write_parquet(merged, path)
    return len(merged)


def cached_scores(
    workspace: Workspace,
    task: str,
    run_id: str,
    checkpoint: str,
    src_lang: str,
    tgt_lang: str,
    settings: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Rows already stored for one (task, run, checkpoint, pair[, settings]), keyed by metric."""
    frame = read_results(workspace)
    if not len(frame):
        return {}
    hits = frame.filter(
        (pl.col("task") == task)
        & (pl.col("run_id") == run_id)
        & (pl.col("checkpoint") == checkpoint)
        & (pl.col("src_lang") == src_lang)
        & (pl.col("tgt_lang") == tgt_lang)
        & (pl.lit(True) if settings is None else pl.col("settings") == settings)
    )
    return {row["metric"]: row for row in hits.to_dicts()}


# --- MT outputs: the translations behind the scores ------------------------------------------------
# ``results/mt_outputs.parquet``: one row per (run_id, checkpoint, src_lang, tgt_lang, settings) with the
# system's test translations in order (``hypotheses``, a list), a digest of the test sentences they
# translate (``test_digest``), and ``steps``, ``best_step``, ``seconds``. Paired significance tests need
# every system's sentences, so a re-run that skips a stored system still tests it against the others.

OUTPUT_KEY = ("run_id", "checkpoint", "src_lang", "tgt_lang", "settings")


@dataclass(frozen=True)
class SystemOutput:
    """One MT system's translations of a test set, and what producing them cost."""

    run_id: str
    checkpoint: str
    src_lang: str
    tgt_lang: str
    settings: str
    test_digest: str
    hypotheses: list[str]
    model: str = ""
    steps: int = 0
    best_step: int = 0
    seconds: float = 0.0


OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    **{name: pl.String() for name in (*OUTPUT_KEY, "test_digest")},
    "hypotheses": pl.List(pl.String()),
    "model": pl.String(),
    "steps": pl.Int64(),
    "best_step": pl.Int64(),
    "seconds": pl.Float64(),
}


def outputs_path(workspace: Workspace) -> Path:
    return workspace.results_dir / "mt_outputs.parquet"


def _read_outputs(workspace: Workspace) -> pl.DataFrame:
    path = outputs_path(workspace)
    if not path.is_file():
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"cannot read {path}: {exc}", "move it away; translations are recomputed") from exc
    if missing := [c for c in OUTPUT_SCHEMA if c not in frame.columns]:
        raise InputError(f"{path} lacks the columns {', '.join(missing)}", "move it away")
    return frame.select([pl.col(name).cast(dtype) for name, dtype in OUTPUT_SCHEMA.items()])


def store_output(workspace: Workspace, output: SystemOutput) -> None:
    """Add or replace one system's translations (same key: replaced), under the results' lock."""
    path = outputs_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = pl.DataFrame([asdict(output)], schema=OUTPUT_SCHEMA)
    with FileLock(path.parent / f".{path.name}.lock"):
        old = _read_outputs(workspace)
        kept = old.join(new.select(OUTPUT_KEY), on=list(OUTPUT_KEY), how="anti") if len(old) else old
        write_parquet(pl.concat([kept, new], how="vertical"), path)


def stored_output(
    workspace: Workspace,
    run_id: str,
    checkpoint: str,
    src_lang: str,
    tgt_lang: str,
    settings: str,
    digest: str,
) -> SystemOutput | None:
    """The stored translations of one system for these settings and this exact test set, if any."""
    frame = _read_outputs(workspace).filter(
        run_id=run_id, checkpoint=checkpoint, src_lang=src_lang, tgt_lang=tgt_lang, settings=settings
    )
    rows = [row for row in frame.to_dicts() if row["test_digest"] == digest]
    return SystemOutput(**rows[-1]) if rows else None
