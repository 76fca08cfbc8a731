"""`xlt clean`: raw/ -> corpus/<iso3>/{train,valid}.txt and corpus/languages.parquet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from xlt.commands._common import DryRunOpt, LangsOpt, console, err_console, state, workspace

if TYPE_CHECKING:
    from xlt.cleaning import CleanReport

_STEP_HELP = "Cleaning steps"
_SPLIT_HELP = "Split, cap and tiers"


def clean(
    ctx: typer.Context,
    lang: LangsOpt = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the cap sampling and the train/valid split.")
    ] = 0,
    valid_fraction: Annotated[
        float,
        typer.Option(
            "--valid-fraction", help="Share of lines for valid.txt (paper: 0.1).", rich_help_panel=_SPLIT_HELP
        ),
    ] = 0.1,
    max_lines: Annotated[
        int,
        typer.Option(
            "--max-lines",
            help="Cap on lines per language, by seeded sampling (paper: 500000; 0 = none).",
            rich_help_panel=_SPLIT_HELP,
        ),
    ] = 500_000,
    hr_min_tokens: Annotated[
        int,
        typer.Option(
            "--hr-min-tokens",
            help="Tier hr from this many whitespace tokens (paper: 350000).",
            rich_help_panel=_SPLIT_HELP,
        ),
    ] = 350_000,
    lr_min_tokens: Annotated[
        int,
        typer.Option(
            "--lr-min-tokens",
            help="Tier lr from this many tokens; below is excluded (paper: 10000).",
            rich_help_panel=_SPLIT_HELP,
        ),
    ] = 10_000,
    min_words: Annotated[
        int,
        typer.Option(
            "--min-words", help="Drop lines with fewer words (paper: 2).", rich_help_panel=_STEP_HELP
        ),
    ] = 2,
    min_chars: Annotated[
        int,
        typer.Option(
            "--min-chars", help="Drop lines with fewer characters (paper: 2).", rich_help_panel=_STEP_HELP
        ),
    ] = 2,
    max_chars: Annotated[
        int, typer.Option("--max-chars", help="Drop lines longer than this.", rich_help_panel=_STEP_HELP)
    ] = 4_000,
    nfc: Annotated[
        bool, typer.Option("--nfc/--no-nfc", help="Unicode NFC normalisation.", rich_help_panel=_STEP_HELP)
    ] = True,
    controls: Annotated[
        bool,
        typer.Option(
            "--controls/--no-controls",
            help="Strip control/zero-width chars, collapse whitespace.",
            rich_help_panel=_STEP_HELP,
        ),
    ] = True,
    markup: Annotated[
        bool,
        typer.Option(
            "--markup/--no-markup",
            help="Strip tags, entities, wiki templates/links, URLs, e-mails.",
            rich_help_panel=_STEP_HELP,
        ),
    ] = True,
    length: Annotated[
        bool,
        typer.Option(
            "--length/--no-length",
            help="Length filter (min words/chars, max chars).",
            rich_help_panel=_STEP_HELP,
        ),
    ] = True,
    dedup: Annotated[
        bool,
        typer.Option(
            "--dedup/--no-dedup",
            help="Drop exact and near-exact duplicate lines (across sources).",
            rich_help_panel=_STEP_HELP,
        ),
    ] = True,
    script: Annotated[
        bool,
        typer.Option(
            "--script/--no-script",
            help="Drop lines mostly in another script than the language's.",
            rich_help_panel=_STEP_HELP,
        ),
    ] = True,
    tokenizer: Annotated[
        str | None,
        typer.Option(
            "--tokenizer", help="Tokenizer dir, tokenizer.json or hub id: adds mt5_tokens (subword) counts."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Redo languages whose outputs are up to date.")
    ] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Clean, deduplicate, cap and split every language of raw/ into corpus/, and place it in a tier.

    Reads raw/<source>/<iso3>/*.txt (all sources of a language merged); writes corpus/<iso3>/train.txt,
    valid.txt and corpus/languages.parquet.

    Tiers count the whitespace tokens after cleaning and the cap (train + valid: what the model will see).

    Languages whose raw files and options did not change are skipped; --force redoes them.

    Example: xlt clean --lang kpv,myv --hr-min-tokens 50000 --lr-min-tokens 1000 --dry-run
    """
    from xlt import languages as registry
    from xlt.cleaning import CleanOptions, clean_workspace

    codes = tuple(language.iso3 for language in registry.resolve_many(lang)) or None
    options = CleanOptions(
        seed=seed,
        valid_fraction=valid_fraction,
        max_lines=max_lines,
        hr_min_tokens=hr_min_tokens,
        lr_min_tokens=lr_min_tokens,
        min_words=min_words,
        min_chars=min_chars,
        max_chars=max_chars,
        nfc=nfc,
        controls=controls,
        markup=markup,
        length=length,
        dedup=dedup,
        script=script,
        tokenizer=tokenizer,
        dry_run=dry_run,
        force=force,
        languages=codes,
    )
    options.validate()
    ws = workspace(ctx)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def on_progress(iso3: str, done: int, total: int) -> None:
            if iso3 not in tasks:
                tasks[iso3] = bar.add_task(f"cleaning {iso3}", total=total)
            bar.update(tasks[iso3], completed=done)

        report = clean_workspace(ws, options, progress=on_progress)
    _render(report)
    if dry_run or state(ctx).verbose:
        _render_examples(report)


