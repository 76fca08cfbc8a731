"""`pretrain` (continued pretraining on one HR language) and `pretrain_base` (the embedded base model).

Both resolve their inputs (language, corpus, model, tokenized blocks, fixed validation masks), write the
run's `config.json`, and hand a :class:`RunSpec` to the loop. Run ids are deterministic,
``<hr_iso3>-<model short label>-s<seed>``, so re-running a command resumes its runs and skips finished ones.
"""

from __future__ import annotations

import json
import platform
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from xlt import __version__
from xlt.errors import TrainingError, UsageError, WorkspaceError
from xlt.events import read_events
from xlt.modeling import (
    BASE_INFO_FILE,
    BASE_SPEC,
    MODEL_INFO_FILE,
    LoadedModel,
    build_tiny_model,
    config_hash,
    corpus_languages,
    iter_checkpoints,
    load_model,
    n_parameters,
    short_label,
    tiny_config,
    workspace_tokenizer,
)
from xlt.training.baselines import corrupted_labels, unigram_perplexity
from xlt.training.batches import mixture_index
from xlt.training.config import TrainConfig, total_steps
from xlt.training.loop import RunData, RunResult, RunSpec, TrainHooks, make_accelerator, train_run
from xlt.workspace import Workspace, atomic_dir, atomic_write_text


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


def resolve_model_spec(spec: str, workspace: Workspace) -> str:
    """'auto' becomes 'base' when the workspace has a base model, else 'tiny'."""
    if spec != "auto":
        return spec
    return BASE_SPEC if (workspace.base_model_dir / BASE_INFO_FILE).is_file() else "tiny"


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
        raise UsageError(
            f"{languages.name_of(iso3)} ({iso3}) is in the {tiers[iso3]!r} tier, not a high-resource "
            "language",
            "LR languages are evaluation targets; pretrain on an `hr` language (corpus/languages.parquet)",
        )
    return iso3


def _load_blocks(
    workspace: Workspace, loaded: LoadedModel, iso3: str, split: str, raw_length: int, max_lines: int | None
) -> np.ndarray:
    from xlt.data import token_blocks

    return np.asarray(token_blocks(workspace, loaded.tokenizer, iso3, split, raw_length, max_lines=max_lines))


def _corruption(cfg: TrainConfig, tokenizer: Any) -> Any:
    from xlt.spans import SpanCorruption

    data = cfg.data
    return SpanCorruption.for_tokenizer(
        tokenizer, data.input_length, data.noise_density, data.mean_noise_span_length
    )


def _check_size(what: str, n_blocks: int, needed: int, cfg: TrainConfig, path: Path) -> None:
    if n_blocks < needed:
        raise TrainingError(
            f"{what} in {path} gives {n_blocks} blocks of {cfg.data.input_length} input tokens; "
            f"training needs at least {needed}",
            "collect more text, or lower --batch-size / --input-length",
        )


def _global_batch(cfg: TrainConfig, processes: int) -> int:
    return cfg.optim.batch_size * cfg.optim.grad_accum * processes


def _run_record(
    run_id: str,
    hr_lang: str | None,
    seed: int,
    cfg: TrainConfig,
    loaded: LoadedModel,
    base_model: str,
    steps: int,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """The run's config.json: parameters in sections under `config`, identity fields at the top."""
    return {
        "run_id": run_id,
        "hr_lang": hr_lang,
        "seed": seed,
        "model": loaded.label,
        "base_model": base_model,
        "tokenizer": loaded.tokenizer_path,
        "total_steps": steps,
        "n_parameters": n_parameters(loaded.model),
        "config": cfg.to_dict(),
        **extra,
        "versions": versions(),
    }


def _prepare_run_dir(run_dir: Path, record: dict[str, Any], resume: bool, main: bool) -> str:
    """'fresh', 'resume' or 'finished'; refuses to resume a run whose settings changed."""
    config_path = run_dir / "config.json"
    if run_dir.exists() and not resume:
        if main:
            shutil.rmtree(run_dir)
        return "fresh"
    if config_path.is_file():
        old = json.loads(config_path.read_text(encoding="utf-8"))
        keys = ("config", "model", "base_model", "total_steps", "seed", "hr_lang")
        changed = [key for key in keys if old.get(key) != record.get(key)]
        if changed:
            raise UsageError(
                f"run {record['run_id']} in {run_dir} was started with other settings ({', '.join(changed)})",
                "re-run with the same options, pass --restart to start it over, or use another --seed",
            )
        events = read_events(run_dir / "events.jsonl")
        last = max((step for step, _ in iter_checkpoints(run_dir)), default=0)
        if any(e["kind"] == "end" and e["step"] >= record["total_steps"] for e in events) and (
            last >= record["total_steps"]
        ):
            return "finished"
        return "resume"
    return "fresh"


def _open_run(run_dir: Path, record: dict[str, Any], resume: bool, accelerator: Any) -> bool:
    """Prepare a run directory on every process; True when the run is already finished, else the main
    process writes its config.json (fresh or resumed)."""
    state = _prepare_run_dir(run_dir, record, resume, accelerator.is_main_process)
    accelerator.wait_for_everyone()
    if state == "finished":
        return True
    if accelerator.is_main_process:
        atomic_write_text(run_dir / "config.json", json.dumps(record, indent=2, default=str))
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
        checkpoints=[path.name for _, path in iter_checkpoints(run_dir)],
        seconds=0.0,
        skipped=True,
    )


