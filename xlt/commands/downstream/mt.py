"""`xlt downstream mt`: fine-tune the base model and runs' checkpoints on one direction, translate, score
them against two trivial baselines with paired bootstrap significance, and say what the scores show."""

from __future__ import annotations

import typer

from xlt.commands._common import SeedOpt, console, workspace
from xlt.commands._progress import RichReporter
from xlt.commands.downstream import CheckpointsOpt, ForceOpt, ModelOpt, NoBaseOpt, RunOpt, app, systems
from xlt.commands.downstream import mt_options as o
from xlt.commands.downstream import pair_options as p
from xlt.downstream.generation import DecodeOptions
from xlt.errors import UsageError
from xlt.modeling.precision import Precision, resolve_precision

D = DecodeOptions()


def _check(pair, src_lang, tgt_lang, src_file, tgt_file, save, zero_shot, run) -> None:
    """Bad combinations of options, each refused with the fix."""
    if (src_file is None) != (tgt_file is None):
        raise UsageError("--src-file and --tgt-file go together", "give both line-aligned files")
    if src_file is not None and pair is not None:
        raise UsageError("--pair and --src-file/--tgt-file both given", "use one data source")
    if save is not None and (zero_shot or run):
        raise UsageError(
            "--save saves one fine-tuned model", "use it with --model, without --run/--zero-shot"
        )
    if (src_lang is None) != (tgt_lang is None):
        raise UsageError("give both --src-lang and --tgt-lang", "e.g. --src-lang spa --tgt-lang nci")
    if src_lang is None and (pair is not None or src_file is not None):
        raise UsageError("--src-lang and --tgt-lang are needed with --pair/--src-file", "e.g. --src-lang spa")


@app.command("mt")
def mt(
    ctx: typer.Context,
    model: ModelOpt = "base",
    run: RunOpt = None,
    checkpoints: CheckpointsOpt = None,
    no_base: NoBaseOpt = False,
    pair: p.PairOpt = None,
    src_lang: p.SrcLangOpt = None,
    tgt_lang: p.TgtLangOpt = None,
    src_column: p.SrcColumnOpt = None,
    tgt_column: p.TgtColumnOpt = None,
    src_file: p.SrcFileOpt = None,
    tgt_file: p.TgtFileOpt = None,
    max_pairs: p.MaxPairsOpt = 60_000,
    test_size: p.TestSizeOpt = 200,
    steps: o.StepsOpt = None,
    batch_size: o.BatchOpt = None,
    learning_rate: o.LearningRateOpt = None,
    eval_every: o.EvalEveryOpt = None,
    patience: o.PatienceOpt = None,
    zero_shot: o.ZeroShotOpt = False,
    prefix: o.PrefixOpt = False,
    precision: o.PrecisionOpt = Precision.AUTO,
    save: o.SaveOpt = None,
    beams: o.BeamsOpt = 1,
    no_repeat_ngram: o.NoRepeatOpt = D.no_repeat_ngram,
    repetition_penalty: o.RepetitionOpt = D.repetition_penalty,
    max_length_ratio: o.LengthRatioOpt = D.max_length_ratio,
    max_new_tokens: o.MaxNewOpt = D.max_new_tokens,
    seed: SeedOpt = 0,
    force: ForceOpt = False,
) -> None:
    """Fine-tune the base model and each --run's final checkpoint on one direction; translate the same test
    sentences; score BLEU/chrF++ against copying the source and the most frequent training sentence, with
    sacrebleu's paired bootstrap (vs copy and vs the base model). Systems already stored with the same
    settings are read back, so a re-run resumes.

    Example: xlt downstream mt --run spa-base-s0 --src-lang spa --tgt-lang nci --steps 20 --test-size 20
    """
    _check(pair, src_lang, tgt_lang, src_file, tgt_file, save, zero_shot, run)
    if precision is Precision.FP16:
        resolve_precision("fp16", "cpu")  # refused with the reason (T5 overflows in fp16), before any work
    from xlt.commands.render.downstream import render_mt
    from xlt.downstream.compare import compare_systems
    from xlt.downstream.mt import MTOptions, pick_pair
    from xlt.downstream.parallel import packaged_pair
    from xlt.languages import resolve

    decode = DecodeOptions(beams, no_repeat_ngram, repetition_penalty, max_length_ratio, max_new_tokens)
    decode.check()
    ws = workspace(ctx)
    refs = systems(ctx, model, run, checkpoints, no_base)
    if src_lang is None or tgt_lang is None:
        pair, src_lang, tgt_lang = pick_pair(ws)
        console.print(f"[dim]pair: {pair} {src_lang} -> {tgt_lang} (a Spanish–LR pair of the workspace)[/]")
    elif pair is None and src_file is None:
        pair = packaged_pair(resolve(src_lang), resolve(tgt_lang))
    options = MTOptions(
        steps=steps, batch_size=batch_size, learning_rate=learning_rate, eval_every=eval_every,
        patience=patience, test_size=test_size or None, max_pairs=max_pairs, zero_shot=zero_shot,
        prefix=prefix, seed=seed, precision=precision.value, decode=decode, save_dir=save, force=force,
    )  # fmt: skip
    with RichReporter() as reporter:
        comparison = compare_systems(
            ws, refs, pair, src_lang, tgt_lang, options, reporter=reporter,
            src_column=src_column, tgt_column=tgt_column, src_file=src_file, tgt_file=tgt_file,
        )  # fmt: skip
    render_mt(comparison)
