"""Training: the pure pieces (schedule, batches, baseline) and few-step runs (events, checkpoints, resume)."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from factories import SMALL_SIZES, sample_corpus

from xlt.errors import TrainingError, UsageError
from xlt.events import read_events
from xlt.training import (
    TrainHooks,
    base_config,
    cpu_config,
    lr_at,
    pretrain,
    pretrain_base,
    unigram_perplexity,
)
from xlt.training.batches import micro_batch, mixture_index, step_examples
from xlt.workspace import Workspace


def test_config(steps: int = 6, **overrides: object) -> object:
    """A CPU recipe shrunk to a 2-layer d_model-32 model on 32-token inputs."""
    cfg = cpu_config().with_overrides(
        {
            "model.spec": "tiny",
            "model.precision": "fp32",
            "model.vocab_size": 400,
            "model.size_overrides": SMALL_SIZES,
            "data.input_length": 32,
            "optim.batch_size": 4,
            "optim.steps": steps,
            "optim.warmup_steps": 2,
            "optim.lr": 1e-2,
            "eval.max_blocks": 16,
            "eval.batch_size": 16,
            "eval.log_every": 1,
            "checkpoint.every_fraction": 1 / 3,
            **overrides,
        }
    )
    return cfg


test_config.__test__ = False  # a helper, not a test


def base_test_config(steps: int) -> object:
    """The base model's recipe with test_config's small shapes and `steps` steps."""
    cfg = test_config(steps=steps)
    return base_config().with_overrides(
        {f"{s}.{k}": v for s, sec in cfg.to_dict().items() for k, v in sec.items()}
    )


@pytest.fixture(scope="module")
def template_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The sample corpus with its 400-piece tokenizer trained once (SentencePiece is the slow part)."""
    from xlt.modeling.tokenizers import workspace_tokenizer

    ws = Workspace(tmp_path_factory.mktemp("template") / "ws")
    sample_corpus(ws)
    workspace_tokenizer(ws, vocab_size=400)
    return ws


@pytest.fixture
def corpus_ws(template_ws: Workspace, ws: Workspace) -> Workspace:
    """A fresh copy of the template workspace."""
    import shutil

    shutil.copytree(template_ws.root, ws.root)
    return ws


def test_lr_schedule_warms_up_then_decays() -> None:
    """Linear warm-up to the peak, then linear decay towards 0 at the last step."""
    lrs = [lr_at(step, 1.0, 4, 12) for step in range(12)]
    assert lrs[:4] == [0.25, 0.5, 0.75, 1.0]
    assert all(a > b for a, b in itertools.pairwise(lrs[3:]))
    assert lrs[-1] == pytest.approx(1 / 9)


def test_batches_are_pure_and_cover_each_epoch() -> None:
    """Each epoch visits every example once; processes and micro-steps get disjoint slices."""
    seen = np.concatenate([step_examples(10, seed=3, step=s, global_batch=5) for s in range(2)])
    assert sorted(seen) == list(range(10))
    assert np.array_equal(step_examples(10, 3, 7, 5), step_examples(10, 3, 7, 5))
    parts = [micro_batch(40, 0, 2, m, p, 4, 2, 2) for m in range(2) for p in range(2)]
    assert len(np.unique(np.concatenate(parts))) == 16


def test_mixture_upsamples_small_languages() -> None:
    """The base model's mix draws p(l) ∝ n**0.3: the small language is repeated, the big one cut."""
    index = mixture_index([1000, 10], alpha=0.3, seed=0)
    small = np.count_nonzero(index >= 1000)
    assert len(index) == 1010 and small == round(1010 / (1 + 100**0.3))


def test_unigram_perplexity_matches_hand_computation() -> None:
    """Add-one unigram perplexity over target tokens; -100 is never counted."""
    train = np.array([[3, 3, 4, -100]])
    target = np.array([[3, 4, -100, -100]])
    p3, p4 = (2 + 1) / (3 + 5), (1 + 1) / (3 + 5)
    assert unigram_perplexity(train, target, vocab_size=5) == pytest.approx(
        math.exp(-(math.log(p3) + math.log(p4)) / 2)
    )