def pretrain(
    workspace: Workspace,
    hr: str,
    cfg: TrainConfig,
    runs: int = 1,
    resume: bool = True,
    seed: int = 0,
    hooks: TrainHooks | None = None,
    progress: bool = True,
    log: Any = None,
) -> list[RunResult]:
    """Continued span-corruption pretraining on one HR language, `runs` seeds (seed, seed+1, ...)."""
    cfg.validate()
    if runs < 1:
        raise UsageError("--runs must be at least 1")
    iso3 = resolve_hr_language(workspace, hr)
    spec = resolve_model_spec(cfg.model.spec, workspace)
    cfg = cfg.with_overrides({"model.spec": spec})
    accelerator = make_accelerator(cfg.model.precision, cfg.optim.grad_accum)
    results = []
    blocks_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for run_seed in range(seed, seed + runs):
        loaded = load_model(
            spec,
            workspace,
            seed=run_seed,
            vocab_size=cfg.model.vocab_size,
            size_overrides=cfg.model.size_overrides,
        )
        run_id = f"{iso3}-{short_label(loaded.label)}-s{run_seed}"
        run_dir = workspace.run_dir(run_id)
        corruption = _corruption(cfg, loaded.tokenizer)
        key = str(loaded.tokenizer_path)
        if key not in blocks_cache:
            train = _load_blocks(workspace, loaded, iso3, "train", corruption.raw_length, cfg.data.max_lines)
            valid = _load_blocks(workspace, loaded, iso3, "valid", corruption.raw_length, None)
            blocks_cache[key] = (train, valid)
        train, valid_blocks = blocks_cache[key]
        global_batch = _global_batch(cfg, accelerator.num_processes)
        _check_size(f"the training text of {iso3}", len(train), global_batch, cfg, workspace.train_path(iso3))
        _check_size(f"the validation text of {iso3}", len(valid_blocks), 1, cfg, workspace.valid_path(iso3))
        steps = total_steps(cfg, len(train), global_batch)
        base_model = str(workspace.base_model_dir) if spec == BASE_SPEC else spec
        valid = corruption(valid_blocks[: cfg.eval.max_blocks], np.random.default_rng(cfg.eval.eval_seed))
        unigram = unigram_perplexity(
            corrupted_labels(train, corruption, run_seed), valid["labels"], len(loaded.tokenizer)
        )
        record = _run_record(
            run_id,
            iso3,
            run_seed,
            cfg,
            loaded,
            base_model,
            steps,
            {
                "train_blocks": len(train),
                "valid_blocks": len(valid["labels"]),
                "unigram_val_perplexity": unigram,
            },
        )
        if _open_run(run_dir, record, resume, accelerator):
            result = _finished_result(run_id, run_dir, steps)
        else:
            if log is not None and accelerator.is_main_process:
                log(f"{run_id}: {spec} model {loaded.label}, {len(train):,} blocks, {steps} steps")
            run = RunSpec(
                run_id=run_id,
                run_dir=run_dir,
                seed=run_seed,
                cfg=cfg,
                total_steps=steps,
                loaded=loaded,
                data=RunData(train, valid),
                corruption=corruption,
                checkpoint_info={"hr_lang": iso3, "base_model": base_model},
                description=run_id,
            )
            result = train_run(run, accelerator, hooks, progress)
        result.unigram_val_perplexity = unigram
        results.append(result)
    return results


