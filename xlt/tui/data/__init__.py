"""Workspace readers for the TUI: plain functions over files, no Textual, no training code.

The TUI reads only what the stages write (ARCHITECTURE.md), through :mod:`xlt.contracts`:
``runs/*/config.json`` and ``events.jsonl`` (:mod:`.runs`), ``results/perplexity.parquet`` and
``results/baselines.parquet`` (:mod:`.matrix`, :mod:`.overview`), ``results/downstream.parquet``,
``analysis/*.parquet`` and ``corpus/languages.parquet`` (:mod:`.tables`). Everything here runs in thread
workers, so it may take its time; nothing here may import torch, transformers or accelerate.
"""

from xlt.tui.data.common import (
    Clock,
    Opener,
    Stamp,
    TuiConfig,
    display_name,
    file_stamp,
    lang_label,
    other_name,
    system_opener,
    utc_now,
)
from xlt.tui.data.formats import column_formatter, format_value
from xlt.tui.data.grid import Grid, fit_widths, order, write_csv
from xlt.tui.data.matrix import (
    Matrix,
    MatrixMode,
    Subject,
    best_rows,
    build_matrix,
    load_baselines,
    load_perplexity,
    matrix_subjects,
)
from xlt.tui.data.overview import Overview, PairCurve, load_overview, overview_grid, pair_curve
from xlt.tui.data.runs import (
    MAX_CURVE_POINTS,
    RunFollower,
    RunProgress,
    RunRow,
    RunsWatcher,
    format_eta,
    restale,
    row_of,
    thin,
)
from xlt.tui.data.tables import (
    TIER_ORDER,
    NamedTable,
    analysis_stamp,
    load_analysis,
    load_languages,
    load_table,
    named_table,
    sort_languages,
    table_grid,
    table_paths,
)

__all__ = [
    "MAX_CURVE_POINTS",
    "TIER_ORDER",
    "Clock",
    "Grid",
    "Matrix",
    "MatrixMode",
    "NamedTable",
    "Opener",
    "Overview",
    "PairCurve",
    "RunFollower",
    "RunProgress",
    "RunRow",
    "RunsWatcher",
    "Stamp",
    "Subject",
    "TuiConfig",
    "analysis_stamp",
    "best_rows",
    "build_matrix",
    "column_formatter",
    "display_name",
    "file_stamp",
    "fit_widths",
    "format_eta",
    "format_value",
    "lang_label",
    "load_analysis",
    "load_baselines",
    "load_languages",
    "load_overview",
    "load_perplexity",
    "load_table",
    "matrix_subjects",
    "named_table",
    "order",
    "other_name",
    "overview_grid",
    "pair_curve",
    "restale",
    "row_of",
    "sort_languages",
    "system_opener",
    "table_grid",
    "table_paths",
    "thin",
    "utc_now",
    "write_csv",
]