def test_config_overrides_and_fp16_refused() -> None:
    """Dotted overrides replace one field; unknown fields and fp16 are usage errors."""
    cfg = cpu_config().with_overrides({"optim.lr": 1e-4, "optim.steps": None})
    assert cfg.optim.lr == 1e-4 and cfg.optim.steps == cpu_config().optim.steps
    with pytest.raises(UsageError):
        cpu_config().with_overrides({"optim.nope": 1})
    with pytest.raises(UsageError, match="fp16"):
        cpu_config().with_overrides({"model.precision": "fp16"}).validate()


def test_few_step_run_writes_events_checkpoints_config(corpus_ws: Workspace) -> None:
    """A 6-step run: config.json with sections and versions, events, 3 safetensors checkpoints, learning."""
    [result] = pretrain(corpus_ws, "Spanish", test_config())
    run_dir = corpus_ws.run_dir("spa-tiny-s0")
    assert result.run_id == "spa-tiny-s0" and result.final_step == 6
    config = json.loads((run_dir / "config.json").read_text())
    assert {"model", "data", "optim", "eval", "checkpoint"} <= set(config["config"])
    assert config["hr_lang"] == "spa" and config["model"].startswith("tiny:") and config["total_steps"] == 6
    assert {"torch", "transformers", "accelerate", "xlt"} <= set(config["versions"])
    assert not Path(config["tokenizer"]).is_absolute() and (corpus_ws.root / config["tokenizer"]).is_dir()
    kinds = [e["kind"] for e in read_events(run_dir / "events.jsonl")]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("checkpoint") == 3
    assert result.checkpoints == ["step-2", "step-4", "step-6"]
    for name in result.checkpoints:
        assert (run_dir / "checkpoints" / name / "model.safetensors").is_file()
        assert (run_dir / "checkpoints" / name / "tokenizer.json").is_file()
    assert result.final_val_perplexity < result.start_val_perplexity
    # Re-running a finished run skips it.
    [again] = pretrain(corpus_ws, "spa", test_config())
    assert again.skipped and again.final_val_perplexity == pytest.approx(result.final_val_perplexity)


def test_resume_after_crash_matches_uninterrupted_run(corpus_ws: Workspace) -> None:
    """Crash after step 5, resume from the step-4 state: same final step and loss as without the crash."""
    import torch
    from safetensors.torch import load_file

    [clean] = pretrain(corpus_ws, "spa", test_config())
    run_dir = corpus_ws.run_dir("spa-tiny-s0")
    clean_weights = load_file(run_dir / "checkpoints" / "step-6" / "model.safetensors")

    def crash(step: int, loss: float) -> None:
        if step == 5:
            raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"):
        pretrain(corpus_ws, "spa", test_config(), resume=False, hooks=TrainHooks(after_step=crash))
    [resumed] = pretrain(corpus_ws, "spa", test_config())
    assert resumed.resumed_from == 4 and resumed.final_step == clean.final_step == 6
    assert resumed.final_loss == pytest.approx(clean.final_loss, rel=1e-6)
    assert resumed.final_val_perplexity == pytest.approx(clean.final_val_perplexity, rel=1e-6)
    resumed_weights = load_file(run_dir / "checkpoints" / "step-6" / "model.safetensors")
    assert all(torch.equal(resumed_weights[name], clean_weights[name]) for name in clean_weights)
    # The resume state holds tensors and JSON only: nothing a loader would unpickle.
    assert {p.suffix for p in (run_dir / "state").iterdir()} == {".safetensors", ".json"}


def test_resume_refuses_a_pickled_state_with_the_fix(corpus_ws: Workspace) -> None:
    """A state/ written by Accelerate's save_state (xlt 0.1.0) is not unpickled: one line, what to do."""

    def stop_after_the_first_state(step: int, loss: float) -> None:
        if step == 3:
            raise RuntimeError("stop")

    crash = TrainHooks(after_step=stop_after_the_first_state)
    with pytest.raises(RuntimeError):
        pretrain(corpus_ws, "spa", test_config(), hooks=crash)
    state = corpus_ws.run_dir("spa-tiny-s0") / "state"
    (state / "optimizer.json").unlink()
    (state / "optimizer.bin").write_bytes(b"\x80\x04pickle")
    with pytest.raises(TrainingError, match="not in xlt's format") as error:
        pretrain(corpus_ws, "spa", test_config())
    assert str(state) in error.value.message and "--force" in (error.value.hint or "")