def pretrain_base(
    workspace: Workspace,
    cfg: TrainConfig,
    seed: int = 0,
    resume: bool = True,
    hooks: TrainHooks | None = None,
    progress: bool = True,
    log: Any = None,
) -> BaseResult:
    """Pretrain the tiny model from scratch on a temperature-balanced mix of every `hr`-tier language.

    The result becomes the workspace's base model (`models/base/`); LR languages are never seen.
    """
    cfg.validate()
    size = cfg.model.spec if cfg.model.spec in ("tiny", "small") else "tiny"
    cfg = cfg.with_overrides({"model.spec": size})
    target = workspace.base_model_dir
    if resume and (target / BASE_INFO_FILE).is_file():
        info = json.loads((target / BASE_INFO_FILE).read_text(encoding="utf-8"))
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
    hr_langs = sorted(lang for lang, tier in tiers.items() if tier == "hr")
    lr_langs = {lang for lang, tier in tiers.items() if tier == "lr"}
    if not hr_langs:
        raise WorkspaceError(
            f"no `hr` language in {workspace.languages_path}", "collect and clean HR text first"
        )
    assert not lr_langs & set(hr_langs), "LR languages must never be in the base model's training mix"

    tokenizer, tok_path = workspace_tokenizer(workspace, vocab_size=cfg.model.vocab_size)
    model = build_tiny_model(tiny_config(size, len(tokenizer), **cfg.model.size_overrides), seed)  # type: ignore[arg-type]
    loaded = LoadedModel(model, tokenizer, model.config.xlt_label, size, str(tok_path))
    corruption = _corruption(cfg, tokenizer)
    accelerator = make_accelerator(cfg.model.precision, cfg.optim.grad_accum)

    trains, valids, sizes = [], [], {}
    per_lang_valid = max(1, cfg.eval.max_blocks // len(hr_langs))
    for lang in hr_langs:
        train = _load_blocks(workspace, loaded, lang, "train", corruption.raw_length, cfg.data.max_lines)
        valid = _load_blocks(workspace, loaded, lang, "valid", corruption.raw_length, None)
        if len(train) == 0:
            continue
        trains.append(train)
        valids.append(valid[:per_lang_valid])
        sizes[lang] = len(train)
    if not trains:
        raise TrainingError(
            f"the HR languages {', '.join(hr_langs)} have no training text", "run `xlt clean`"
        )
    blocks = np.concatenate(trains)
    order = mixture_index([len(t) for t in trains], cfg.data.mix_alpha, seed)
    valid_blocks = np.concatenate(valids)
    global_batch = _global_batch(cfg, accelerator.num_processes)
    _check_size("the HR training text", len(order), global_batch, cfg, workspace.corpus_dir)
    _check_size("the HR validation text", len(valid_blocks), 1, cfg, workspace.corpus_dir)
    steps = total_steps(cfg, len(order), global_batch)
    valid = corruption(valid_blocks, np.random.default_rng(cfg.eval.eval_seed))
    unigram = unigram_perplexity(
        corrupted_labels(blocks[order], corruption, seed), valid["labels"], len(tokenizer)
    )

    run_id = f"base-{size}-s{seed}"
    run_dir = workspace.base_run_dir
    record = _run_record(
        run_id,
        None,
        seed,
        cfg,
        loaded,
        size,
        steps,
        {"languages": sizes, "excluded_lr_languages": sorted(lr_langs), "unigram_val_perplexity": unigram},
    )
    if _open_run(run_dir, record, resume, accelerator):
        run = _finished_result(run_id, run_dir, steps)
    else:
        if log is not None and accelerator.is_main_process:
            log(
                f"base model: {size} ({n_parameters(model):,} parameters) on {', '.join(hr_langs)}, "
                f"{steps} steps"
            )
        spec = RunSpec(
            run_id=run_id,
            run_dir=run_dir,
            seed=seed,
            cfg=cfg,
            total_steps=steps,
            loaded=loaded,
            data=RunData(blocks, valid, order),
            corruption=corruption,
            checkpoint_info={"hr_lang": None, "base_model": size},
            description="base model",
        )
        run = train_run(spec, accelerator, hooks, progress)
    label = f"base:{config_hash(model.config)}"
    info = {
        "label": label,
        "size": size,
        "languages": sizes,
        "mix_alpha": cfg.data.mix_alpha,
        "excluded_lr_languages": sorted(lr_langs),
        "steps": steps,
        "seed": seed,
        "val_perplexity": run.final_val_perplexity,
        "start_val_perplexity": run.start_val_perplexity,
        "unigram_val_perplexity": unigram,
        "tokenizer": str(tok_path),
        "run_dir": str(run_dir),
        "config": cfg.to_dict(),
        "versions": versions(),
    }
    if accelerator.is_main_process:
        _publish_base(run_dir, target, info)
    accelerator.wait_for_everyone()
    return BaseResult(target, sizes, label, run.final_val_perplexity, unigram, run=run, info=info)


def _publish_base(run_dir: Path, target: Path, info: dict[str, Any]) -> None:
    """Copy the last checkpoint to models/base/ with xlt_base.json, atomically."""
    last = max(iter_checkpoints(run_dir), default=None)
    if last is None:
        raise TrainingError(f"the base pretraining in {run_dir} saved no checkpoint")
    with atomic_dir(target) as tmp:
        for item in last[1].iterdir():
            if item.is_file():
                shutil.copy2(item, tmp / item.name)
        atomic_write_text(tmp / MODEL_INFO_FILE, json.dumps({"label": info["label"], "base": True}, indent=2))
        atomic_write_text(tmp / BASE_INFO_FILE, json.dumps(info, indent=2, default=str))
