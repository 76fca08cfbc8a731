"""Paths that run configs store (relative to the workspace root) and the readers that resolve them; which
tokenizer `analyze overlap` reads without transformers; the experiment's donor list."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from xlt.contracts.runs import in_workspace, workspace_path
from xlt.workspace import Workspace


def test_paths_inside_the_workspace_are_stored_relative(ws: Workspace, tmp_path: Path) -> None:
    assert workspace_path(ws, ws.base_model_dir) == "models/base"
    assert workspace_path(ws, ws.tokenizer_dir("spm8000")) == "tokenizers/spm8000"
    assert workspace_path(ws, tmp_path / "elsewhere") == str(tmp_path / "elsewhere")
    for kept in ("google/mt5-base", "tiny", "base"):
        assert workspace_path(ws, kept) == kept


def test_a_stored_workspace_folder_resolves_under_the_root_even_when_missing(ws: Workspace) -> None:
    """A missing models/base is the workspace's (its reader then says it is missing), never a hub id."""
    assert in_workspace(ws, "models/base") == str(ws.root / "models" / "base")
    assert in_workspace(ws, "tokenizers/spm8000") == str(ws.root / "tokenizers" / "spm8000")
    assert in_workspace(ws, "google/mt5-base") == "google/mt5-base"
    assert in_workspace(ws, "") is None


def test_an_older_sweep_plan_with_absolute_paths_matches_its_runs(ws: Workspace) -> None:
    """Plans and run configs written before paths were relative still match the ones written after."""
    from xlt.sweep.plan import check_existing_runs

    run_dir = ws.run_dir("spa-base-s0")
    run_dir.mkdir(parents=True)
    record = {"config": {"optim": {"lr": 1e-3}}, "seed": 0, "hr_lang": "spa", "total_steps": 10}
    rows = pl.DataFrame([{"run_id": "spa-base-s0", "seed": 0, "hr_lang": "spa", "steps": 10}])
    for stored in ("models/base", str(ws.base_model_dir)):
        (run_dir / "config.json").write_text(json.dumps({**record, "base_model": stored}))
        for planned in ("models/base", str(ws.base_model_dir)):
            check_existing_runs(ws, rows, {"config": record["config"], "base_model": planned})
    from xlt.errors import UsageError

    with pytest.raises(UsageError, match="base_model"):
        check_existing_runs(ws, rows, {"config": record["config"], "base_model": "google/mt5-base"})


def test_overlap_reads_only_xlt_trained_tokenizers_without_transformers(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workspace tokenizer and models/base's copy: the Rust tokenizer; a checkpoint's copy (a hub
    model's, whose tokenizer class may adjust it): transformers."""
    from xlt.analysis import overlap as ov
    from xlt.analysis import steps
    from xlt.analysis.options import AnalysisOptions, context

    seen: list[bool] = []

    def loader(path: object, own: bool = False) -> object:
        seen.append(own)
        raise StopIteration  # stop the step here

    monkeypatch.setattr(ov, "load_tokenizer", loader)
    ws.train_path("spa").parent.mkdir(parents=True)
    ws.train_path("spa").write_text("hola\n", encoding="utf-8")
    checkpoint = ws.run_dir("spa-mt5-base-s0") / "checkpoints" / "step-10"
    for folder in (ws.tokenizer_dir("spm400"), ws.base_model_dir, checkpoint):
        folder.mkdir(parents=True, exist_ok=True)
        ctx = context(ws, AnalysisOptions(hr=("spa",), lr=("spa",), tokenizer=str(folder), force=True))
        with pytest.raises(StopIteration):
            steps.step_overlap(ctx)
    assert seen == [True, True, False]


def test_a_donor_named_twice_is_pretrained_once(ws: Workspace) -> None:
    from xlt.experiment import ExperimentPlan, hr_languages

    assert hr_languages(ws, ExperimentPlan(hr=["spa", "Spanish", "eng"])) == ["spa", "eng"]
