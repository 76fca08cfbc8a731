"""The perplexity matrix, its baselines and the best checkpoints as rich tables.

A cell is coloured only when its 95 % paired-bootstrap interval (xlt.contracts.intervals) excludes zero:
green and `*` significantly better than zero-shot, red significantly worse; the interval is printed under
the perplexity as the relative gain 1 − p/z, which is 1 − exp(−log_gain) of the stored log_gain bounds.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from rich.table import Table

from xlt.commands.render.significance import ROW_COLUMNS, best_table, cell_text, significance_line
from xlt.contracts.baselines import baseline_label, baseline_summary
from xlt.contracts.perplexity import BASE_RUN_ID
from xlt.contracts.views import gain_over_zero_shot, perplexity_matrix
from xlt.display import format_cell


def matrix_table(results: pl.DataFrame, baselines: pl.DataFrame | None = None) -> Table:
    """Checkpoints as rows, LR languages as columns; green* / red = significantly lower / higher perplexity
    than zero-shot (95 % paired bootstrap over the examples; the interval of 1 − p/z under each cell).

    `baselines` (rows of results/baselines.parquet) become extra, labelled rows in a section under the
    checkpoints, for the base models shown and the same mask seeds.
    """
    matrix = perplexity_matrix(results, with_std=True)
    langs = [c for c in matrix.columns if c not in {"run_id", "hr_lang", "checkpoint", "step", "model"}]
    langs = [c for c in langs if not c.endswith("_std")]
    base = {row["model"]: row for row in matrix.filter(pl.col("run_id") == BASE_RUN_ID).iter_rows(named=True)}
    n_seeds = results["eval_seed"].n_unique()
    caption = f"zero-shot = {', '.join(base)} before pretraining" if len(base) == 1 else None
    spread = f"mean±std over {n_seeds} mask seeds" if n_seeds > 1 else "one mask seed"
    title = (
        "Perplexity on LR languages (lower is better; green* / red: significantly better / worse than "
        f"zero-shot, \\[interval] of 1 − p/z, 95 % paired bootstrap; {spread})"
    )
    gains = {
        (*(row[c] for c in ROW_COLUMNS), row["lr_lang"]): row
        for row in gain_over_zero_shot(results).iter_rows(named=True)
    }
    table = Table(title=title, caption=caption)
    table.add_column("run", overflow="fold")
    table.add_column("HR")
    table.add_column("step", justify="right")
    for lang in langs:
        table.add_column(lang, justify="right", overflow="fold")  # wrap, never cut a number
    for row in matrix.iter_rows(named=True):
        is_base = row["run_id"] == BASE_RUN_ID
        state = tuple(row[c] for c in ROW_COLUMNS)
        cells = [
            cell_text(row[lang], row[f"{lang}_std"], None if is_base else gains.get((*state, lang)))
            for lang in langs
        ]
        name = (f"zero-shot ({row['model']})" if len(base) > 1 else "zero-shot") if is_base else row["run_id"]
        step = "–" if is_base else str(row["step"])
        table.add_row(name, row["hr_lang"] or "–", step, *cells, style="bold" if is_base else None)
    if baselines is not None and baselines.height:
        seeds = results["eval_seed"].unique().to_list()
        models = results["model"].unique().to_list()
        shown = baselines.filter(pl.col("model").is_in(models) & pl.col("eval_seed").is_in(seeds))
        _add_baseline_rows(table, shown, langs, several_models=len(models) > 1)
    return table


def _add_baseline_rows(table: Table, baselines: pl.DataFrame, langs: list[str], several_models: bool) -> None:
    """A section of baseline rows (random init, unigram <hr>, unigram self (oracle)) in the matrix table."""
    summary = baseline_summary(baselines)
    if summary.is_empty():
        return
    table.add_section()
    keys = summary.select("model", "baseline", "source_lang").unique(maintain_order=True)
    for model, baseline, source in keys.iter_rows():
        cells = summary.filter((pl.col("model") == model) & (pl.col("baseline") == baseline))
        by_lang = {row["lr_lang"]: row for row in cells.iter_rows(named=True)}
        texts = []
        for lang in langs:
            row = by_lang.get(lang)
            text = format_cell(row["perplexity"], None) if row else "–"
            if row and row["perplexity_std"] is not None:
                text += f"\n[dim]±{format_cell(row['perplexity_std'], None)}[/]"
            texts.append(text)
        name = baseline_label(baseline, source) + (f" ({model})" if several_models else "")
        table.add_row(f"[italic]{name}[/]", source or "–", "–", *texts)


def settings_line(settings: dict[str, object] | None, results: pl.DataFrame) -> str:
    """What every cell was scored on: split, cap, input length, target tokens per language."""
    if not settings:
        return ""
    per_lang = results.select("lr_lang", "n_tokens").unique()["n_tokens"].to_list()
    low, high = min(per_lang), max(per_lang)
    tokens = f"{low:,}" if low == high else f"{low:,}–{high:,}"
    return (
        f"eval sets: {settings['split']} split, at most {settings['max_blocks']} examples of "
        f"{settings['input_length']} input tokens per language ({tokens} target tokens), "
        "the same masked examples for every checkpoint"
    )


def render_report(console: Any, matrix: Any, perplexity_path: object) -> None:
    """What `xlt evaluate` prints: the matrix (with baselines), the best checkpoints, the significance
    count, the settings and where the files are. `matrix` is an xlt.evaluation.matrix.MatrixReport."""
    console.print(matrix_table(matrix.results, matrix.baselines))
    console.print(best_table(matrix.results))
    console.print(significance_line(matrix.results), highlight=False)
    console.print(settings_line(matrix.settings, matrix.results), highlight=False)
    console.print(f"results: {perplexity_path}", highlight=False)
    if matrix.baselines is not None:
        console.print(
            f"baselines: {matrix.baselines_path} (unigram self is an oracle: the LR language's own "
            "token frequencies, from its other split)",
            highlight=False,
        )
