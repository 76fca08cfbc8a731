"""The whole pipeline, shortened (`xlt experiment --quick`), and every file contract between its stages."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from xlt.events import read_events
from xlt.workspace import Workspace

RAW_MANIFEST = {"source", "iso3", "origin", "lines", "sha256"}
LANGUAGES = {"iso3", "name", "script", "sources", "lines", "chars", "tokens", "tier"}
PERPLEXITY = {
    "run_id": pl.String,
    "hr_lang": pl.String,
    "checkpoint": pl.String,
    "step": pl.Int64,
    "lr_lang": pl.String,
    "perplexity": pl.Float64,
    "loss": pl.Float64,
    "n_tokens": pl.Int64,
    "model": pl.String,
    "eval_seed": pl.Int64,
    "example_loss": pl.List(pl.Float64),
    "example_tokens": pl.List(pl.Int64),
}
DOWNSTREAM = {"task", "run_id", "checkpoint", "metric", "score", "signature", "n"}


def _xlt(ws: Workspace, *args: str, debug: bool = True) -> subprocess.CompletedProcess[str]:
    """`xlt ARGS` in `ws`; `debug` (XLT_DEBUG) shows a traceback on failure instead of the one line."""
    env = {key: value for key, value in os.environ.items() if key != "XLT_DEBUG"}
    env.update({"COLUMNS": "120", **({"XLT_DEBUG": "1"} if debug else {})})
    return subprocess.run(
        [sys.executable, "-m", "xlt", "--workspace", str(ws.root), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def experiment(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Workspace, subprocess.CompletedProcess[str]]:
    """One quick experiment for every test of this module."""
    ws = Workspace.resolve(tmp_path_factory.mktemp("experiment") / "ws")
    return ws, _xlt(ws, "experiment", "--quick")


def test_experiment_runs_every_stage(experiment):
    """`xlt experiment --quick` exits 0, prints each stage with its time, and says how to open the TUI."""
    ws, done = experiment
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for stage in ("collect", "clean", "pretrain --base", "evaluate --all-lr", "analyze", "downstream mt"):
        assert f"$ xlt {stage}" in done.stdout
    assert done.stdout.count("done in") >= 8
    assert f"xlt --workspace {ws.root} tui" in done.stdout


def test_collect_to_clean_contract(experiment):
    """raw/ has one file per manifest row with the counted lines; corpus/ has every tiered language."""
    ws, _ = experiment
    manifest = pl.read_parquet(ws.manifest_path("sample"))
    assert set(manifest.columns) >= RAW_MANIFEST
    for row in manifest.iter_rows(named=True):
        files = list(ws.raw_lang_dir("sample", row["iso3"]).glob("*.txt"))
        assert files, row["iso3"]
    languages = pl.read_parquet(ws.languages_path)
    assert set(languages.columns) >= LANGUAGES
    tiers = dict(zip(languages["iso3"], languages["tier"], strict=True))
    assert {"spa", "tur", "eng", "nci"} <= {k for k, v in tiers.items() if v == "hr"}  # nci: the control
    assert tiers["mie"] == "excluded"  # 4k tokens: below the paper's 10k floor
    assert sum(v == "lr" for v in tiers.values()) >= 3
    for iso3 in tiers:
        train = ws.train_path(iso3).read_text(encoding="utf-8").splitlines()
        valid = ws.valid_path(iso3).read_text(encoding="utf-8").splitlines()
        row = languages.filter(pl.col("iso3") == iso3).row(0, named=True)
        assert len(train) + len(valid) == row["lines"]


def test_pretrain_contract(experiment):
    """Base model and runs: safetensors checkpoints (no pickled weights), config.json, complete events."""
    ws, _ = experiment
    assert (ws.base_model_dir / "model.safetensors").is_file()
    assert list(ws.tokenizers_dir.glob("*/tokenizer.json"))
    run_ids = ws.run_ids()
    assert {r.split("-")[0] for r in run_ids} == {"eng", "nci", "spa", "tur"}
    for run_id in run_ids:
        config = json.loads((ws.run_dir(run_id) / "config.json").read_text())
        for key in (
            "run_id",
            "hr_lang",
            "seed",
            "model",
            "base_model",
            "tokenizer",
            "total_steps",
            "versions",
        ):
            assert key in config, key
        kinds = [e["kind"] for e in read_events(ws.run_dir(run_id) / "events.jsonl")]
        assert kinds[0] == "start" and kinds[-1] == "end" and "checkpoint" in kinds and "eval" in kinds
        checkpoints = sorted(ws.checkpoints_dir(run_id).glob("step-*"))
        assert checkpoints
        for checkpoint in checkpoints:
            assert (checkpoint / "model.safetensors").is_file()
            assert not list(checkpoint.glob("*.bin")) and not list(checkpoint.glob("*.pt"))


def test_evaluate_contract(experiment):
    """perplexity.parquet: the documented schema, a zero-shot row, every checkpoint on every LR language."""
    ws, _ = experiment
    results = pl.read_parquet(ws.perplexity_path)
    assert dict(results.schema) == PERPLEXITY
    lr = set(pl.read_parquet(ws.languages_path).filter(pl.col("tier") == "lr")["iso3"])
    assert set(results["lr_lang"]) == lr
    base = results.filter(pl.col("run_id") == "base")
    assert base["hr_lang"].null_count() == base.height and set(base["checkpoint"]) == {"base"}
    assert set(base["lr_lang"]) == lr
    checkpoints = sum(len(list(ws.checkpoints_dir(r).glob("step-*"))) for r in ws.run_ids())
    assert results.filter(pl.col("run_id") != "base").height == checkpoints * len(lr)
    for row in results.iter_rows(named=True):
        assert math.isclose(row["perplexity"], math.exp(row["loss"]), rel_tol=1e-6)
        assert row["n_tokens"] > 0 and sum(row["example_tokens"]) == row["n_tokens"]
        assert math.isclose(sum(row["example_loss"]), row["loss"] * row["n_tokens"], rel_tol=1e-6)
    from xlt.contracts.views import transfer_table

    pairs = transfer_table(results)
    assert pairs["log_gain_lo_final"].null_count() == 0 and pairs["significant_final"].null_count() == 0
    baselines = pl.read_parquet(ws.results_dir / "baselines.parquet")
    assert {"random_init", "unigram:self"} <= set(baselines["baseline"])


def test_analyze_and_downstream_contract(experiment):
    """analysis/ holds the tables and plots; downstream.parquet holds BLEU and chrF++ with signatures."""
    ws, _ = experiment
    for name in ("overlap", "typology", "transfer", "donors", "recipients", "correlations"):
        assert (ws.analysis_dir / f"{name}.parquet").is_file(), name
    assert list(ws.analysis_dir.glob("*.png"))
    transfer = pl.read_parquet(ws.analysis_dir / "transfer.parquet")
    assert {"hr_lang", "lr_lang"} <= set(transfer.columns)
    downstream = pl.read_parquet(ws.downstream_path)
    assert set(downstream.columns) >= DOWNSTREAM
    metrics = downstream.filter(pl.col("task") == "mt")
    assert {"bleu", "chrf++"} <= set(metrics["metric"])
    assert all("nrefs:1" in s for s in metrics["signature"])


def test_rerun_of_a_finished_experiment_starts_no_stage(experiment):
    """Nothing changed since the experiment finished: no stage is started, the findings are shown."""
    ws, first = experiment
    assert first.returncode == 0
    again = _xlt(ws, "experiment", "--quick")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "nothing to do: these 13 stages finished at" in again.stdout
    assert "$ xlt" not in again.stdout
    assert "what the experiment found" in again.stdout and "total:" in again.stdout


def test_rerun_after_a_change_starts_the_stages_and_they_reuse_their_work(experiment):
    """A deleted plot makes the stages run again: each skips what it finished, no result changes, and
    the plot is back. The next run has nothing to do again."""
    ws, first = experiment
    assert first.returncode == 0
    before = pl.read_parquet(ws.perplexity_path).sort(["run_id", "checkpoint", "lr_lang"])
    stamps = {p: p.stat().st_mtime_ns for p in Path(ws.runs_dir).glob("*/checkpoints/*/model.safetensors")}
    (ws.analysis_dir / "donors.png").unlink()
    again = _xlt(ws, "experiment", "--quick")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "nothing to do" not in again.stdout and "$ xlt analyze all" in again.stdout
    after = pl.read_parquet(ws.perplexity_path).sort(["run_id", "checkpoint", "lr_lang"])
    assert before.equals(after)
    assert stamps == {p: p.stat().st_mtime_ns for p in stamps}
    assert "skipped" in again.stdout or "cached" in again.stdout
    assert (ws.analysis_dir / "donors.png").is_file()
    assert "nothing to do" in _xlt(ws, "experiment", "--quick").stdout


def test_a_second_experiment_on_the_workspace_is_refused(experiment):
    """While one `xlt experiment` runs, another on the same workspace stops with one line, exit 1."""
    from xlt.experiment_record import lock_path
    from xlt.locks import exclusive

    ws, _ = experiment
    with exclusive(lock_path(ws), "the experiment"):
        second = _xlt(ws, "experiment", "--quick", debug=False)  # as a user sees it: no traceback
    assert second.returncode == 1
    assert second.stderr.startswith(f"error: the experiment in {ws.root} is in use by PID {os.getpid()}")
    assert second.stderr.count("\n") == 1 and "Traceback" not in second.stderr
