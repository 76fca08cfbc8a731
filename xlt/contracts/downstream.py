"""``results/downstream.parquet``: one row per (task, run, checkpoint, language pair, metric).

Columns (long format, like ``perplexity.parquet``):

| column | type | meaning |
|---|---|---|
| task | str | ``mt`` or ``pos`` |
| run_id | str | training run; ``base`` for the untouched base model, ``random`` for a random init |
| checkpoint | str | ``step-<N>``, ``base`` or ``init`` |
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

Appending replaces an existing row with the same (task, run_id, checkpoint, src_lang, tgt_lang, metric)
key, so that re-running a comparison never duplicates it. The read-modify-write holds a lock
(`filelock`, https://py-filelock.readthedocs.io), so two commands writing at once do not lose each
other's rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl
from filelock import FileLock

from xlt.errors import InputError
from xlt.workspace import Workspace, write_parquet

KEY = ("task", "run_id", "checkpoint", "src_lang", "tgt_lang", "metric")


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
}


def read_results(workspace: Workspace) -> pl.DataFrame:
    """The downstream results (empty, with the schema, when there are none)."""
    path = workspace.downstream_path
    if not path.is_file():
        return pl.DataFrame(schema=SCHEMA)
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"cannot read {path}: {exc}", "move it away; scores are recomputed") from exc
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
    workspace: Workspace, task: str, run_id: str, checkpoint: str, src_lang: str, tgt_lang: str
) -> dict[str, dict[str, Any]]:
    """Rows already stored for one (task, run, checkpoint, pair), keyed by metric."""
    frame = read_results(workspace)
    if not len(frame):
        return {}
    hits = frame.filter(
        (pl.col("task") == task)
        & (pl.col("run_id") == run_id)
        & (pl.col("checkpoint") == checkpoint)
        & (pl.col("src_lang") == src_lang)
        & (pl.col("tgt_lang") == tgt_lang)
    )
    return {row["metric"]: row for row in hits.to_dicts()}
