"""`xlt clean`: raw/ -> corpus/<iso3>/{train,valid}.txt and corpus/languages.parquet."""

from __future__ import annotations

from typing import Annotated

import typer

from xlt.cleaning import CleanOptions
from xlt.commands._common import DryRunOpt, ForceOpt, LangsOpt, option, state, workspace
from xlt.commands._progress import RichReporter

D = CleanOptions  # the defaults and their reasons live on the options
_STEPS = "Cleaning steps"
_SPLIT = "Split, cap and tiers"


def clean(
    ctx: typer.Context,
    lang: LangsOpt = None,
    seed: Annotated[int, option("--seed", "Seed of the cap sampling and the train/valid split.")] = D.seed,
    valid_fraction: Annotated[
        float, option("--valid-fraction", "Share of lines for valid.txt (paper: 0.1).", _SPLIT)
    ] = D.valid_fraction,
    max_lines: Annotated[
        int | None,
        option(
            "--max-lines", "Cap on lines per language, by seeded sampling (paper: 500000; 0 = none).", _SPLIT
        ),
    ] = D.max_lines,
    hr_min_tokens: Annotated[
        int, option("--hr-min-tokens", "Tier hr from this many whitespace tokens (paper: 350000).", _SPLIT)
    ] = D.hr_min_tokens,
    lr_min_tokens: Annotated[
        int,
        option("--lr-min-tokens", "Tier lr from this many tokens; below is excluded (paper: 10000).", _SPLIT),
    ] = D.lr_min_tokens,
    min_words: Annotated[
        int, option("--min-words", "Drop lines with fewer words (paper: 2).", _STEPS)
    ] = D.min_words,
    min_chars: Annotated[
        int, option("--min-chars", "Drop lines with fewer characters (paper: 2).", _STEPS)
    ] = D.min_chars,
    max_chars: Annotated[int, option("--max-chars", "Drop lines longer than this.", _STEPS)] = D.max_chars,
    nfc: Annotated[bool, option("--nfc/--no-nfc", "Unicode NFC normalisation.", _STEPS)] = D.nfc,
    controls: Annotated[
        bool,
        option("--controls/--no-controls", "Strip control/zero-width chars, collapse whitespace.", _STEPS),
    ] = D.controls,
    markup: Annotated[
        bool,
        option("--markup/--no-markup", "Strip tags, entities, wiki templates/links, URLs, e-mails.", _STEPS),
    ] = D.markup,
    length: Annotated[
        bool, option("--length/--no-length", "Length filter (min words/chars, max chars).", _STEPS)
    ] = D.length,
    dedup: Annotated[
        bool,
        option("--dedup/--no-dedup", "Drop exact and near-exact duplicate lines (across sources).", _STEPS),
    ] = D.dedup,
    script: Annotated[
        bool,
        option("--script/--no-script", "Drop lines mostly in another script than the language's.", _STEPS),
    ] = D.script,
    tokenizer: Annotated[
        str | None,
        option("--tokenizer", "Tokenizer dir, tokenizer.json or hub id: adds mt5_tokens (subword) counts."),
    ] = D.tokenizer,
    force: ForceOpt = D.force,
    dry_run: DryRunOpt = D.dry_run,
) -> None:
    """Clean, deduplicate, cap and split every language of raw/ into corpus/, and place it in a tier.

    Reads raw/<source>/<iso3>/*.txt (all sources of a language merged); writes corpus/<iso3>/train.txt,
    valid.txt and corpus/languages.parquet.

    Tiers count the whitespace tokens after cleaning and the cap (train + valid: what the model will see).

    Languages whose raw files and options did not change are skipped; --force redoes them.

    Example: xlt clean --lang kpv,myv --hr-min-tokens 50000 --lr-min-tokens 1000 --dry-run
    """
    from xlt.cleaning import clean_workspace
    from xlt.commands._common import language_list
    from xlt.commands.render.clean import render_examples, render_report

    options = CleanOptions(
        seed=seed, valid_fraction=valid_fraction, max_lines=max_lines, hr_min_tokens=hr_min_tokens,
        lr_min_tokens=lr_min_tokens, min_words=min_words, min_chars=min_chars, max_chars=max_chars, nfc=nfc,
        controls=controls, markup=markup, length=length, dedup=dedup, script=script, tokenizer=tokenizer,
        dry_run=dry_run, force=force, languages=language_list(lang),
    )  # fmt: skip
    with RichReporter() as reporter:
        report = clean_workspace(workspace(ctx), options, reporter)
    render_report(report)
    if dry_run or state(ctx).verbose:
        render_examples(report)


def register(app: typer.Typer) -> None:
    app.command("clean")(clean)
