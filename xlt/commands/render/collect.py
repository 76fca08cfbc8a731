"""What `xlt collect` wrote: lines, characters and tokens per language, notes and skipped inputs."""

from __future__ import annotations

from rich.table import Table

from xlt.commands._common import console, err_console
from xlt.sources import CollectReport


def render_report(report: CollectReport) -> None:
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
        err_console.print(f"note: {note}", markup=False, highlight=False)
    for skipped in report.skipped:
        err_console.print(f"skipped: {skipped}", markup=False, highlight=False)