def _render(report: CleanReport) -> None:
    """Two tables (languages; lines dropped per step), the warnings, and where the files went."""
    from xlt.cleaning import DROP_COLUMNS

    title = " (dry run: nothing written)" if report.options.dry_run else ""
    with_mt5 = any(r.mt5_tokens is not None for r in report.languages)
    colours = {"hr": "green", "lr": "cyan", "excluded": "dim"}
    langs = Table(title=f"languages{title}")
    for column in (
        "iso3",
        "name",
        "tier",
        "lines in",
        "train",
        "valid",
        "tokens",
        *(["mt5"] if with_mt5 else []),
    ):
        langs.add_column(column, justify="left" if column in {"iso3", "name", "tier"} else "right")
    langs.add_column("status")
    drops = Table(title="lines dropped per step")
    drops.add_column("iso3")
    for column in ("in", *DROP_COLUMNS, "kept"):
        drops.add_column(column, justify="right")
    for r in report.languages:
        status = r.status
        if report.options.script and not r.script_filter and r.lines_in:
            status += " (no script filter)"
        langs.add_row(
            escape(r.iso3),
            escape(r.name),
            f"[{colours[r.tier]}]{r.tier}[/]",
            f"{r.lines_in:,}",
            f"{r.train_lines:,}",
            f"{r.valid_lines:,}",
            f"{r.tokens:,}",
            *([f"{r.mt5_tokens:,}" if r.mt5_tokens is not None else ""] if with_mt5 else []),
            status,
        )
        counts = [f"{r.dropped[step]:,}" if r.dropped.get(step) else "·" for step in DROP_COLUMNS]
        drops.add_row(r.iso3, f"{r.lines_in:,}", *counts, f"{r.lines:,}")
    console.print(langs)
    console.print(drops)
    for warning in report.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    summary = ", ".join(f"{len(report.in_tier(tier))} {tier}" for tier in ("hr", "lr", "excluded"))
    where = f"wrote {report.languages_path}" if report.languages_path else "dry run: nothing written"
    console.print(f"{summary}; {escape(where)}", highlight=False)


def _render_examples(report: CleanReport) -> None:
    """The first lines each step dropped, per language (dry runs and --verbose)."""
    table = Table("iso3", "step", "dropped line (as found)", title="examples of dropped lines")
    for r in report.languages:
        for step, lines in r.examples.items():
            for line in lines:
                table.add_row(r.iso3, step, escape(repr(line)[1:-1]))
    if table.row_count:
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command("clean")(clean)
