"""A fixture workspace for the TUI tests (written, never shipped), and tests of the TUI's file readers."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from xlt.tui import data
from xlt.workspace import Workspace, atomic_write_text, write_parquet

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# The fixed "now" of the tests: the running run's last event is 60 s before it.
NOW = T0 + timedelta(seconds=1260)
LR = ("kpv", "myv", "nci", "ote")


def event(kind: str, run_id: str, step: int, at: datetime, **fields: Any) -> dict[str, Any]:
    """One events.jsonl record."""
    return {
        "time": at.isoformat(timespec="milliseconds"),
        "run_id": run_id,
        "kind": kind,
        "step": step,
        **fields,
    }


def training_events(
    run_id: str, steps: int, total: int, start: datetime, seconds_per_step: float = 6.0, end: bool = False
) -> list[dict[str, Any]]:
    """start, a step event every 10 steps (loss falling), an eval and a checkpoint every 100, maybe end."""
    events = [event("start", run_id, 0, start, total_steps=total)]
    for step in range(10, steps + 1, 10):
        at = start + timedelta(seconds=step * seconds_per_step)
        events.append(
            event(
                "step", run_id, step, at, loss=9.5 * math.exp(-step / 150) + 2, lr=1e-3, tokens_per_s=6400.0
            )
        )
        if step % 100 == 0:
            events.append(
                event(
                    "eval",
                    run_id,
                    step,
                    at,
                    val_loss=3.0 + 100 / step,
                    val_perplexity=math.exp(3.0 + 100 / step),
                )
            )
            events.append(
                event("checkpoint", run_id, step, at, path=f"runs/{run_id}/checkpoints/step-{step}")
            )
    if end:
        events.append(event("end", run_id, steps, start + timedelta(seconds=steps * seconds_per_step + 1)))
    return events


def write_run(
    ws: Workspace, run_id: str, hr: str, seed: int, events: list[dict[str, Any]], total: int
) -> Path:
    """config.json (the keys pretrain writes) and events.jsonl of one run."""
    config = {
        "run_id": run_id,
        "hr_lang": hr,
        "seed": seed,
        "model": "tiny",
        "base_model": "tiny:ab12cd",
        "tokenizer": "sp8k",
        "total_steps": total,
        "optim": {"lr": 1e-3},
    }
    atomic_write_text(ws.run_dir(run_id) / "config.json", json.dumps(config))
    path = ws.run_dir(run_id) / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def perplexity_frame(runs: dict[str, str], checkpoints: int, langs: tuple[str, ...] = LR) -> pl.DataFrame:
    """Zero-shot rows plus `checkpoints` checkpoints (every 100 steps) of each run, two eval seeds."""
    rows = []
    for j, lang in enumerate(langs):
        for seed in (0, 1):
            rows.append(("base", None, "base", 0, lang, 1000.0 * (j + 1) + seed, seed))
    for r, (run_id, hr) in enumerate(runs.items()):
        for c in range(1, checkpoints + 1):
            for j, lang in enumerate(langs):
                # each language has its best checkpoint somewhere in the middle; later ones drift back up
                ppl = 1000.0 * (j + 1) * (0.6 + 0.1 * r + 0.002 * (c - 2 - j) ** 2)
                for seed in (0, 1):
                    rows.append((run_id, hr, f"step-{100 * c}", 100 * c, lang, ppl + seed, seed))
    frame = pl.DataFrame(
        rows,
        schema={
            "run_id": pl.String,
            "hr_lang": pl.String,
            "checkpoint": pl.String,
            "step": pl.Int64,
            "lr_lang": pl.String,
            "perplexity": pl.Float64,
            "eval_seed": pl.Int64,
        },
        orient="row",
    )
    return frame.with_columns(
        loss=pl.col("perplexity").log(), n_tokens=pl.lit(5000, pl.Int64), model=pl.lit("tiny:ab12cd")
    )


def write_workspace(root: Path, start: datetime = T0, checkpoints: int = 4) -> Workspace:
    """A workspace with four runs (finished, running, failed, stale), results, analysis and languages."""
    ws = Workspace.resolve(root)
    write_run(ws, "eng-s0", "eng", 0, training_events("eng-s0", 200, 200, start, end=True), 200)
    write_run(ws, "tur-s0", "tur", 0, training_events("tur-s0", 200, 400, start), 400)
    failed = training_events("spa-s1", 120, 400, start)
    failed.append(
        event(
            "error",
            "spa-s1",
            120,
            start + timedelta(seconds=721),
            message="RuntimeError: [cuda] out of memory",
        )
    )
    write_run(ws, "spa-s1", "spa", 1, failed, 400)
    write_run(ws, "fin-s0", "fin", 0, training_events("fin-s0", 50, 400, start - timedelta(hours=5)), 400)
    write_parquet(perplexity_frame({"eng-s0": "eng", "tur-s0": "tur"}, checkpoints), ws.perplexity_path)
    write_parquet(
        pl.DataFrame({"hr_lang": ["eng", "tur"], "n_improved": [4, 3], "mean_gain": [38.5, 28.0]}),
        ws.analysis_dir / "donors.parquet",
    )
    write_parquet(
        pl.DataFrame({"lr_lang": list(LR), "n_improved": [2, 2, 1, 2]}),
        ws.analysis_dir / "recipients.parquet",
    )
    write_parquet(
        pl.DataFrame(
            {
                "feature": ["overlap_tokens", "syntax_knn"],
                "scope": ["all", "all"],
                "spearman_r": [0.61, -0.2],
                "spearman_p": [0.01, 0.4],
                "pearson_r": [0.55, -0.1],
                "pearson_p": [0.02, 0.7],
                "n": [8, 8],
            }
        ),
        ws.analysis_dir / "correlations.parquet",
    )
    write_parquet(
        pl.DataFrame(
            {
                "hr_lang": ["eng"] * 4 + ["tur"] * 4,
                "lr_lang": list(LR) * 2,
                "overlap_tokens": [0.12, 0.1, 0.3, 0.2, 0.15, 0.11, 0.05, 0.04],
                "overlap_types": [0.2, 0.18, 0.4, 0.3, 0.25, 0.2, 0.1, 0.08],
            }
        ),
        ws.analysis_dir / "overlap.parquet",
    )
    write_parquet(
        pl.DataFrame(
            {
                "iso3": ["eng", "tur", "spa", "kpv", "myv", "nci", "ote", "xyz"],
                "name": [
                    "English",
                    "Turkish",
                    "Spanish",
                    "Komi-Zyrian",
                    "Erzya",
                    "Classical Nahuatl",
                    "Mezquital Otomi",
                    "?",
                ],
                "script": ["Latn", "Latn", "Latn", "Cyrl", "Cyrl", "Latn", "Latn", "Latn"],
                "sources": [
                    ["sample"],
                    ["sample", "conllu"],
                    ["sample"],
                    ["exb"],
                    ["conllu"],
                    ["sample"],
                    ["sample"],
                    ["wiki"],
                ],
                "lines": [50_000, 4_851, 30_000, 2_000, 1_500, 5_993, 3_448, 3],
                "chars": [3_000_000, 300_000, 2_000_000, 90_000, 70_000, 400_000, 200_000, 40],
                "tokens": [600_000, 40_000, 400_000, 15_000, 12_000, 60_000, 30_000, 6],
                "tier": ["hr", "hr", "hr", "lr", "lr", "lr", "lr", "excluded"],
            }
        ),
        ws.languages_path,
    )
    return ws


def test_runs_watcher_statuses(tmp_path: Path) -> None:
    """Each run gets its status, step of total, loss and ETA; a second poll without changes returns None."""
    ws = write_workspace(tmp_path / "ws")
    watcher = data.RunsWatcher(ws, 600.0, lambda: NOW)
    rows = {row.run_id: row for row in watcher.poll() or []}
    assert {r: rows[r].summary.status for r in rows} == {
        "eng-s0": "finished",
        "tur-s0": "running",
        "spa-s1": "failed",
        "fin-s0": "stale",
    }
    tur = rows["tur-s0"]
    assert (tur.hr_lang, tur.hr_name, tur.seed, tur.model) == ("tur", "Turkish", 0, "tiny")
    assert (tur.summary.step, tur.summary.total_steps) == (200, 400)
    assert data.format_eta(tur.summary.eta_s) == "20m00s"
    assert rows["spa-s1"].summary.error == "RuntimeError: [cuda] out of memory"
    assert watcher.poll() is None


def test_run_follower_tolerates_half_line_and_resume(tmp_path: Path) -> None:
    """A half-written line waits for its end; a restart from step 0 drops the abandoned curve."""
    ws = write_workspace(tmp_path / "ws")
    path = ws.run_dir("tur-s0") / "events.jsonl"
    follower = data.RunFollower(ws.run_dir("tur-s0"), 600.0, lambda: NOW)
    assert follower.poll()
    assert len(follower.loss) == 20
    line = json.dumps(event("step", "tur-s0", 210, NOW, loss=1.5)) + "\n"
    with path.open("a") as handle:
        handle.write(line[:25])
    assert not follower.poll()
    with path.open("a") as handle:
        handle.write(line[25:])
    assert follower.poll()
    assert follower.loss[-1] == (210, 1.5)
    with path.open("a") as handle:
        handle.write(json.dumps(event("start", "tur-s0", 0, NOW, total_steps=400)) + "\n")
    follower.poll()
    assert follower.loss == []


def test_matrix_perplexity_and_gain(tmp_path: Path) -> None:
    """The matrix averages eval seeds, puts zero-shot first, marks the lowest perplexity; gain is % less."""
    ws = write_workspace(tmp_path / "ws")
    frame = data.load_perplexity(ws.perplexity_path)
    assert frame is not None
    subjects = data.matrix_subjects(frame)
    assert [s.key for s in subjects] == ["eng-s0", "tur-s0", "eng", "tur"]
    ppl = data.build_matrix(frame, subjects[0], "perplexity")
    assert ppl.checkpoints == ["base", "step-100", "step-200", "step-300", "step-400"]
    assert ppl.langs == list(LR)
    assert ppl.values[0][0] == 1000.5
    assert ppl.best == [2, 3, 4, 4]
    gain = data.build_matrix(frame, subjects[0], "gain")
    assert gain.checkpoints == ["step-100", "step-200", "step-300", "step-400"]
    assert gain.values[1][0] == pytest.approx(100.0 * (1.0 - ppl.values[2][0] / 1000.5))
    assert gain.best == [1, 2, 3, 3]
    by_hr = data.build_matrix(frame, subjects[2], "perplexity")
    assert by_hr.values[1] == ppl.values[1]


def test_tables_show_any_columns(tmp_path: Path) -> None:
    """Analysis tables keep their own columns (known ones first), add language names, report broken files."""
    ws = write_workspace(tmp_path / "ws")
    (ws.analysis_dir / "zzz.parquet").write_bytes(b"not parquet")
    tables = data.load_analysis(ws)
    assert [t.name for t in tables] == ["donors", "recipients", "correlations", "overlap", "zzz"]
    assert tables[0].columns == ["hr_lang", "hr_lang name", "n_improved", "mean_gain"]
    assert tables[0].rows[0] == ("eng", "English", "4", "38.5")
    assert tables[-1].error and not tables[-1].rows
    languages = data.load_languages(ws)
    assert languages is not None
    assert [row[0] for row in languages.rows][:3] == ["eng", "spa", "tur"]
    assert languages.rows[0][languages.columns.index("sources")] == "sample"


def test_base_model_run_is_listed(tmp_path: Path) -> None:
    """The base model's training (models/base-run, `xlt pretrain --base`) is a run like the others."""
    ws = write_workspace(tmp_path / "ws")
    base_dir = ws.base_run_dir
    base_dir.mkdir(parents=True)
    config = {"run_id": "base-tiny-s0", "hr_lang": None, "seed": 0, "languages": {"tur": 20, "eng": 90}}
    (base_dir / "config.json").write_text(json.dumps(config))
    events = training_events("base-tiny-s0", 100, 300, T0 + timedelta(seconds=600))
    (base_dir / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    rows = data.RunsWatcher(ws, 600.0, lambda: NOW).poll() or []
    assert rows[0].run_id == "base-tiny-s0"  # the id `xlt runs` shows too
    assert rows[0].path == base_dir
    assert (rows[0].summary.status, rows[0].summary.step, rows[0].hr_name) == ("running", 100, "")
    assert rows[0].hr_label == "mix eng+tur"  # shown in the HR column instead of "?"
    assert rows[1].hr_label == rows[1].hr_name != ""
    assert len(rows) == 5


def test_zero_shot_of_the_same_base_model(tmp_path: Path) -> None:
    """Gain compares with the zero-shot rows of the subject's own base model, not another model's."""
    frame = perplexity_frame({"eng-s0": "eng"}, 2)
    other = frame.filter(pl.col("run_id") == "base").with_columns(
        model=pl.lit("google/mt5-base"), perplexity=pl.lit(10.0)
    )
    both = pl.concat([frame, other.select(frame.columns)])
    subject = data.matrix_subjects(both)[0]
    assert data.build_matrix(both, subject, "perplexity").values[0][0] == 1000.5
