"""What to evaluate: the options, and the model states × LR languages they select in a workspace.

Light (json, polars; no torch): the command validates options and the TUI can preview a plan cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from xlt.contracts.languages import languages_in_tier
from xlt.contracts.perplexity import BASE_RUN_ID
from xlt.contracts.runs import checkpoint_dirs, in_workspace, read_run_config
from xlt.errors import InputError, UsageError, WorkspaceError
from xlt.modeling.precision import Precision
from xlt.workspace import Workspace


class Split(StrEnum):
    """Which split of an LR language's corpus is scored."""

    TRAIN = "train"
    VALID = "valid"


# Defaults, each with its reason.
DEFAULT_INPUT_LENGTH = 128  # tokens per corrupted input; overridden by the runs' own input length
# 256 blocks × ~145 raw tokens ≈ 37k tokens read, ≈ 5.6k scored target tokens per language and seed:
# enough that the mask-seed spread is small next to checkpoint differences, and minutes on a CPU.
DEFAULT_MAX_BLOCKS = 256


@dataclass(frozen=True)
class EvalOptions:
    """Which cells to score and how. `None` selects everything of that kind."""

    runs: tuple[str, ...] | None = None
    hr_langs: tuple[str, ...] | None = None  # ISO 639-3
    checkpoints: tuple[str, ...] | None = None  # names like step-100
    lr_langs: tuple[str, ...] | None = None  # ISO 639-3; None = tier "lr" of corpus/languages.parquet
    # LR languages are never pretrained on, so their train split is unseen text too, and ~9× larger than
    # valid: a bigger, lower-variance eval set. `valid` stays available for a strictly held-out set.
    split: Split = Split.TRAIN
    input_length: int | None = None  # None: the runs' configured input length, else DEFAULT_INPUT_LENGTH
    max_blocks: int = DEFAULT_MAX_BLOCKS
    eval_seeds: int = 1  # mask draws: seeds 0 .. eval_seeds-1
    batch_size: int | None = None  # None: as large as the logits budget allows (scoring.auto_batch_size)
    precision: Precision = Precision.AUTO
    include_base: bool = True

    def __post_init__(self) -> None:
        if self.max_blocks < 1:
            raise UsageError(f"--max-blocks must be at least 1, got {self.max_blocks}")
        if self.eval_seeds < 1:
            raise UsageError(f"--eval-seeds must be at least 1, got {self.eval_seeds}")
        if self.batch_size is not None and self.batch_size < 1:
            raise UsageError(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.input_length is not None and self.input_length < 8:
            raise UsageError(f"--input-length must be at least 8, got {self.input_length}")
        if self.split not in tuple(Split):
            raise UsageError(f"--split must be train or valid, got {self.split!r}")
        if self.precision not in (Precision.AUTO, Precision.BF16, Precision.FP32):
            raise UsageError(f"--precision must be auto, bf16 or fp32, got {self.precision!r}")


@dataclass(frozen=True)
class ModelJob:
    """One model state to score on every LR language: a run's checkpoint, or a base model (zero-shot)."""

    run_id: str
    hr_lang: str | None
    checkpoint: str
    step: int
    spec: str  # what xlt.modeling.loading.load_model gets
    label: str | None  # the results' `model` column; None = known only after loading (base-only workspace)
    tokenizer: str | None = None  # the run's tokenizer path (reference for the tokenizer check)
    # Extra load_model arguments; only fresh `tiny`/`small` bases use them (seed, vocab_size,
    # size_overrides), so that the zero-shot row is the very random init the run started from.
    load_kwargs: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_base(self) -> bool:
        return self.run_id == BASE_RUN_ID

    @property
    def name(self) -> str:
        """How messages and the table name this model state."""
        return f"base ({self.label or self.spec})" if self.is_base else f"{self.run_id}/{self.checkpoint}"


@dataclass
class EvalPlan:
    """The model states and LR languages selected, the resolved input length, and problems found."""

    jobs: list[ModelJob]
    lr_langs: list[str]
    input_length: int
    warnings: list[str] = field(default_factory=list)


def _find_int(config: dict[str, Any], keys: tuple[str, ...]) -> int | None:
    """The first of `keys` found in a run config, searching nested sections breadth-first
    (pretrain writes ``config.data.input_length``)."""
    queue: list[dict[str, Any]] = [config]
    while queue:
        section = queue.pop(0)
        for key in keys:
            if isinstance(section.get(key), int) and not isinstance(section.get(key), bool):
                return int(section[key])
        queue.extend(value for value in section.values() if isinstance(value, dict))
    return None


def _fresh_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    """load_model arguments that rebuild a run's fresh (`tiny`/`small`) starting model exactly."""
    from xlt.modeling.spec import ModelSpec

    base_model = config.get("base_model")
    if not base_model or not ModelSpec.parse(str(base_model)).is_fresh:
        return {}
    model = config.get("config", {}).get("model", {}) if isinstance(config.get("config"), dict) else {}
    kwargs: dict[str, Any] = {"seed": int(config.get("seed") or 0)}
    if isinstance(model.get("vocab_size"), int):
        kwargs["vocab_size"] = model["vocab_size"]
    if isinstance(model.get("size_overrides"), dict):
        kwargs["size_overrides"] = model["size_overrides"]
    return kwargs


def _lr_languages(workspace: Workspace, options: EvalOptions) -> list[str]:
    if options.lr_langs is not None:
        return list(dict.fromkeys(options.lr_langs))
    path = workspace.languages_path
    if not path.is_file():
        raise WorkspaceError(
            f"no language table at {path}: the LR languages are not known",
            "run `xlt clean` first, or name them with --lr",
        )
    return languages_in_tier(workspace, "lr")


@dataclass
class _Selection:
    """What the runs of a workspace contribute to a plan, as they are read."""

    jobs: list[ModelJob] = field(default_factory=list)
    bases: dict[str, ModelJob] = field(default_factory=dict)  # one zero-shot job per base model label
    lengths: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    def add_run(self, workspace: Workspace, run_id: str, options: EvalOptions) -> None:
        """The run's checkpoints (as selected) and its base model; an unreadable config is a warning."""
        try:
            config = read_run_config(workspace.run_dir(run_id))
        except InputError as exc:
            self.warnings.append(f"skipped run {run_id}: {exc.message}")
            return
        hr_lang = config.get("hr_lang")
        if options.hr_langs is not None and hr_lang not in options.hr_langs:
            return
        label = str(config.get("model") or "")
        base_spec = in_workspace(workspace, config.get("base_model"))
        if length := _find_int(config, ("inputs_length", "input_length")):
            self.lengths.add(length)
        if options.include_base and base_spec and label and label not in self.bases:
            self.bases[label] = ModelJob(
                BASE_RUN_ID, None, BASE_RUN_ID, 0, str(base_spec), label, load_kwargs=_fresh_kwargs(config)
            )
        tokenizer = in_workspace(workspace, config.get("tokenizer")) or None
        for step, path in checkpoint_dirs(workspace.run_dir(run_id)):
            if options.checkpoints is None or path.name in options.checkpoints:
                self.jobs.append(
                    ModelJob(run_id, hr_lang, path.name, step, str(path), label or None, tokenizer)
                )


def _selected_runs(workspace: Workspace, options: EvalOptions) -> list[str]:
    """The run ids to plan: all, or those of `--run` (each must exist)."""
    run_ids = workspace.run_ids()
    if options.runs is None:
        return run_ids
    if unknown := sorted(set(options.runs) - set(run_ids)):
        raise InputError(
            f"no run {', '.join(unknown)} in {workspace.runs_dir}",
            f"runs: {', '.join(run_ids)}" if run_ids else "run `xlt pretrain` first",
        )
    return [run_id for run_id in run_ids if run_id in options.runs]


def plan_evaluation(workspace: Workspace, options: EvalOptions) -> EvalPlan:
    """Select the model states and LR languages to score; bad run configs become warnings."""
    selection = _Selection()
    for run_id in _selected_runs(workspace, options):
        selection.add_run(workspace, run_id, options)
    jobs, bases, lengths = selection.jobs, selection.bases, selection.lengths
    base_dir = workspace.base_model_dir
    if not workspace.run_ids() and not (base_dir / "config.json").is_file():
        raise WorkspaceError(
            f"nothing to evaluate: no runs in {workspace.runs_dir} and no base model in {base_dir}",
            "run `xlt pretrain` first",
        )
    if options.include_base and not bases and not jobs and options.runs is None and options.hr_langs is None:
        # A workspace with only its embedded base model: the zero-shot row alone.
        bases["?"] = ModelJob(BASE_RUN_ID, None, BASE_RUN_ID, 0, str(base_dir), None)
    if not jobs and not bases:
        raise InputError(
            "no checkpoint matches the selection", "check --run, --hr and --checkpoints (`xlt runs`)"
        )
    if len(lengths) > 1 and options.input_length is None:
        selection.warnings.append(
            f"runs use different input lengths {sorted(lengths)}: evaluating all at {max(lengths)}"
        )
    input_length = options.input_length or (max(lengths) if lengths else DEFAULT_INPUT_LENGTH)
    lr_langs = _lr_languages(workspace, options)
    if not lr_langs:
        raise WorkspaceError(
            f"no LR language in {workspace.languages_path}", "name them with --lr, or re-run `xlt clean`"
        )
    # Zero-shot rows first: their tokenizers are the reference for the checkpoints' tokenizer check.
    return EvalPlan([*bases.values(), *jobs], lr_langs, input_length, selection.warnings)
