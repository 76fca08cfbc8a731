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
key, so that re-running a comparison never duplicates it. The read-modify-write holds a lock file, so two
commands writing at once do not lose each other's rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

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


SCHEMA = {
    "task": "str",
    "run_id": "str",
    "checkpoint": "str",
    "src_lang": "str",
    "tgt_lang": "str",
    "metric": "str",
    "score": "f64",
    "signature": "str",
    "n": "i64",
    "model": "str",
    "seed": "i64",
    "data": "str",
    "time": "str",
}


def _schema():  # type: ignore[no-untyped-def]
    import polars as pl

    types = {"str": pl.String, "f64": pl.Float64, "i64": pl.Int64}
    return {name: types[kind] for name, kind in SCHEMA.items()}


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock beside `path` (POSIX); a no-op where fcntl is missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with (path.parent / f".{path.name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_results(workspace: Workspace):  # type: ignore[no-untyped-def]
    """The downstream results as a polars DataFrame (empty, with the schema, when there are none)."""
    import polars as pl

    path = workspace.downstream_path
    if not path.is_file():
        return pl.DataFrame(schema=_schema())
    return pl.read_parquet(path)


def append_results(workspace: Workspace, rows: list[ScoreRow]) -> int:
    """Add rows atomically, replacing rows with the same key; returns the number of rows in the file."""
    import polars as pl

    if not rows:
        return len(read_results(workspace))
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    new = pl.DataFrame([{**asdict(r), "time": r.time or now} for r in rows], schema=_schema())
    new = new.unique(subset=list(KEY), keep="last", maintain_order=True)
    path = workspace.downstream_path
    with _locked(path):
        old = read_results(workspace)
        kept = old.join(new.select(KEY), on=list(KEY), how="anti") if len(old) else old
        merged = pl.concat([kept.select(list(SCHEMA)), new], how="vertical")
        write_parquet(merged, path)
    return len(merged)


def cached_scores(
    workspace: Workspace, task: str, run_id: str, checkpoint: str, src_lang: str, tgt_lang: str
) -> dict[str, dict]:
    """Rows already stored for one (task, run, checkpoint, pair), keyed by metric."""
    import polars as pl

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
