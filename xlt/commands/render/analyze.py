"""The analysis tables as rich tables: donors, recipients, correlations, the ranker's evaluation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from rich.table import Table

from xlt.commands._common import console, warn
from xlt.languages import name_of

if TYPE_CHECKING:
    from xlt.analysis.pipeline import AnalysisReport


def fmt(value: object, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) < 1e-3 and value != 0 else f"{value:.{digits}f}"
    return str(value)


def ranked_table(frame: pl.DataFrame, key: str, title: str, flag: str, top: int = 10) -> Table:
    """The top rows of a donors/recipients table: the study's count, the binomial test, the median gain."""
    other = "n_lr_lang" if key == "hr_lang" else "n_hr_lang"
    significant = "count_basis" in frame.columns and frame.height and frame["count_basis"][0] == "significant"
    rate = frame["pooled_rate"][0] if "pooled_rate" in frame.columns and frame.height else None
    title = f"{title}; super: count above the pooled rate {fmt(rate, 2)} (one-sided binomial, BH q)"
    columns = ["#", "language", "improved", *(["significant"] if significant else []), "share"]
    table = Table(*columns, "median log gain", "q", flag.replace("_", " "), title=title)
    for row in frame.head(top).iter_rows(named=True):
        table.add_row(
            str(row["rank"]),
            f"{name_of(row[key])} ({row[key]})",
            f"{row['n_improved']}/{row[other]}",
            *([f"{row['n_significant']}/{row[other]}"] if significant else []),
            fmt(row["share_improved"], 2),
            fmt(row["median_log_gain"]),
            fmt(row["q_value"], 2),
            "★" if row[flag] else "",
        )
    return table


def correlation_table(corr: pl.DataFrame, gain: str, top: int = 15) -> Table:
    from xlt.analysis.transfer import significant

    tests = corr.filter(corr["gain"] == gain)
    found = significant(tests)
    title = f"Significant correlations with {gain} (BH q < 0.05; {found.height} of {tests.height} tests)"
    table = Table("scope", "feature", "n", "Spearman ρ", "p", "Pearson r", "p", "q", title=title)
    for row in found.head(top).iter_rows(named=True):
        q = min(v for v in (row["spearman_q"], row["pearson_q"]) if v is not None)
        table.add_row(
            row["lr_lang"] or "pooled", row["feature"], str(row["n"]), fmt(row["spearman"]),
            fmt(row["spearman_p"]), fmt(row["pearson"]), fmt(row["pearson_p"]), fmt(q),
        )  # fmt: skip
    return table


def overlap_summary(overlap: pl.DataFrame, top: int = 10) -> Table:
    table = Table("HR", "LR", "overlap (tokens)", "overlap (types)", title="Highest subtoken overlap")
    ranked = overlap.sort("overlap_tokens", descending=True, nulls_last=True).head(top)
    for row in ranked.iter_rows(named=True):
        table.add_row(row["hr_lang"], row["lr_lang"], fmt(row["overlap_tokens"]), fmt(row["overlap_types"]))
    return table


def render_report(report: AnalysisReport, gain: str = "rel_gain_final") -> None:
    """Every table the report holds, then the steps that were up to date and where the files went."""
    for message in report.warnings:
        warn(message)
    for shown in (*_findings(report.tables, gain), *_features(report.tables)):
        console.print(shown, highlight=False)
    for step, reason in report.skipped.items():
        if reason.startswith("up to date"):
            console.print(f"[dim]{step}: {reason}[/]", highlight=False)
    if report.paths:
        console.print(f"wrote {len(report.paths)} files under {report.paths[0].parent}", highlight=False)


def _findings(tables: dict[str, pl.DataFrame], gain: str) -> list[Table | str]:
    """Donors, recipients, significant correlations and the ranker's evaluation, as far as computed."""
    from xlt.analysis.transfer import significant

    shown: list[Table | str] = []
    if "donors" in tables:
        shown.append(ranked_table(tables["donors"], "hr_lang", "Top donors (HR)", "super_donor"))
    if "recipients" in tables:
        shown.append(ranked_table(tables["recipients"], "lr_lang", "Top recipients (LR)", "super_recipient"))
    if "correlations" in tables:
        corr = tables["correlations"].filter(pl.col("gain") == gain)
        found = not significant(corr).is_empty()
        empty = f"no significant correlation with {gain} (BH q < 0.05) in {corr.height} tests"
        shown.append(correlation_table(corr, gain) if found else empty)
    if "ranking_eval" in tables:
        from xlt.commands.render.rank import ranking_eval_table

        shown.append(ranking_eval_table(tables["ranking_eval"]))
    return shown


def _features(tables: dict[str, pl.DataFrame]) -> list[Table | str]:
    """Typology and overlap, when they were the analysis asked for (not only inputs of the transfer)."""
    if "transfer" in tables:
        return []
    shown: list[Table | str] = []
    if "typology" in tables:
        shown.append(f"typology: {tables['typology'].height} pairs")
    if "overlap" in tables:
        shown.append(overlap_summary(tables["overlap"]))
    return shown


def frame_table(frame: pl.DataFrame, title: str) -> Table:
    """Any frame as a table, numbers formatted by :func:`fmt`."""
    table = Table(*frame.columns, title=title)
    for row in frame.iter_rows():
        table.add_row(*(fmt(v) for v in row))
    return table
