"""`xlt collect SOURCE [INPUTS]...`: read a corpus source into ``raw/<source>/<iso3>/`` + manifest."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xlt.commands._common import console, err_console, workspace
from xlt.errors import UsageError

SOURCE_HELP = "One of: hzsk, ud, wiki, hse, mc4, sample."
# Options that only one source reads: (source, option name) for rejecting the wrong combinations.
_ONLY_FOR = {
    "max_lines": "mc4",
    "max_bytes": "mc4",
    "lr_lines": "sample",
    "lr_tokens": "sample",
    "seed": "sample",
}


def collect(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help=SOURCE_HELP, show_default=False)],
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, directories, zip/tar archives (or URLs with --download).", show_default=False
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Language of inputs that do not say (code or name); for sample: which languages to keep.",
        ),
    ] = None,
    download: Annotated[
        bool, typer.Option("--download", help="Allow network access: URL inputs, mc4 from the hub.")
    ] = False,
    max_lines: Annotated[
        int | None, typer.Option("--max-lines", help="mc4: stop after this many lines.")
    ] = None,
    max_bytes: Annotated[
        int | None, typer.Option("--max-bytes", help="mc4: stop after this many bytes.")
    ] = None,
    lr_lines: Annotated[
        int | None, typer.Option("--lr-lines", help="sample: at most this many lines per LR language [2000].")
    ] = None,
    lr_tokens: Annotated[
        int | None,
        typer.Option(
            "--lr-tokens", help="sample: about this many whitespace tokens per LR language [15000]."
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="sample: seed of the LR downsampling [0].")
    ] = None,
) -> None:
    """Collect raw text of one source into the workspace (re-running skips inputs already collected).

    Writes raw/<source>/<iso3>/*.txt (one sentence or utterance a line) and raw/<source>/manifest.parquet.
    A bad input file is reported and skipped; if nothing at all can be collected, the exit code is 1.

    Example: xlt collect sample

    Example: xlt collect hzsk nganasan-corpus.zip selkup/ --lang sel   (EXMARaLDA .exb, loose or zipped)

    Example: xlt collect ud UD_Komi_Zyrian-Lattice/ kpv_ikdp-ud-test.conllu

    Example: xlt collect wiki extracted/kvwiki-20240101/ --lang kv   (wikiextractor output, doc or --json)

    Example: xlt collect hse kpv_web_corpus.zip udm_vk_corpus.zip

    Example: xlt collect mc4 --lang kv --download --max-lines 50000   (or local c4-kv.*.json.gz files)
    """
    from xlt.sources import SOURCES
    from xlt.sources import collect as collect_source

    if source not in SOURCES:
        raise UsageError(f"unknown source {source!r}", hint="choose one of " + ", ".join(SOURCES))
    options = {"max_lines": max_lines, "max_bytes": max_bytes, "lr_lines": lr_lines, "lr_tokens": lr_tokens}
    options["seed"] = seed
    for name, value in options.items():
        if value is not None and _ONLY_FOR[name] != source:
            flag = "--" + name.replace("_", "-")
            raise UsageError(
                f"{flag} applies to the {_ONLY_FOR[name]} source, not {source}", hint=f"drop {flag}"
            )
    if source not in {"mc4", "sample"} and not inputs:
        raise UsageError(
            f"{source} needs input files or directories", hint=f"e.g. xlt collect {source} PATH..."
        )
    report = collect_source(
        workspace(ctx),
        source,
        list(inputs or []),
        lang=lang,
        download=download,
        **{k: v for k, v in options.items() if v is not None},
    )
    _render(report)


def _render(report) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=f"raw/{report.source}", title_justify="left")
    for column in ("language", "name", "lines", "characters", "tokens", "files"):
        table.add_column(column, justify="left" if column in {"language", "name"} else "right")
    for stats in report.languages.values():
        table.add_row(
            stats.iso3,
            stats.name,
            f"{stats.lines:,}",
            f"{stats.chars:,}",
            f"{stats.tokens:,}",
            f"{stats.files:,}",
        )
    console.print(table)
    console.print(
        f"{report.new_files} new file(s), {report.already} input(s) already collected; "
        f"manifest: {report.manifest}",
        highlight=False,
        soft_wrap=True,
    )
    for note in report.notes:
        err_console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    for skipped in report.skipped:
        err_console.print(f"skipped: {skipped}", markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("collect")(collect)
