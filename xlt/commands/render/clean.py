"""What `xlt clean` did: the languages and their tiers, lines dropped per step, examples of drops."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from xlt.cleaning import DROP_COLUMNS, CleanReport
from xlt.commands._common import console, warn

TIER_STYLE = {"hr": "green", "lr": "cyan", "excluded": "dim"}


def render_report(report: CleanReport) -> None:
    """Two tables (languages; lines dropped per step), the warnings, and where the files went."""
    title = " (dry run: nothing written)" if report.options.dry_run else ""
    with_mt5 = any(r.mt5_tokens is not None for r in report.languages)
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
        mt5 = [f"{r.mt5_tokens:,}" if r.mt5_tokens is not None else ""] if with_mt5 else []
        langs.add_row(
            escape(r.iso3), escape(r.name), f"[{TIER_STYLE[r.tier]}]{r.tier}[/]", f"{r.lines_in:,}",
            f"{r.train_lines:,}", f"{r.valid_lines:,}", f"{r.tokens:,}", *mt5, status,
        )  # fmt: skip
        counts = [f"{r.dropped[step]:,}" if r.dropped.get(step) else "·" for step in DROP_COLUMNS]
        drops.add_row(r.iso3, f"{r.lines_in:,}", *counts, f"{r.lines:,}")
    console.print(langs)
    console.print(drops)
    for warning in report.warnings:
        warn(escape(warning))
    summary = ", ".join(f"{len(report.in_tier(tier))} {tier}" for tier in ("hr", "lr", "excluded"))
    where = f"wrote {report.languages_path}" if report.languages_path else "dry run: nothing written"
    console.print(f"{summary}; {escape(where)}", highlight=False)


def render_examples(report: CleanReport) -> None:
    """The first lines each step dropped, per language (dry runs and --verbose)."""
    table = Table("iso3", "step", "dropped line (as found)", title="examples of dropped lines")
    for r in report.languages:
        for step, lines in r.examples.items():
            for line in lines:
                table.add_row(r.iso3, step, escape(repr(line)[1:-1]))
    if table.row_count:
        console.print(table)