def test_nan_loss_stops_with_error_event(corpus_ws: Workspace) -> None:
    """A NaN loss stops the run with a TrainingError and an error event; earlier checkpoints stay."""

    def poison(step: int, loss: object) -> object:
        return loss * float("nan") if step == 3 else loss

    with pytest.raises(TrainingError, match="loss became nan at step 3"):
        pretrain(corpus_ws, "spa", test_config(), hooks=TrainHooks(loss_transform=poison))
    run_dir = corpus_ws.run_dir("spa-tiny-s0")
    assert read_events(run_dir / "events.jsonl")[-1]["kind"] == "error"
    assert (run_dir / "checkpoints" / "step-2" / "model.safetensors").is_file()


def test_changed_settings_refuse_to_resume(corpus_ws: Workspace) -> None:
    """Resuming a run with other settings is refused with the fix (--force)."""
    crash = TrainHooks(after_step=lambda step, loss: (_ for _ in ()).throw(RuntimeError("stop")))
    with pytest.raises(RuntimeError):
        pretrain(corpus_ws, "spa", test_config(), hooks=crash)
    with pytest.raises(UsageError, match="other settings"):
        pretrain(corpus_ws, "spa", test_config(**{"optim.lr": 5e-3}))


def test_base_model_trains_on_hr_mix_only(corpus_ws: Workspace) -> None:
    """--base trains on both HR languages (never the LR one) and becomes the default model of runs."""
    cfg = base_test_config(steps=4)
    result = pretrain_base(corpus_ws, cfg)
    info = json.loads((corpus_ws.base_model_dir / "xlt_base.json").read_text())
    assert set(result.languages) == {"spa", "ote"} and info["excluded_lr_languages"] == ["nci"]
    assert (corpus_ws.base_model_dir / "model.safetensors").is_file()
    assert result.label.startswith("base:") and info["val_perplexity"] is not None
    [run] = pretrain(corpus_ws, "spa", test_config(steps=2, **{"model.spec": "auto"}))
    assert run.run_id == "spa-base-s0"
    config = json.loads((corpus_ws.run_dir("spa-base-s0") / "config.json").read_text())
    assert config["model"] == result.label and config["base_model"] == "models/base"  # relative: movable


def test_a_finished_run_is_skipped_before_the_model_is_loaded(corpus_ws: Workspace, monkeypatch) -> None:
    """Re-running a finished run of the base model reads its result from config.json and events: the
    model is not loaded, and the result equals the trained one's; changed settings still go to the full
    setup, which refuses them."""
    import xlt.training.api as api

    base = base_test_config(steps=4)
    pretrain_base(corpus_ws, base)
    run_cfg = test_config(steps=2, **{"model.spec": "base"})
    [first] = pretrain(corpus_ws, "spa", run_cfg)
    monkeypatch.setattr(api, "load_model", lambda *a, **k: pytest.fail("the model was loaded"))
    [fast] = pretrain(corpus_ws, "spa", run_cfg)
    assert fast.skipped and not first.skipped
    for field in ("run_id", "final_val_perplexity", "start_val_perplexity", "checkpoints", "final_loss"):
        assert getattr(fast, field) == getattr(first, field)
    assert fast.unigram_val_perplexity == pytest.approx(first.unigram_val_perplexity)
    monkeypatch.undo()
    with pytest.raises(UsageError, match="other settings"):
        pretrain(corpus_ws, "spa", test_config(steps=2, **{"model.spec": "base", "optim.lr": 5e-3}))


