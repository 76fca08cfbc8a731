"""`xlt pretrain`: continued span-corruption pretraining on one HR language, or the embedded base model."""

from __future__ import annotations

import contextlib
import os

import typer

from xlt.commands._common import ForceOpt, SeedOpt, console, workspace
from xlt.commands._pretrain_options import (
    AccumOpt,
    BaseOpt,
    BatchOpt,
    DecayOpt,
    EpochsOpt,
    EvalBlocksOpt,
    EveryOpt,
    ExcludeOpt,
    HrOpt,
    LengthOpt,
    LinesOpt,
    ModelOpt,
    PrecisionOpt,
    RateOpt,
    RunsOpt,
    StepsOpt,
    ThreadsOpt,
    VocabOpt,
    WarmupOpt,
    exclude_list,
)  # fmt: skip
from xlt.training.options import PretrainOptions

D = PretrainOptions  # the defaults and their reasons live on the options


def pretrain(
    ctx: typer.Context,
    hr: HrOpt = D.hr,
    base: BaseOpt = D.base,
    exclude: ExcludeOpt = None,
    model: ModelOpt = D.model,
    runs: RunsOpt = D.runs,
    seed: SeedOpt = D.seed,
    force: ForceOpt = D.force,
    steps: StepsOpt = D.steps,
    epochs: EpochsOpt = D.epochs,
    learning_rate: RateOpt = D.learning_rate,
    warmup_steps: WarmupOpt = D.warmup_steps,
    weight_decay: DecayOpt = D.weight_decay,
    batch_size: BatchOpt = D.batch_size,
    grad_accum: AccumOpt = D.grad_accum,
    precision: PrecisionOpt = D.precision,
    checkpoint_every: EveryOpt = D.checkpoint_every,
    input_length: LengthOpt = D.input_length,
    max_lines: LinesOpt = D.max_lines,
    eval_blocks: EvalBlocksOpt = D.eval_blocks,
    threads: ThreadsOpt = D.threads,
    vocab_size: VocabOpt = D.vocab_size,
) -> None:
    """Continue span-corruption pretraining of a model on one high-resource language.

    Runs are named <hr>-<model>-s<seed> under runs/; re-running the command resumes unfinished runs
    and skips finished ones (--force starts them over). One process at a time per run.

    --base trains the workspace's own small base model on all HR languages (LR languages never seen).

    On GPUs: accelerate launch -m xlt pretrain --hr spa --model google/mt5-base --runs 5

    Example: xlt pretrain --hr Spanish --runs 2
    """
    from xlt.commands._progress import RichReporter
    from xlt.commands.render.pretrain import render_base, render_runs
    from xlt.progress import NullReporter, Reporter
    from xlt.training.options import run_pretraining

    options = PretrainOptions(
        hr=hr, base=base, exclude=exclude_list(exclude), model=model, runs=runs, seed=seed, force=force,
        precision=precision, threads=threads, steps=steps, epochs=epochs, learning_rate=learning_rate,
        warmup_steps=warmup_steps, weight_decay=weight_decay, batch_size=batch_size, grad_accum=grad_accum,
        checkpoint_every=checkpoint_every, input_length=input_length, max_lines=max_lines,
        eval_blocks=eval_blocks, vocab_size=vocab_size,
    )  # fmt: skip
    ws = workspace(ctx)
    main = os.environ.get("RANK", "0") == "0"  # every rank of `accelerate launch` runs this; rank 0 says
    reporting: contextlib.AbstractContextManager[Reporter] = (
        RichReporter() if main else contextlib.nullcontext(NullReporter())
    )
    with reporting as reporter:
        done = run_pretraining(ws, options, reporter, log=console.print if main else None)
    if main:
        render_runs(done) if isinstance(done, list) else render_base(done)


def register(app: typer.Typer) -> None:
    app.command("pretrain")(pretrain)
