"""`xlt collect SOURCE [INPUTS]...`: read a corpus source into ``raw/<source>/<iso3>/`` + manifest."""

from __future__ import annotations

from typing import Annotated

import typer

from xlt.commands._common import workspace
from xlt.commands._progress import RichReporter

SOURCE_HELP = "One of: hzsk, ud, wiki, hse, mc4, sample."


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
    from xlt.commands.render.collect import render_report
    from xlt.sources import collect as collect_source

    ws = workspace(ctx, create=True)
    with RichReporter() as reporter:
        report = collect_source(
            ws, source, list(inputs or []), lang=lang, download=download, reporter=reporter,
            max_lines=max_lines, max_bytes=max_bytes, lr_lines=lr_lines, lr_tokens=lr_tokens, seed=seed,
        )  # fmt: skip
    render_report(report)


def register(app: typer.Typer) -> None:
    app.command("collect")(collect)
