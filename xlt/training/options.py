"""What `xlt pretrain` is asked to do: the options, their defaults and checks, and one call that does it.

Training parameters left as None keep the recipe's value (:mod:`xlt.training.config`: the paper's for hub
models, the CPU recipe for the embedded ones), so the recipe stays the one place where defaults live.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xlt.errors import UsageError
from xlt.modeling.precision import Precision
from xlt.modeling.spec import ModelKind, ModelSpec
from xlt.progress import Reporter
from xlt.spans.lengths import check_sentinels
from xlt.training.api import BaseResult, pretrain, pretrain_base, resolve_hr_language
from xlt.training.config import base_config, default_config
from xlt.training.loop import RunResult
from xlt.workspace import Workspace


@dataclass(frozen=True)
class PretrainOptions:
    """One HR language (`hr`, `runs` seeds from `seed`) or the workspace's base model (`base`)."""

    hr: str | None = None
    base: bool = False
    model: str = "auto"  # auto: the workspace base model when it exists, else a fresh tiny model
    runs: int = 1  # seeds seed, seed+1, ... (paper: 5)
    seed: int = 0
    force: bool = False  # start existing runs over instead of resuming them
    exclude: tuple[str, ...] = ()  # with `base`: HR languages left out of the base model's mix
    precision: Precision = Precision.AUTO
    threads: int | None = None  # torch CPU threads; None: torch's choice
    # None: the recipe's value
    steps: int | None = None
    epochs: float | None = None
    learning_rate: float | None = None
    warmup_steps: int | None = None
    weight_decay: float | None = None
    batch_size: int | None = None
    grad_accum: int | None = None
    checkpoint_every: float | None = None
    input_length: int | None = None
    max_lines: int | None = None
    eval_blocks: int | None = None
    vocab_size: int | None = None

    def __post_init__(self) -> None:
        if self.base and self.hr:
            raise UsageError(
                "--base trains on every HR language: drop --hr", "run `xlt pretrain --base` first, then --hr"
            )
        if self.exclude and not self.base:
            raise UsageError("--exclude leaves HR languages out of the base model", "use it with --base")
        if not self.base and not self.hr:
            raise UsageError("say which language to pretrain on", "add --hr LANG (e.g. --hr spa), or --base")
        if self.precision == Precision.FP16:
            raise UsageError(
                "fp16 is not supported: T5/mT5 activations overflow in fp16", "use --precision bf16 or fp32"
            )
        if self.runs < 1:
            raise UsageError("--runs must be at least 1")
        spec = ModelSpec.parse(self.model)
        if self.base and not (spec.is_fresh or spec.kind is ModelKind.AUTO):
            raise UsageError("--base trains a fresh model: --model must be tiny or small")

    def overrides(self) -> dict[str, Any]:
        """The recipe fields these options replace (None: keep the recipe's)."""
        return {
            "model.precision": str(self.precision),
            "model.vocab_size": self.vocab_size,
            "optim.steps": self.steps,
            "optim.epochs": self.epochs,
            "optim.lr": self.learning_rate,
            "optim.warmup_steps": self.warmup_steps,
            "optim.weight_decay": self.weight_decay,
            "optim.batch_size": self.batch_size,
            "optim.grad_accum": self.grad_accum,
            "checkpoint.every_fraction": self.checkpoint_every,
            "data.input_length": self.input_length,
            "data.max_lines": self.max_lines,
            "eval.max_blocks": self.eval_blocks,
        }


def run_pretraining(
    workspace: Workspace,
    options: PretrainOptions,
    reporter: Reporter | None = None,
    log: Callable[[str], object] | None = None,
) -> list[RunResult] | BaseResult:
    """Pretrain as asked: the base model (a BaseResult), or every seed of one HR language (RunResults).

    The HR language is checked before anything is loaded or said about the model.
    """
    if options.threads:
        import torch

        torch.set_num_threads(options.threads)
    if options.base:
        cfg = base_config().with_overrides({**options.overrides(), "model.spec": options.model})
        return pretrain_base(
            workspace, cfg, seed=options.seed, resume=not options.force, reporter=reporter, log=log,
            exclude=options.exclude,
        )  # fmt: skip
    resolve_hr_language(workspace, options.hr or "")
    spec = ModelSpec.parse(options.model)
    chosen = spec.resolve(workspace)  # auto -> base or tiny, so the recipe fits the model
    cfg = default_config(chosen).with_overrides(options.overrides())
    data = cfg.data
    check_sentinels(data.input_length, data.noise_density, data.mean_noise_span_length)  # before any output
    if log is not None and spec.kind is ModelKind.AUTO:
        why = "the workspace base model"
        if chosen.kind is not ModelKind.BASE:
            why = "no base model yet: `xlt pretrain --base` makes one"
        log(f"model: {chosen} ({why})")
    return pretrain(
        workspace, options.hr or "", cfg, runs=options.runs, resume=not options.force, seed=options.seed,
        reporter=reporter, log=log,
    )  # fmt: skip
