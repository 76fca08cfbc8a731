"""`xlt downstream mt|pos`: does HR pretraining help LR languages on real tasks?"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from xlt.commands._common import SeedOpt, console, workspace
from xlt.commands._progress import RichReporter
from xlt.errors import UsageError

if TYPE_CHECKING:
    from xlt.downstream.mt import MTResult
    from xlt.downstream.pos import POSResult

app = typer.Typer(
    name="downstream",
    help=(
        "Downstream tasks from any checkpoint or the base model: machine translation (sacrebleu BLEU and "
        "chrF++) and cross-lingual POS tagging (a probe on the frozen encoder). Scores are appended to "
        "results/downstream.parquet.\n\n"
        "Example: xlt downstream mt --pair elotl:axolotl --src spa --tgt nci --run tiny-spa"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)

ModelOpt = Annotated[
    str,
    typer.Option("--model", "-m", help="Model: `base`, `tiny`, a hub id, or a saved directory (checkpoint)."),
]
CheckpointsOpt = Annotated[
    str | None,
    typer.Option(
        "--checkpoints", help="Comma-separated checkpoint dirs (runs/X/checkpoints/step-N,...) to compare."
    ),
]
RunOpt = Annotated[str | None, typer.Option("--run", help="Compare every checkpoint of this run.")]
BaselineOpt = Annotated[
    str,
    typer.Option(
        "--baseline",
        help="Shown first when comparing checkpoints (`auto`: the workspace base model if any; `none`).",
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Recompute scores already in downstream.parquet.")]


def _refs(ctx: typer.Context, model: str, checkpoints: str | None, run: str | None, baseline: str):  # type: ignore[no-untyped-def]
    from xlt.downstream.checkpoints import model_refs

    if checkpoints and run:
        raise UsageError("--checkpoints and --run both given", "use one of them")
    return model_refs(workspace(ctx), model, checkpoints, run, baseline)


def _fmt_model(result: MTResult | POSResult) -> str:
    return result.ref.name + (" [dim](cached)[/]" if result.cached else "")


@app.command("mt")
def mt(
    ctx: typer.Context,
    model: ModelOpt = "base",
    pair: Annotated[
        str | None,
        typer.Option(
            "--pair",
            help="Parallel data: elotl:axolotl|tsunkua|kolo, a .tsv/.csv/.jsonl file, a datasets dir, "
            "or a hub id (allenai/nllb). Default: a Spanish–LR elotl pair for the workspace's LR languages.",
        ),
    ] = None,
    src: Annotated[str | None, typer.Option("--src", help="Source language (code or name).")] = None,
    tgt: Annotated[str | None, typer.Option("--tgt", help="Target language (code or name).")] = None,
    src_column: Annotated[str | None, typer.Option("--src-column", help="Column of the source text.")] = None,
    tgt_column: Annotated[str | None, typer.Option("--tgt-column", help="Column of the target text.")] = None,
    src_file: Annotated[Path | None, typer.Option("--src-file", help="Line-aligned source file.")] = None,
    tgt_file: Annotated[Path | None, typer.Option("--tgt-file", help="Line-aligned target file.")] = None,
    checkpoints: CheckpointsOpt = None,
    run: RunOpt = None,
    baseline: BaselineOpt = "auto",
    steps: Annotated[int | None, typer.Option("--steps", help="Fine-tuning steps (default by size).")] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", help="Pairs per step (16).")] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="Peak learning rate (by size).")] = None,
    eval_every: Annotated[int | None, typer.Option("--eval-every", help="Validate every N steps.")] = None,
    patience: Annotated[int, typer.Option("--patience", help="Evaluations without gain before stop.")] = 3,
    beams: Annotated[int, typer.Option("--beams", min=1, help="Beam size (1 = greedy).")] = 1,
    max_new_tokens: Annotated[int | None, typer.Option("--max-new-tokens", help="Generation cap.")] = None,
    max_pairs: Annotated[int, typer.Option("--max-pairs", help="Cap on pairs (paper: 60,000).")] = 60_000,
    test_size: Annotated[int | None, typer.Option("--test-size", help="Cap on test sentences.")] = None,
    zero_shot: Annotated[bool, typer.Option("--zero-shot", help="Score without fine-tuning.")] = False,
    prefix: Annotated[bool, typer.Option("--prefix", help="Prepend 'translate X to Y: '.")] = False,
    bf16: Annotated[
        bool, typer.Option("--bf16", help="bf16 mixed precision (GPU, or CPU with AMX).")
    ] = False,
    save: Annotated[Path | None, typer.Option("--save", help="Save the fine-tuned model here.")] = None,
    seed: SeedOpt = 0,
    force: ForceOpt = False,
) -> None:
    """Fine-tune a checkpoint on one translation direction, translate the test split, score with sacrebleu.

    Example: xlt downstream mt --pair elotl:axolotl --src spa --tgt nci --model runs/r1/checkpoints/step-200
    """
    if (src_file is None) != (tgt_file is None):
        raise UsageError("--src-file and --tgt-file go together", "give both line-aligned files")
    if src_file is not None and pair is not None:
        raise UsageError("--pair and --src-file/--tgt-file both given", "use one data source")
    if save is not None and zero_shot:
        raise UsageError("--save with --zero-shot: nothing is fine-tuned", "drop one of them")
    if save is not None and (checkpoints or run):
        raise UsageError("--save saves one fine-tuned model", "use it with --model, not --checkpoints/--run")
    if (src is None) != (tgt is None):
        raise UsageError("give both --src and --tgt", "e.g. --src spa --tgt nci")
    from xlt.downstream.mt import MTOptions, compare_checkpoints, pick_pair

    ws = workspace(ctx)
    if src is None or tgt is None:
        if pair is not None or src_file is not None:
            raise UsageError("--src and --tgt are needed with --pair/--src-file", "e.g. --src spa --tgt nci")
        pair, src, tgt = pick_pair(ws)
        console.print(f"[dim]pair: {pair} {src} -> {tgt} (a Spanish–LR pair of the workspace)[/]")
    refs = _refs(ctx, model, checkpoints, run, baseline)
    options = MTOptions(
        steps=steps, batch_size=batch_size, lr=lr, eval_every=eval_every, patience=patience, beams=beams,
        max_new_tokens=max_new_tokens, max_pairs=max_pairs, test_size=test_size, zero_shot=zero_shot,
        prefix=prefix, bf16=bf16, save_dir=save, seed=seed, force=force,
    )  # fmt: skip
    with RichReporter() as reporter:
        results = compare_checkpoints(
            ws, refs, pair, src, tgt, options, reporter=reporter,
            src_column=src_column, tgt_column=tgt_column, src_file=src_file, tgt_file=tgt_file,
        )  # fmt: skip
    _render_mt(results)


def _render_mt(results: list[MTResult]) -> None:
    first = results[0]
    table = Table(title=f"MT {first.src} -> {first.tgt} ({first.data})")
    for column in ("model", "steps (best)", "test n", "BLEU", "chrF++", "Δ chrF++", "seconds"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for result in results:
        delta = "" if result is first or len(results) == 1 else f"{result.chrf - first.chrf:+.2f}"
        steps = f"{result.steps} ({result.best_step})" if result.steps else ("—" if not result.cached else "")
        table.add_row(
            _fmt_model(result), steps, str(result.n), f"{result.bleu:.2f}", f"{result.chrf:.2f}", delta,
            f"{result.seconds:.0f}" if result.seconds else "",
        )  # fmt: skip
    console.print(table)
    console.print(f"[dim]BLEU   {first.bleu_signature}\nchrF++ {first.chrf_signature}[/]")
    if len(results) == 1 and first.samples:
        for source, reference, hypothesis in first.samples:
            console.print(f"[bold]src[/] {source}\n[bold]ref[/] {reference}\n[bold]hyp[/] {hypothesis}\n")
    if first.saved_to:
        console.print(f"saved the fine-tuned model to {first.saved_to}")


@app.command("pos")
def pos(
    ctx: typer.Context,
    test: Annotated[
        str,
        typer.Option(
            "--test", help="LR treebank: a .conllu file, a UD folder (its *-ud-test.conllu) or a spec."
        ),
    ],
    train: Annotated[
        str,
        typer.Option(
            "--train", help="HR treebank: .conllu, UD folder (*-ud-train.conllu) or turkish-treebanks."
        ),
    ] = "turkish-treebanks:web",
    model: ModelOpt = "base",
    train_lang: Annotated[str | None, typer.Option("--train-lang", help="Language of --train.")] = None,
    test_lang: Annotated[str | None, typer.Option("--test-lang", help="Language of --test.")] = None,
    probe: Annotated[str, typer.Option("--probe", help="linear or mlp.")] = "linear",
    pooling: Annotated[str, typer.Option("--pooling", help="Subwords -> word: mean or first.")] = "mean",
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Probe training epochs.")] = 10,
    max_train_sentences: Annotated[
        int | None,
        typer.Option("--max-train-sentences", min=1, help="At most this many HR train sentences."),
    ] = None,
    max_test_sentences: Annotated[
        int | None, typer.Option("--max-test-sentences", min=1, help="At most this many LR test sentences.")
    ] = None,
    legacy_tags: Annotated[
        bool, typer.Option("--legacy-tags", help="Map UD v1/Petrov tags (CONJ, PRT, ...) to UD v2.")
    ] = False,
    checkpoints: CheckpointsOpt = None,
    run: RunOpt = None,
    baseline: BaselineOpt = "auto",
    seed: SeedOpt = 0,
    force: ForceOpt = False,
) -> None:
    """Cross-lingual POS tagging: a probe on the frozen encoder, trained on HR, tested on an LR treebank.

    Example: xlt downstream pos --train turkish-treebanks:web --test UD_Komi_Zyrian-Lattice --run tiny-tur
    """
    if probe not in {"linear", "mlp"}:
        raise UsageError(f"--probe {probe!r}", "choose linear or mlp")
    if pooling not in {"mean", "first"}:
        raise UsageError(f"--pooling {pooling!r}", "choose mean or first")
    from xlt.downstream.pos import POSOptions, compare_pos

    refs = _refs(ctx, model, checkpoints, run, baseline)
    options = POSOptions(
        probe=probe, pooling=pooling, epochs=epochs, max_train_sentences=max_train_sentences,  # type: ignore[arg-type]
        max_test_sentences=max_test_sentences, seed=seed, force=force,
    )  # fmt: skip
    with RichReporter() as reporter:
        results = compare_pos(
            workspace(ctx), refs, train, test, options,
            train_lang=train_lang, test_lang=test_lang, legacy_tags=legacy_tags, reporter=reporter,
        )  # fmt: skip
    first = results[0]
    table = Table(title=f"POS {first.train_lang} -> {first.test_lang} ({probe} probe, {pooling} pooling)")
    for column in ("model", "test words", "accuracy", "weighted F1", "Δ accuracy", "seconds"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for result in results:
        delta = "" if result is first or len(results) == 1 else f"{result.accuracy - first.accuracy:+.3f}"
        table.add_row(
            _fmt_model(result), str(result.n), f"{result.accuracy:.3f}", f"{result.f1:.3f}", delta,
            f"{result.seconds:.0f}" if result.seconds else "",
        )  # fmt: skip
    console.print(table)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="downstream")