def test_a_moved_workspace_reuses_its_runs(corpus_ws: Workspace, tmp_path: Path, monkeypatch) -> None:
    """Run configs name workspace paths relative to the root: a copied or moved workspace skips its
    finished runs instead of refusing them, and one written by an older xlt (absolute paths inside the
    workspace) is still recognised where it is."""
    import shutil

    base = base_test_config(steps=2)
    pretrain_base(corpus_ws, base)
    run_cfg = test_config(steps=2, **{"model.spec": "base"})
    [first] = pretrain(corpus_ws, "spa", run_cfg)
    written = [p for p in corpus_ws.root.rglob("*.json") if str(corpus_ws.root) in p.read_text()]
    assert not written  # no config, checkpoint or base-model file names the workspace's location
    moved = Workspace(tmp_path / "moved")
    shutil.move(corpus_ws.root, moved.root)
    [again] = pretrain(moved, "spa", run_cfg)
    assert again.skipped and again.final_val_perplexity == first.final_val_perplexity
    import xlt.training.api as api

    with monkeypatch.context() as patch:  # the full setup's check too (the model loaded)
        patch.setattr(api, "known_label", lambda *a, **k: None)
        [full] = pretrain(moved, "spa", run_cfg)
    assert full.skipped
    path = moved.run_dir(first.run_id) / "config.json"
    old = json.loads(path.read_text())
    path.write_text(json.dumps({**old, "base_model": str(moved.base_model_dir)}))  # as older xlt wrote it
    [old_style] = pretrain(moved, "spa", run_cfg)
    assert old_style.skipped


def test_base_model_can_leave_an_hr_donor_out(corpus_ws: Workspace) -> None:
    """--exclude ote: the base mix is Spanish alone (zero-shot never saw the donor under test); asking
    for another mix later is refused with the fix instead of silently reusing the first base model."""
    from xlt.errors import InputError

    cfg = base_test_config(steps=2)
    result = pretrain_base(corpus_ws, cfg, exclude=("Mezquital Otomi",))
    info = json.loads((corpus_ws.base_model_dir / "xlt_base.json").read_text())
    assert set(result.languages) == {"spa"} and info["excluded_hr_languages"] == ["ote"]
    assert pretrain_base(corpus_ws, cfg, exclude=("ote",)).skipped
    with pytest.raises(InputError, match="--force"):
        pretrain_base(corpus_ws, cfg)
    with pytest.raises(UsageError, match="--base"):
        from xlt.training.options import PretrainOptions

        PretrainOptions(hr="spa", exclude=("ote",))


def test_train_flops_count_encoder_and_decoder_tokens() -> None:
    """6·params·tokens per part: encoder weights × input tokens, decoder and LM head × target tokens."""
    from xlt.modeling.build import build_tiny_model, tiny_config
    from xlt.training.flops import train_step_flops

    model = build_tiny_model(tiny_config("tiny", 500, **SMALL_SIZES), seed=0)
    flops = train_step_flops(model, batch=2, input_length=10, target_length=4)
    d, ff, inner = 32, 64, 32
    enc_layer = 4 * d * inner + 3 * d * ff  # q, k, v, o + gated FFN (wi_0, wi_1, wo)
    assert flops.encoder == 6 * 2 * enc_layer * 2 * 10
    assert flops.decoder == 6 * 2 * (enc_layer + 4 * d * inner) * 2 * 4  # + cross-attention
    assert flops.lm_head == 6 * 500 * d * 2 * 4
    assert flops.attention == 3 * 2 * (2 * 4 * 10 * 10 * inner + 2 * 4 * (4 * 4 + 4 * 10) * inner)


def test_should_stop_ends_after_the_step_and_resumes_bit_for_bit(corpus_ws: Workspace) -> None:
    """A stop request after step 3 saves that step's state and ends there; the rerun equals a clean run."""
    import torch
    from safetensors.torch import load_file

    from xlt.progress import RecordingReporter
    from xlt.training.state import latest_state

    [clean] = pretrain(corpus_ws, "spa", test_config())
    run_dir = corpus_ws.run_dir("spa-tiny-s0")
    clean_weights = load_file(run_dir / "checkpoints" / "step-6" / "model.safetensors")
    done: list[int] = []
    hooks = TrainHooks(after_step=lambda step, loss: done.append(step), should_stop=lambda: len(done) >= 3)
    reporter = RecordingReporter()
    [stopped] = pretrain(corpus_ws, "spa", test_config(), resume=False, hooks=hooks, reporter=reporter)
    assert stopped.stopped and stopped.final_step == 3 and done == [1, 2, 3]
    assert latest_state(run_dir) == 3 and stopped.checkpoints == ["step-2"]
    assert "end" not in [e["kind"] for e in read_events(run_dir / "events.jsonl")]
    assert reporter.totals == {"spa-tiny-s0": 6} and reporter.done == {"spa-tiny-s0": 3}
    assert reporter.finished == ["spa-tiny-s0"] and "tok/s" in reporter.info["spa-tiny-s0"]
    [resumed] = pretrain(corpus_ws, "spa", test_config())
    assert resumed.resumed_from == 3 and resumed.final_step == 6 and not resumed.stopped
    assert resumed.final_loss == clean.final_loss
    resumed_weights = load_file(run_dir / "checkpoints" / "step-6" / "model.safetensors")
    assert all(torch.equal(resumed_weights[name], clean_weights[name]) for name in clean_weights)


