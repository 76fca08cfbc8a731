"""`xlt languages`: resolve language names and codes the way every command does."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xlt.commands._common import console


def languages(
    names: Annotated[
        list[str], typer.Argument(help="Names or codes to resolve (e.g. English kpv UD_Erzya-JR).")
    ],
) -> None:
    """Show the ISO 639-3 code, display name and script xlt uses for each name.

    Example: xlt languages English Komi-Zyrian nya
    """
    from xlt import languages as registry

    table = Table("query", "iso3", "name", "script")
    for name in names:
        lang = registry.from_ud_folder(name) if name.startswith("UD_") else registry.resolve(name)
        table.add_row(name, lang.iso3, lang.name, lang.script or "?")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("languages")(languages)
