"""`pretrain` (continued pretraining on one HR language) and `pretrain_base` (the embedded base model).

Both resolve their inputs (language, corpus, model, tokenized blocks) and hand them to the shared run
setup (:func:`xlt.training.setup.train_or_skip`), which fixes the validation masks, writes the run's
`config.json` and trains. Run ids are deterministic, ``<hr_iso3>-<model short label>-s<seed>``, so
re-running a command resumes its runs and skips finished ones.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from xlt.contracts.languages import corpus_languages
from xlt.contracts.runs import checkpoint_dirs, make_run_id, workspace_path
from xlt.errors import InputError, TrainingError, UsageError, WorkspaceError
from xlt.modeling.build import build_tiny_model, n_parameters, tiny_config
from xlt.modeling.checkpoints import MODEL_INFO_FILE
from xlt.modeling.labels import config_hash
from xlt.modeling.loading import LoadedModel, known_label, load_model
from xlt.modeling.spec import BASE_INFO_FILE, ModelKind, ModelSpec, has_base_model
from xlt.modeling.tokenizers import workspace_tokenizer
from xlt.progress import Reporter
from xlt.training.batches import mixture_index
from xlt.training.config import TrainConfig
from xlt.training.loop import RunResult, TrainHooks
from xlt.training.optim import make_accelerator
from xlt.training.setup import (
    RunInputs,
    load_blocks,
    run_identity,
    skip_if_finished,
    span_corruption,
    train_or_skip,
    versions,
)
from xlt.workspace import Workspace, atomic_dir, atomic_write_text, sweep_stale_tmp

Log = Callable[[str], object]


@dataclass
class BaseResult:
    """The embedded base model: where it is and how well it learned."""

    path: Path
    languages: dict[str, int]  # iso3 -> training blocks
    label: str
    val_perplexity: float | None
    unigram_perplexity: float | None
    run: RunResult | None = None
    skipped: bool = False
    info: dict[str, Any] = field(default_factory=dict)


def resolve_hr_language(workspace: Workspace, hr: str) -> str:
    """ISO 639-3 code of an HR language that the cleaned corpus has in its `hr` tier."""
    from xlt import languages

    iso3 = languages.resolve(hr).iso3
    tiers = corpus_languages(workspace)
    if iso3 not in tiers:
        available = ", ".join(sorted(t for t, tier in tiers.items() if tier == "hr")) or "none"
        raise WorkspaceError(
            f"the corpus in {workspace.corpus_dir} has no text for {languages.name_of(iso3)} ({iso3})",
            f"HR languages in the corpus: {available}; collect and clean text for {iso3} first",
        )
    if tiers[iso3] != "hr":
        raise InputError(
            f"{languages.name_of(iso3)} ({iso3}) is in the {tiers[iso3]!r} tier, not a high-resource "
            "language",
            "LR languages are evaluation targets; pretrain on an `hr` language (corpus/languages.parquet)",
        )
    return iso3


def pretrain(
    workspace: Workspace,
    hr: str,
    cfg: TrainConfig,
    runs: int = 1,
    resume: bool = True,
    seed: int = 0,
    hooks: TrainHooks | None = None,
    reporter: Reporter | None = None,
    log: Log | None = None,
) -> list[RunResult]:
    """Continued span-corruption pretraining on one HR language, `runs` seeds (seed, seed+1, ...)."""
    cfg.validate()
    if runs < 1:
        raise UsageError("--runs must be at least 1")
    iso3 = resolve_hr_language(workspace, hr)
    spec = ModelSpec.parse(cfg.model.spec).resolve(workspace)
    cfg = cfg.with_overrides({"model.spec": spec.text})
    accelerator = make_accelerator(cfg.model.precision, cfg.optim.grad_accum)
    base_model = (
        workspace_path(workspace, workspace.base_model_dir) if spec.kind is ModelKind.BASE else spec.text
    )
    results = []
    blocks_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    steps = cfg.optim.steps  # without it the run's length depends on its data: known after loading
    label = known_label(spec, workspace) if resume and steps is not None else None
    for run_seed in range(seed, seed + runs):
        if label is not None and steps is not None:  # a finished run is recognised before loading
            run_id = make_run_id(iso3, label, run_seed)
            identity = run_identity(cfg, label, base_model, steps, run_seed, iso3)
            finished = skip_if_finished(workspace, run_id, identity, accelerator)
            if finished is not None:
                results.append(finished)
                continue
        loaded = load_model(
            spec,
            workspace,
            seed=run_seed,
            vocab_size=cfg.model.vocab_size,
            size_overrides=cfg.model.size_overrides,
        )
        run_id = make_run_id(iso3, loaded.label, run_seed)
        corruption = span_corruption(cfg, loaded.tokenizer)
        key = str(loaded.tokenizer_path)
        if key not in blocks_cache:
            train = load_blocks(workspace, loaded, iso3, "train", corruption.raw_length, cfg.data.max_lines)
            valid = load_blocks(workspace, loaded, iso3, "valid", corruption.raw_length, None)
            blocks_cache[key] = (train, valid[: cfg.eval.max_blocks])
        train, valid_blocks = blocks_cache[key]
        inputs = RunInputs(
            workspace=workspace,
            run_id=run_id,
            run_dir=workspace.run_dir(run_id),
            hr_lang=iso3,
            seed=run_seed,
            loaded=loaded,
            base_model=base_model,
            corruption=corruption,
            train_blocks=train,
            valid_blocks=valid_blocks,
            train_text=(f"the training text of {iso3}", workspace.train_path(iso3)),
            valid_text=(f"the validation text of {iso3}", workspace.valid_path(iso3)),
            headline=f"{run_id}: {spec} model {loaded.label}, {len(train):,} blocks",
            record={"train_blocks": len(train), "valid_blocks": len(valid_blocks)},
        )
        results.append(train_or_skip(inputs, cfg, accelerator, resume, hooks, reporter, log))
    return results


def pretrain_base(
    workspace: Workspace,
    cfg: TrainConfig,
    seed: int = 0,
    resume: bool = True,
    hooks: TrainHooks | None = None,
    reporter: Reporter | None = None,
    log: Log | None = None,
    exclude: tuple[str, ...] = (),
) -> BaseResult:
    """Pretrain the tiny model from scratch on a temperature-balanced mix of every `hr`-tier language.

    The result becomes the workspace's base model (`models/base/`); LR languages are never seen, nor the
    HR languages in `exclude` (a donor whose transfer is tested: then zero-shot has not seen it either).
    """
    cfg.validate()
    requested = ModelSpec.parse(cfg.model.spec)  # `auto` (or anything not fresh) trains a tiny model
    size = requested.fresh_size if requested.is_fresh else "tiny"
    cfg = cfg.with_overrides({"model.spec": size})
    target = workspace.base_model_dir
    left_out = sorted(resolve_hr_language(workspace, lang) for lang in exclude)
    if resume and has_base_model(workspace):
        info = json.loads((target / BASE_INFO_FILE).read_text(encoding="utf-8"))
        if sorted(info.get("excluded_hr_languages", [])) != left_out:
            raise InputError(
                f"the base model in {target} left out {info.get('excluded_hr_languages') or 'no'} HR "
                f"languages, not {left_out or 'none'}",
                "add --force to train it again (every run continued from it should then be redone)",
            )
        return BaseResult(
            target,
            info.get("languages", {}),
            info.get("label", ""),
            info.get("val_perplexity"),
            info.get("unigram_val_perplexity"),
            skipped=True,
            info=info,
        )
    tiers = corpus_languages(workspace)
    hr_langs = sorted(lang for lang, tier in tiers.items() if tier == "hr" and lang not in left_out)
    lr_langs = {lang for lang, tier in tiers.items() if tier == "lr"}
    if not hr_langs:
        raise WorkspaceError(
            f"no `hr` language in {workspace.languages_path} (excluded: {', '.join(left_out) or 'none'})",
            "collect and clean HR text first, or exclude fewer",
        )
    assert not lr_langs & set(hr_langs), "LR languages must never be in the base model's training mix"

    tokenizer, tok_path = workspace_tokenizer(workspace, vocab_size=cfg.model.vocab_size)
    model = build_tiny_model(tiny_config(size, len(tokenizer), **cfg.model.size_overrides), seed)
    loaded = LoadedModel(model, tokenizer, model.config.xlt_label, size, str(tok_path))
    corruption = span_corruption(cfg, tokenizer)
    accelerator = make_accelerator(cfg.model.precision, cfg.optim.grad_accum)

    trains, valids, sizes = [], [], {}
    per_lang_valid = max(1, cfg.eval.max_blocks // len(hr_langs))
    for lang in hr_langs:
        train = load_blocks(workspace, loaded, lang, "train", corruption.raw_length, cfg.data.max_lines)
        valid = load_blocks(workspace, loaded, lang, "valid", corruption.raw_length, None)
        if len(train) == 0:
            continue
        trains.append(train)
        valids.append(valid[:per_lang_valid])
        sizes[lang] = len(train)
    if not trains:
        raise TrainingError(
            f"the HR languages {', '.join(hr_langs)} have no training text", "run `xlt clean`"
        )
    run_dir = workspace.base_run_dir
    inputs = RunInputs(
        workspace=workspace,
        run_id=f"base-{size}-s{seed}",
        run_dir=run_dir,
        hr_lang=None,
        seed=seed,
        loaded=loaded,
        base_model=size,
        corruption=corruption,
        train_blocks=np.concatenate(trains),
        order=mixture_index([len(t) for t in trains], cfg.data.mix_alpha, seed),
        valid_blocks=np.concatenate(valids),
        train_text=("the HR training text", workspace.corpus_dir),
        valid_text=("the HR validation text", workspace.corpus_dir),
        headline=f"base model: {size} ({n_parameters(model):,} parameters) on {', '.join(hr_langs)}",
        record={
            "languages": sizes,
            "excluded_lr_languages": sorted(lr_langs),
            "excluded_hr_languages": left_out,
        },
        description="base model",
    )
    run = train_or_skip(inputs, cfg, accelerator, resume, hooks, reporter, log)
    label = f"base:{config_hash(model.config)}"
    info = {
        "label": label,
        "size": size,
        "languages": sizes,
        "mix_alpha": cfg.data.mix_alpha,
        "excluded_lr_languages": sorted(lr_langs),
        "excluded_hr_languages": left_out,
        "steps": run.total_steps,
        "seed": seed,
        "val_perplexity": run.final_val_perplexity,
        "start_val_perplexity": run.start_val_perplexity,
        "unigram_val_perplexity": run.unigram_val_perplexity,
        "tokenizer": workspace_path(workspace, tok_path),
        "run_dir": workspace_path(workspace, run_dir),
        "config": cfg.to_dict(),
        "versions": versions(),
    }
    if accelerator.is_main_process and not run.stopped:
        _publish_base(run_dir, target, info)
    accelerator.wait_for_everyone()
    return BaseResult(
        target, sizes, label, run.final_val_perplexity, run.unigram_val_perplexity, run=run, info=info
    )


def _publish_base(run_dir: Path, target: Path, info: dict[str, Any]) -> None:
    """Copy the last checkpoint to models/base/ with xlt_base.json, atomically."""
    last = max(checkpoint_dirs(run_dir, complete=True), default=None)
    if last is None:
        raise TrainingError(f"the base pretraining in {run_dir} saved no checkpoint")
    sweep_stale_tmp(target.parent, f".{target.name}.*.tmp")  # an earlier publish killed mid-copy
    with atomic_dir(target) as tmp:
        for item in last[1].iterdir():
            if item.is_file():
                shutil.copy2(item, tmp / item.name)
        atomic_write_text(tmp / MODEL_INFO_FILE, json.dumps({"label": info["label"], "base": True}, indent=2))
        atomic_write_text(tmp / BASE_INFO_FILE, json.dumps(info, indent=2, default=str))
