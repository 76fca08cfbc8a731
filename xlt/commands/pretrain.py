"""`xlt pretrain`: continued span-corruption pretraining on one HR language, or the embedded base model."""

from __future__ import annotations

import contextlib
import os
from typing import Annotated

import typer

from xlt.commands._common import ForceOpt, SeedOpt, console, option, workspace
from xlt.modeling.precision import Precision
from xlt.training.options import PretrainOptions

D = PretrainOptions  # the defaults and their reasons live on the options
_OPTIM = "Optimisation (defaults: the paper's for hub models, a CPU recipe for tiny/base)"
_DATA = "Data"


HrOpt = Annotated[str | None, option("--hr", "High-resource language to pretrain on (code or name).")]
BaseOpt = Annotated[
    bool, option("--base", "Pretrain the workspace's base model from scratch on all HR languages.")
]
ModelOpt = Annotated[
    str,
    option(
        "--model",
        "auto (base if it exists, else tiny), base, tiny, small, a saved directory, or a hub id "
        "(google/mt5-base).",
    ),
]
RunsOpt = Annotated[int, option("--runs", "Runs with seeds seed, seed+1, ... (paper: 5).")]
PrecisionOpt = Annotated[
    Precision, option("--precision", "auto, bf16 or fp32 (fp16 is refused: T5 overflows).")
]
ThreadsOpt = Annotated[
    int | None,
    option(
        "--threads",
        "CPU threads for torch (default: torch's choice). On a CPU shared with other jobs 1 can be several "
        "times faster than 2 (measured: ~7x at load 8 on 2 cores).",
    ),
]
EveryOpt = Annotated[
    float | None, option("--checkpoint-every", "Checkpoint every this fraction of a run (paper: 0.05).")
]
StepsOpt = Annotated[int | None, option("--steps", "Optimizer steps per run (default: recipe).", _OPTIM)]
EpochsOpt = Annotated[
    float | None, option("--epochs", "Passes over the data when --steps is not set.", _OPTIM)
]
RateOpt = Annotated[float | None, option("--learning-rate", "Peak learning rate.", _OPTIM)]
WarmupOpt = Annotated[int | None, option("--warmup-steps", "Linear warm-up steps.", _OPTIM)]
DecayOpt = Annotated[float | None, option("--weight-decay", "AdamW weight decay.", _OPTIM)]
BatchOpt = Annotated[int | None, option("--batch-size", "Examples per process and micro-step.", _OPTIM)]
AccumOpt = Annotated[int | None, option("--grad-accum", "Gradient accumulation steps.", _OPTIM)]
LengthOpt = Annotated[int | None, option("--input-length", "Encoder tokens per example (paper: 256).", _DATA)]
LinesOpt = Annotated[int | None, option("--max-lines", "Lines of train.txt used (paper: 500000).", _DATA)]
VocabOpt = Annotated[
    int | None, option("--vocab-size", "Workspace tokenizer size for tiny/base models.", _DATA)
]


def pretrain(
    ctx: typer.Context,
    hr: HrOpt = D.hr,
    base: BaseOpt = D.base,
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
        hr=hr, base=base, model=model, runs=runs, seed=seed, force=force, precision=precision,
        threads=threads, steps=steps, epochs=epochs, learning_rate=learning_rate, warmup_steps=warmup_steps,
        weight_decay=weight_decay, batch_size=batch_size, grad_accum=grad_accum,
        checkpoint_every=checkpoint_every, input_length=input_length, max_lines=max_lines,
        vocab_size=vocab_size,
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
