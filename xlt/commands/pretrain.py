"""`xlt pretrain`: continued span-corruption pretraining on one HR language, or the embedded base model."""

from __future__ import annotations

import contextlib
import os
from typing import Annotated

import typer
from rich.table import Table

from xlt.commands._common import SeedOpt, console, workspace
from xlt.commands._progress import RichReporter
from xlt.errors import UsageError
from xlt.progress import NullReporter, Reporter

_OPTIM = "Optimisation (defaults: the paper's for hub models, a CPU recipe for tiny/base)"
_DATA = "Data"
_PRECISIONS = ("auto", "bf16", "fp32", "fp16")


def _is_main_process() -> bool:
    """Only rank 0 prints under `accelerate launch` (every rank runs this command)."""
    return os.environ.get("RANK", "0") == "0"


def pretrain(
    ctx: typer.Context,
    hr: Annotated[
        str | None, typer.Option("--hr", help="High-resource language to pretrain on (code or name).")
    ] = None,
    base: Annotated[
        bool,
        typer.Option("--base", help="Pretrain the workspace's base model from scratch on all HR languages."),
    ] = False,
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="auto (base if it exists, else tiny), base, tiny, small, a saved directory, or a hub id "
            "(google/mt5-base).",
        ),
    ] = "auto",
    runs: Annotated[int, typer.Option("--runs", help="Runs with seeds seed, seed+1, ... (paper: 5).")] = 1,
    seed: SeedOpt = 0,
    restart: Annotated[
        bool, typer.Option("--restart", help="Start existing runs over instead of resuming them.")
    ] = False,
    steps: Annotated[
        int | None,
        typer.Option("--steps", help="Optimizer steps per run (default: recipe).", rich_help_panel=_OPTIM),
    ] = None,
    epochs: Annotated[
        float | None,
        typer.Option(
            "--epochs", help="Passes over the data when --steps is not set.", rich_help_panel=_OPTIM
        ),
    ] = None,
    lr: Annotated[
        float | None, typer.Option("--lr", help="Peak learning rate.", rich_help_panel=_OPTIM)
    ] = None,
    warmup_steps: Annotated[
        int | None, typer.Option("--warmup-steps", help="Linear warm-up steps.", rich_help_panel=_OPTIM)
    ] = None,
    weight_decay: Annotated[
        float | None, typer.Option("--weight-decay", help="AdamW weight decay.", rich_help_panel=_OPTIM)
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", help="Examples per process and micro-step.", rich_help_panel=_OPTIM),
    ] = None,
    grad_accum: Annotated[
        int | None, typer.Option("--grad-accum", help="Gradient accumulation steps.", rich_help_panel=_OPTIM)
    ] = None,
    precision: Annotated[
        str, typer.Option("--precision", help="auto, bf16 or fp32 (fp16 is refused: T5 overflows).")
    ] = "auto",
    checkpoint_every: Annotated[
        float | None,
        typer.Option(
            "--checkpoint-every", help="Checkpoint every this fraction of a run (paper: 0.05).", min=0.0
        ),
    ] = None,
    input_length: Annotated[
        int | None,
        typer.Option(
            "--input-length", help="Encoder tokens per example (paper: 256).", rich_help_panel=_DATA
        ),
    ] = None,
    max_lines: Annotated[
        int | None,
        typer.Option("--max-lines", help="Lines of train.txt used (paper: 500000).", rich_help_panel=_DATA),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            min=1,
            help="CPU threads for torch (default: torch's choice). On a CPU shared with other jobs 1 can be "
            "several times faster than 2 (measured: ~7x at load 8 on 2 cores).",
        ),
    ] = None,
    vocab_size: Annotated[
        int | None,
        typer.Option(
            "--vocab-size", help="Workspace tokenizer size for tiny/base models.", rich_help_panel=_DATA
        ),
    ] = None,
) -> None:
    """Continue span-corruption pretraining of a model on one high-resource language.

    Runs are named <hr>-<model>-s<seed> under runs/; re-running the command resumes unfinished runs
    and skips finished ones.

    --base trains the workspace's own small base model on all HR languages (LR languages never seen).

    On GPUs: accelerate launch -m xlt pretrain --hr spa --model google/mt5-base --runs 5

    Example: xlt pretrain --hr Spanish --runs 2
    """
    from xlt.modeling.spec import ModelKind, ModelSpec
    from xlt.training import base_config, default_config, pretrain_base
    from xlt.training import pretrain as run_pretrain

    if base and hr:
        raise UsageError(
            "--base trains on every HR language: drop --hr", "run `xlt pretrain --base` first, then --hr"
        )
    if not base and not hr:
        raise UsageError("say which language to pretrain on", "add --hr LANG (e.g. --hr spa), or --base")
    if precision not in _PRECISIONS:
        raise UsageError(f"--precision {precision!r} is unknown", "use auto, bf16 or fp32")
    if precision == "fp16":
        raise UsageError(
            "fp16 is not supported: T5/mT5 activations overflow in fp16", "use --precision bf16 or fp32"
        )
    if runs < 1:
        raise UsageError("--runs must be at least 1")
    spec = ModelSpec.parse(model)
    if base and not (spec.is_fresh or spec.kind is ModelKind.AUTO):
        raise UsageError("--base trains a fresh model: --model must be tiny or small")
    overrides = {
        "model.precision": precision,
        "model.vocab_size": vocab_size,
        "optim.steps": steps,
        "optim.epochs": epochs,
        "optim.lr": lr,
        "optim.warmup_steps": warmup_steps,
        "optim.weight_decay": weight_decay,
        "optim.batch_size": batch_size,
        "optim.grad_accum": grad_accum,
        "checkpoint.every_fraction": checkpoint_every,
        "data.input_length": input_length,
        "data.max_lines": max_lines,
    }
    if threads:
        import torch

        torch.set_num_threads(threads)
    ws = workspace(ctx)
    main = _is_main_process()
    log = console.print if main else None
    # Every rank runs this command; only rank 0 draws (the library reports on the main process only).
    reporting: contextlib.AbstractContextManager[Reporter] = (
        RichReporter() if main else contextlib.nullcontext(NullReporter())
    )
    if base:
        cfg = base_config().with_overrides({**overrides, "model.spec": model})  # auto: a tiny model
        with reporting as reporter:
            result = pretrain_base(ws, cfg, seed=seed, resume=not restart, reporter=reporter, log=log)
        if main:
            _render_base(result)
        return
    chosen = spec.resolve(ws)  # auto -> base or tiny, so the recipe fits the model
    cfg = default_config(chosen).with_overrides(overrides)
    if main and spec.kind is ModelKind.AUTO:
        why = (
            "the workspace base model"
            if chosen.kind is ModelKind.BASE
            else "no base model yet: `xlt pretrain --base` makes one"
        )
        console.print(f"model: {chosen} ({why})")
    with reporting as reporter:
        results = run_pretrain(
            ws, hr or "", cfg, runs=runs, resume=not restart, seed=seed, reporter=reporter, log=log
        )
    if main:
        _render_runs(results)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _render_runs(results: list) -> None:  # list[RunResult]
    table = Table()
    table.add_column("run", no_wrap=True)
    for name in ("status", "steps", "val ppl start", "val ppl end", "unigram ppl", "ckpts", "seconds"):
        table.add_column(name, justify="left" if name == "status" else "right")
    for r in results:
        if r.skipped:
            status = "skipped (finished)"
        else:
            status = f"resumed at {r.resumed_from}" if r.resumed_from else "trained"
        table.add_row(
            r.run_id,
            status,
            f"{r.final_step}/{r.total_steps}",
            _fmt(r.start_val_perplexity),
            _fmt(r.final_val_perplexity),
            _fmt(r.unigram_val_perplexity),
            str(len(r.checkpoints)),
            f"{r.seconds:.0f}",
        )
    console.print(table)


def _render_base(result) -> None:  # BaseResult
    verb = "exists (skipped; --restart trains it again)" if result.skipped else "saved"
    console.print(f"base model {result.label} {verb}: {result.path}")
    langs = ", ".join(f"{lang} ({n:,} blocks)" for lang, n in result.languages.items())
    console.print(f"trained on: {langs}")
    console.print(
        f"validation perplexity {_fmt(result.val_perplexity)} "
        f"(unigram baseline on the same targets: {_fmt(result.unigram_perplexity)})"
    )


def register(app: typer.Typer) -> None:
    app.command("pretrain")(pretrain)
