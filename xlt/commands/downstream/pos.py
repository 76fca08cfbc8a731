"""`xlt downstream pos`: a POS probe on the frozen encoder, trained on an HR treebank, tested on an LR one."""

from __future__ import annotations

from typing import Annotated

import typer

from xlt.commands._common import SeedOpt, workspace
from xlt.commands._progress import RichReporter
from xlt.commands.downstream import CheckpointsOpt, ForceOpt, ModelOpt, NoBaseOpt, RunOpt, app, systems
from xlt.errors import UsageError

TestOpt = Annotated[
    str,
    typer.Option("--test", help="LR treebank: a .conllu file, a UD folder (its *-ud-test.conllu) or a spec."),
]
TrainOpt = Annotated[
    str,
    typer.Option("--train", help="HR treebank: .conllu, UD folder (*-ud-train.conllu) or turkish-treebanks."),
]
TrainLangOpt = Annotated[str | None, typer.Option("--train-lang", help="Language of --train (code or name).")]
TestLangOpt = Annotated[str | None, typer.Option("--test-lang", help="Language of --test (code or name).")]
MaxTrainOpt = Annotated[
    int | None, typer.Option("--max-train-sentences", min=1, help="At most this many HR train sentences.")
]
MaxTestOpt = Annotated[
    int | None, typer.Option("--max-test-sentences", min=1, help="At most this many LR test sentences.")
]
LegacyOpt = Annotated[
    bool, typer.Option("--legacy-tags", help="Map UD v1/Petrov tags (CONJ, PRT, ...) to UD v2.")
]


@app.command("pos")
def pos(
    ctx: typer.Context,
    test: TestOpt,
    train: TrainOpt = "turkish-treebanks:web",
    model: ModelOpt = "base",
    run: RunOpt = None,
    checkpoints: CheckpointsOpt = None,
    no_base: NoBaseOpt = False,
    train_lang: TrainLangOpt = None,
    test_lang: TestLangOpt = None,
    probe: Annotated[str, typer.Option("--probe", help="linear or mlp.")] = "linear",
    pooling: Annotated[str, typer.Option("--pooling", help="Subwords -> word: mean or first.")] = "mean",
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Probe training epochs.")] = 10,
    max_train_sentences: MaxTrainOpt = None,
    max_test_sentences: MaxTestOpt = None,
    legacy_tags: LegacyOpt = False,
    seed: SeedOpt = 0,
    force: ForceOpt = False,
) -> None:
    """Cross-lingual POS tagging: a probe on the frozen encoder, trained on HR, tested on an LR treebank;
    the reference model (--model) first, then each --run's final checkpoint (or its --checkpoints).

    Example: xlt downstream pos --train turkish-treebanks:web --test turkish-treebanks:wiki --run tur-base-s0
    """
    if probe not in {"linear", "mlp"}:
        raise UsageError(f"--probe {probe!r}", "choose linear or mlp")
    if pooling not in {"mean", "first"}:
        raise UsageError(f"--pooling {pooling!r}", "choose mean or first")
    from xlt.commands.render.downstream import render_pos
    from xlt.downstream.pos import POSOptions, compare_pos

    refs = systems(ctx, model, run, checkpoints, no_base)
    options = POSOptions(
        probe=probe, pooling=pooling, epochs=epochs, max_train_sentences=max_train_sentences,  # type: ignore[arg-type]
        max_test_sentences=max_test_sentences, seed=seed, force=force,
    )  # fmt: skip
    with RichReporter() as reporter:
        results = compare_pos(
            workspace(ctx), refs, train, test, options,
            train_lang=train_lang, test_lang=test_lang, legacy_tags=legacy_tags, reporter=reporter,
        )  # fmt: skip
    render_pos(results, probe, pooling)
