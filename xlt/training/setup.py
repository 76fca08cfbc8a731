"""The run setup `pretrain` and `pretrain --base` share, from resolved inputs to a trained (or skipped) run.

:func:`train_or_skip` checks the data is large enough for one global batch, fixes the validation set
(span-corrupted once with the eval seed), computes the unigram baseline on the same targets, writes the
run's ``config.json``, prepares the run directory (fresh, resume, or finished), and trains.
"""

from __future__ import annotations

import platform
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xlt import __version__
from xlt.contracts.runs import (
    CONFIG_FILE,
    checkpoint_dirs,
    read_run_config,
    stored_base_model,
    workspace_path,
    write_run_config,
)
from xlt.errors import InputError, TrainingError, UsageError
from xlt.events import read_events
from xlt.locks import exclusive
from xlt.modeling.build import n_parameters
from xlt.modeling.loading import LoadedModel
from xlt.progress import Reporter
from xlt.training.baselines import corrupted_labels, unigram_perplexity
from xlt.training.config import TrainConfig, total_steps
from xlt.training.loop import RunData, RunResult, RunSpec, TrainHooks, train_run
from xlt.workspace import Workspace, sweep_stale_tmp

if TYPE_CHECKING:
    from collections.abc import Callable

    from accelerate import Accelerator


@dataclass
class RunInputs:
    """What differs between a continued-pretraining run and the base model's run."""

    workspace: Workspace
    run_id: str
    run_dir: Path
    hr_lang: str | None
    seed: int
    loaded: LoadedModel
    base_model: str  # config.json's `base_model`: what the run starts from (contracts.runs.workspace_path)
    corruption: Any  # xlt.spans.SpanCorruption
    train_blocks: np.ndarray
    valid_blocks: np.ndarray  # before corruption, already cut to the eval size
    train_text: tuple[str, Path]  # (what, where) of the training text, for the too-small message
    valid_text: tuple[str, Path]
    headline: str  # the log line before training; ", <N> steps" is appended
    order: np.ndarray | None = None  # mixture order of the base model's languages
    record: dict[str, Any] = field(default_factory=dict)  # extra config.json fields
    description: str = ""


def train_or_skip(
    inputs: RunInputs,
    cfg: TrainConfig,
    accelerator: Accelerator,
    resume: bool,
    hooks: TrainHooks | None,
    reporter: Reporter | None,
    log: Callable[[str], object] | None,
) -> RunResult:
    """Set one run up and train it to the end (resuming its saved state), or skip it when finished.

    One process at a time per run: a second `xlt pretrain` of the same run is refused (the ranks of one
    `accelerate launch` are one job: their main process holds the lock).
    """
    lock = Workspace.run_lock(inputs.run_dir)
    with exclusive(lock, f"run {inputs.run_id}", enabled=accelerator.is_main_process):
        return _train_or_skip(inputs, cfg, accelerator, resume, hooks, reporter, log)


def _train_or_skip(
    inputs: RunInputs,
    cfg: TrainConfig,
    accelerator: Accelerator,
    resume: bool,
    hooks: TrainHooks | None,
    reporter: Reporter | None,
    log: Callable[[str], object] | None,
) -> RunResult:
    global_batch = cfg.optim.batch_size * cfg.optim.grad_accum * accelerator.num_processes
    n_train = len(inputs.order) if inputs.order is not None else len(inputs.train_blocks)
    _check_size(*inputs.train_text, n_train, global_batch, cfg)
    _check_size(*inputs.valid_text, len(inputs.valid_blocks), 1, cfg)
    steps = total_steps(cfg, n_train, global_batch)
    valid = inputs.corruption(inputs.valid_blocks, np.random.default_rng(cfg.eval.eval_seed))
    data = RunData(inputs.train_blocks, valid, inputs.order)
    unigram = unigram_perplexity(
        corrupted_labels(data.all_rows(), inputs.corruption, inputs.seed),
        valid["labels"],
        len(inputs.loaded.tokenizer),
    )
    record = run_record(inputs, cfg, steps, {**inputs.record, "unigram_val_perplexity": unigram})
    if _open_run(inputs.workspace, inputs.run_dir, record, resume, accelerator):
        result = _finished_result(inputs.run_id, inputs.run_dir, steps)
    else:
        if log is not None and accelerator.is_main_process:
            log(f"{inputs.headline}, {steps} steps")
        spec = RunSpec(
            run_id=inputs.run_id,
            run_dir=inputs.run_dir,
            seed=inputs.seed,
            cfg=cfg,
            total_steps=steps,
            loaded=inputs.loaded,
            data=data,
            corruption=inputs.corruption,
            checkpoint_info={"hr_lang": inputs.hr_lang, "base_model": inputs.base_model},
            description=inputs.description or inputs.run_id,
        )
        result = train_run(spec, accelerator, hooks, reporter)
    result.unigram_val_perplexity = unigram
    return result