def test_sweep_stale_tmp_removes_only_temporary_names(tmp_path: Path) -> None:
    """Hidden `.tmp` files and folders go; visible names, other hidden names and subfolders stay."""
    from xlt.workspace import sweep_stale_tmp

    (tmp_path / ".config.json.k2j3.tmp").write_text("{")
    (tmp_path / ".step-4.a8f1.tmp").mkdir()
    (tmp_path / ".step-4.a8f1.tmp" / "model.safetensors").write_bytes(b"0" * 64)
    (tmp_path / ".state-5.tmp").mkdir()
    kept = [tmp_path / "notes.tmp", tmp_path / ".keep", tmp_path / ".events.jsonl.tmp.bak"]
    for path in kept:
        path.write_text("keep")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".x.y.tmp").write_text("below: not swept")
    removed = sweep_stale_tmp(tmp_path)
    assert sorted(p.name for p in removed) == [".config.json.k2j3.tmp", ".state-5.tmp", ".step-4.a8f1.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*(p.name for p in kept), "sub"])
    assert (tmp_path / "sub" / ".x.y.tmp").is_file()
    with pytest.raises(ValueError, match=r"hidden \.tmp names only"):
        sweep_stale_tmp(tmp_path, "*")


_KILL_IN_ATOMIC_DIR = """
import os, signal, sys
from pathlib import Path
from xlt.workspace import atomic_dir

with atomic_dir(Path(sys.argv[1])) as tmp:
    (tmp / "model.safetensors").write_bytes(b"0" * 4096)
    os.kill(os.getpid(), signal.SIGKILL)
"""

_KILL_IN_SAVE_STATE = """
import os, signal, sys
from pathlib import Path
import torch
from xlt.training.state import save_state

class OneProcess:  # Accelerate's interface as save_state uses it; killed once every file is written
    is_main_process, process_index, barriers = True, 0, 0

    def wait_for_everyone(self):
        self.barriers += 1
        if self.barriers == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    def unwrap_model(self, model):
        return model

model = torch.nn.Linear(4, 4)
optimizer = torch.optim.AdamW(model.parameters())
model(torch.ones(1, 4)).sum().backward()
optimizer.step()
save_state(OneProcess(), model, optimizer, Path(sys.argv[1]), int(sys.argv[2]))
"""


def test_leftovers_of_killed_writers_are_swept_by_the_next_run(corpus_ws: Workspace) -> None:
    """A checkpoint writer and the state writer killed by SIGKILL leave temporary folders; the next run
    of the same run removes them and keeps everything else."""
    import signal
    import subprocess
    import sys

    run_dir = corpus_ws.run_dir("spa-tiny-s0")
    for script, args in (
        (_KILL_IN_ATOMIC_DIR, [str(run_dir / "checkpoints" / "step-2")]),
        (_KILL_IN_SAVE_STATE, [str(run_dir), "5"]),  # step 5 is no checkpoint: its name is never reused
    ):
        done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, check=False)
        assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    leftovers = [*run_dir.glob(".*.tmp"), *(run_dir / "checkpoints").glob(".*.tmp")]
    assert sorted(p.name.split(".")[1] for p in leftovers) == ["state-5", "step-2"]
    assert (run_dir / ".state-5.tmp" / "optimizer.safetensors").is_file()
    (run_dir / "notes.txt").write_text("mine")
    [result] = pretrain(corpus_ws, "spa", test_config())
    assert result.final_step == 6 and (run_dir / "checkpoints" / "step-2" / "model.safetensors").is_file()
    assert not [*run_dir.glob(".*.tmp"), *(run_dir / "checkpoints").glob(".*.tmp")]
    assert (run_dir / "notes.txt").read_text() == "mine"
