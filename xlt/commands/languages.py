"""`xlt languages`: resolve language names and codes the way every command does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xlt.commands._common import console

NamesOpt = Annotated[
    Path | None,
    typer.Option(
        "--names",
        help="CSV with columns name,iso3 whose names override every other reading.",
        dir_okay=False,
        show_default=False,
    ),
]
WalsOpt = Annotated[
    Path | None,
    typer.Option(
        "--wals",
        help="WALS languages table (language.csv: wals_code, iso_code, Name, ...) as an alias source.",
        dir_okay=False,
        show_default=False,
    ),
]


def languages(
    names: Annotated[
        list[str], typer.Argument(help="Names or codes to resolve (e.g. English kpv UD_Erzya-JR).")
    ],
    names_file: NamesOpt = None,
    wals: WalsOpt = None,
    by_name: Annotated[
        bool,
        typer.Option(
            "--by-name",
            help="Read each argument as a name first, as a name column of a published matrix is read.",
        ),
    ] = False,
) -> None:
    """Show the ISO 639-3 code, display name and script xlt uses for each name, and where it came from.

    Each argument is resolved on its own; an unknown one is an error line and the rest are still
    shown (exit code 1 if any failed). Codes are read first ("mon" is Mongolian); when a value is
    also a name of another language ("Mon", the Austroasiatic language mnw), a note says so.

    Example: xlt languages English Komi-Zyrian nya "Greek (Modern)" Mon prv

    Example: xlt languages --by-name Mon Lak --wals language.csv --names my-names.csv
    """
    from xlt import languages as registry
    from xlt.errors import UnknownLanguageError

    overrides = registry.NameOverrides.load(names=names_file, wals=wals) if names_file or wals else None
    prefer: registry.Prefer = "name" if by_name else "auto"
    table = Table("query", "iso3", "name", "script", "from")
    notes: list[str] = [f"note: {note}" for note in overrides.notes] if overrides else []
    failures: list[str] = []
    for name in names:
        try:
            if name.startswith("UD_"):
                found = registry.Resolution(name, registry.from_ud_folder(name), "UD treebank folder")
            else:
                found = registry.explain(name, prefer=prefer, overrides=overrides)
        except UnknownLanguageError as exc:
            failures.append(f"error: {exc}")
            continue
        table.add_row(name, found.language.iso3, found.language.name, found.language.script or "?", found.via)
        notes.extend(f"note: {name}: {note}" for note in found.notes)
    if table.row_count:
        console.print(table)
    for line in notes:
        typer.echo(line)
    for line in failures:
        typer.echo(line, err=True)
    if failures:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("languages")(languages)
