"""`xlt evaluate`: the checkpoint × LR-language perplexity matrix, with the zero-shot base row."""

from __future__ import annotations

from typing import Annotated

import typer

from xlt.commands._common import HrListOpt, console, language_list, split_list, state, workspace
from xlt.commands._progress import RichReporter
from xlt.errors import UsageError
from xlt.evaluation.plan import EvalOptions, Split
from xlt.modeling.precision import Precision

D = EvalOptions  # the defaults and their reasons live on the options

AllLrOpt = Annotated[bool, typer.Option("--all-lr", help="Every language of tier `lr` in the corpus.")]
LrOpt = Annotated[str | None, typer.Option("--lr", help="Comma-separated LR languages instead of --all-lr.")]
RunOpt = Annotated[str | None, typer.Option("--run", help="Comma-separated run ids; default: all runs.")]
CheckpointsOpt = Annotated[
    str | None,
    typer.Option("--checkpoints", help="Comma-separated checkpoint names, e.g. step-100,step-200."),
]
SplitOpt = Annotated[
    Split, typer.Option("--split", help="Eval text: train (larger; LR text is never trained on) or valid.")
]
InputLengthOpt = Annotated[
    int | None, typer.Option("--input-length", help="Tokens per masked input; default: the runs' own.")
]
MaxBlocksOpt = Annotated[int, typer.Option("--max-blocks", help="At most this many examples per language.")]
EvalSeedsOpt = Annotated[
    int, typer.Option("--eval-seeds", help="Mask draws (seeds 0..N-1); the table shows mean ± std.")
]
BatchOpt = Annotated[
    int | None, typer.Option("--batch-size", help="Examples per forward pass; default: ~1 GiB of logits.")
]
PrecisionOpt = Annotated[
    Precision,
    typer.Option("--precision", help="auto (bf16 where native), bf16 or fp32 (bf16 = fp32 ± 0.002 nats)."),
]
NoBaseOpt = Annotated[bool, typer.Option("--no-base", help="Skip the zero-shot base-model row.")]
BaselinesOpt = Annotated[
    bool,
    typer.Option(
        "--baselines",
        help="Also score random-init and token-frequency (unigram) baselines on the same eval sets and show "
        "them under the matrix (results/baselines.parquet).",
    ),
]


def evaluate(
    ctx: typer.Context,
    all_lr: AllLrOpt = False,
    lr: LrOpt = None,
    run: RunOpt = None,
    hr: HrListOpt = None,
    checkpoints: CheckpointsOpt = None,
    split: SplitOpt = D.split,
    input_length: InputLengthOpt = D.input_length,
    max_blocks: MaxBlocksOpt = D.max_blocks,
    eval_seeds: EvalSeedsOpt = D.eval_seeds,
    batch_size: BatchOpt = D.batch_size,
    precision: PrecisionOpt = D.precision,
    no_base: NoBaseOpt = False,
    baselines: BaselinesOpt = False,
) -> None:
    """Score checkpoints on low-resource languages: masked-LM perplexity, same masks for every model.

    Every checkpoint of every run (or --run/--hr/--checkpoints) and each run's base model (zero-shot)
    are scored on fixed span-masked examples of each LR language; results go to
    results/perplexity.parquet. Cells already there are skipped: re-run the same command to resume.
    Several processes/GPUs: accelerate launch -m xlt evaluate --all-lr (checkpoints are split).
    --baselines adds rows for a random-init model, "unigram <hr>" (HR token frequencies) and "unigram
    self (oracle)" (the LR language's own frequencies from its other split); stored baselines computed
    on the same eval sets are shown even without the flag.

    Example: xlt evaluate --all-lr --eval-seeds 3
    """
    from xlt.evaluation.matrix import evaluate_matrix

    if all_lr and lr is not None:
        raise UsageError("--all-lr and --lr exclude each other", "use one of them")
    if not all_lr and lr is None:
        raise UsageError("which LR languages?", "add --all-lr, or --lr with comma-separated languages")
    options = EvalOptions(
        runs=split_list(run), hr_langs=language_list(hr), checkpoints=split_list(checkpoints),
        lr_langs=language_list(lr), split=split, input_length=input_length, max_blocks=max_blocks,
        eval_seeds=eval_seeds, batch_size=batch_size, precision=precision, include_base=not no_base,
    )  # fmt: skip
    if not state(ctx).verbose:
        _quiet_transformers()
    ws = workspace(ctx)
    with RichReporter() as reporter:
        matrix = evaluate_matrix(ws, options, reporter, compute_baselines=baselines)
    if matrix is None:  # another process of `accelerate launch`: rank 0 renders
        return
    from xlt.commands.render.evaluate import render_report

    render_report(console, matrix, ws.perplexity_path)


def _quiet_transformers() -> None:
    """No per-model "Loading weights" bars or load-time warnings between our own progress lines."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate)