def load_blocks(
    workspace: Workspace, loaded: LoadedModel, iso3: str, split: str, raw_length: int, max_lines: int | None
) -> np.ndarray:
    """Token blocks of `raw_length` of one language's split (cached by :mod:`xlt.data`)."""
    from xlt.data import token_blocks

    return np.asarray(token_blocks(workspace, loaded.tokenizer, iso3, split, raw_length, max_lines=max_lines))


def span_corruption(cfg: TrainConfig, tokenizer: Any) -> Any:
    """The run's T5 span corruption (`cfg.data`'s input length, noise density and mean span length)."""
    from xlt.spans import SpanCorruption

    data = cfg.data
    return SpanCorruption.for_tokenizer(
        tokenizer, data.input_length, data.noise_density, data.mean_noise_span_length
    )


def versions() -> dict[str, str]:
    """Versions of the libraries that shape a run's numbers."""
    import accelerate
    import torch
    import transformers

    return {
        "xlt": __version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "accelerate": accelerate.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def run_identity(
    cfg: TrainConfig, model: str, base_model: str, total_steps: int, seed: int, hr_lang: str | None
) -> dict[str, Any]:
    """The IDENTITY_KEYS fields of a run's config.json."""
    return {
        "hr_lang": hr_lang,
        "seed": seed,
        "model": model,
        "base_model": base_model,
        "total_steps": total_steps,
        "config": cfg.to_dict(),
    }


def run_record(inputs: RunInputs, cfg: TrainConfig, steps: int, extra: dict[str, Any]) -> dict[str, Any]:
    """The run's config.json: parameters in sections under `config`, identity fields at the top."""
    identity = run_identity(cfg, inputs.loaded.label, inputs.base_model, steps, inputs.seed, inputs.hr_lang)
    return {
        "run_id": inputs.run_id,
        **identity,
        "tokenizer": workspace_path(inputs.workspace, inputs.loaded.tokenizer_path),
        "n_parameters": n_parameters(inputs.loaded.model),
        **extra,
        "versions": versions(),
    }


def _check_size(what: str, path: Path, n_blocks: int, needed: int, cfg: TrainConfig) -> None:
    if n_blocks < needed:
        raise TrainingError(
            f"{what} in {path} gives {n_blocks} blocks of {cfg.data.input_length} input tokens; "
            f"training needs at least {needed}",
            "collect more text, or lower --batch-size / --input-length",
        )


# The fields of config.json that make a run the same run: resuming or skipping one that differs in any
# of them is refused.
IDENTITY_KEYS = ("config", "model", "base_model", "total_steps", "seed", "hr_lang")


def identity_changes(workspace: Workspace, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The IDENTITY_KEYS in which a run's stored config.json differs from `new`. A `base_model` that an
    older xlt stored as an absolute path inside this workspace counts as its relative form."""
    old = stored_base_model(workspace, old)
    return [key for key in IDENTITY_KEYS if old.get(key) != new.get(key)]


def _prepare_run_dir(
    workspace: Workspace, run_dir: Path, record: dict[str, Any], resume: bool, main: bool
) -> str:
    """'fresh', 'resume' or 'finished'; refuses to resume a run whose settings changed."""
    if run_dir.exists() and not resume:
        if main:
            shutil.rmtree(run_dir)
        return "fresh"
    if main:  # a killed checkpoint or state writer leaves its temporary folder; nothing else writes here
        sweep_stale_tmp(run_dir)
        sweep_stale_tmp(run_dir / "checkpoints")
    if (run_dir / CONFIG_FILE).is_file():
        old = read_run_config(run_dir)
        changed = identity_changes(workspace, old, record)
        if changed:
            raise UsageError(
                f"run {record['run_id']} in {run_dir} was started with other settings ({', '.join(changed)})",
                "re-run with the same options, pass --force to start it over, or use another --seed",
            )
        return "finished" if _is_finished(run_dir, record["total_steps"]) else "resume"
    return "fresh"


def _is_finished(run_dir: Path, total_steps: int) -> bool:
    """The run wrote its `end` event at its last step and has that step's complete checkpoint."""
    events = read_events(run_dir / "events.jsonl")
    last = max((step for step, _ in checkpoint_dirs(run_dir, complete=True)), default=0)
    return any(e["kind"] == "end" and e["step"] >= total_steps for e in events) and last >= total_steps


def skip_if_finished(
    workspace: Workspace, run_id: str, identity: dict[str, Any], accelerator: Accelerator
) -> RunResult | None:
    """The result of a run already finished with these settings (`identity`: IDENTITY_KEYS), read from
    its config.json and events without loading a model or tokenizing text; None otherwise, and then the
    full setup (:func:`train_or_skip`) resumes it, starts it or refuses a changed one.

    Without it a re-run of `xlt pretrain` (and of `xlt experiment`) loads the model and tokenizes the
    text of a finished run before it finds the run finished: ~9 s of a 13-17 s donor stage (cProfile,
    2026-12-02).
    """
    run_dir = workspace.run_dir(run_id)
    if not (run_dir / CONFIG_FILE).is_file():
        return None
    with exclusive(Workspace.run_lock(run_dir), f"run {run_id}", enabled=accelerator.is_main_process):
        try:
            old = read_run_config(run_dir)
        except InputError:
            return None  # the full setup reports it
        if identity_changes(workspace, old, identity):
            return None
        if not _is_finished(run_dir, identity["total_steps"]):
            return None
        result = _finished_result(run_id, run_dir, identity["total_steps"])
    result.unigram_val_perplexity = old.get("unigram_val_perplexity")
    return result


def _open_run(
    workspace: Workspace, run_dir: Path, record: dict[str, Any], resume: bool, accelerator: Any
) -> bool:
    """Prepare a run directory on every process; True when the run is already finished, else the main
    process writes its config.json (fresh or resumed)."""
    state = _prepare_run_dir(workspace, run_dir, record, resume, accelerator.is_main_process)
    accelerator.wait_for_everyone()
    if state == "finished":
        return True
    if accelerator.is_main_process:
        write_run_config(run_dir, record)
    return False


def _finished_result(run_id: str, run_dir: Path, steps: int) -> RunResult:
    events = read_events(run_dir / "events.jsonl")
    evals = [e for e in events if e["kind"] == "eval"]
    ends = [e for e in events if e["kind"] == "end"]
    return RunResult(
        run_id=run_id,
        run_dir=run_dir,
        final_step=steps,
        total_steps=steps,
        final_val_perplexity=evals[-1].get("val_perplexity") if evals else None,
        start_val_perplexity=next((e.get("val_perplexity") for e in evals if e["step"] == 0), None),
        final_loss=ends[-1].get("final_loss") if ends else None,
        checkpoints=[path.name for _, path in checkpoint_dirs(run_dir, complete=True)],
        seconds=0.0,
        skipped=True,
    )
