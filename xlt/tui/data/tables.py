"""The analysis, downstream and language tables as Grids: formatted per column, names beside codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from xlt.contracts.downstream import read_results as read_downstream
from xlt.contracts.languages import read_languages
from xlt.errors import InputError
from xlt.tui.data.common import Stamp, file_stamp, other_name
from xlt.tui.data.formats import column_formatter, column_order
from xlt.tui.data.grid import Grid
from xlt.workspace import Workspace

# Columns whose values are ISO 639-3 codes get a display-name column beside them.
LANG_COLUMNS = frozenset({"hr_lang", "lr_lang", "iso3", "lang", "language", "src_lang", "tgt_lang"})


@dataclass
class NamedTable:
    """A parquet file as a Grid; `error` instead of rows when it could not be read."""

    name: str
    path: Path
    grid: Grid = field(default_factory=lambda: Grid([], [], [], []))
    error: str | None = None

    @property
    def columns(self) -> list[str]:
        return self.grid.columns

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return self.grid.rows


def named_table(name: str, path: Path, frame: pl.DataFrame) -> NamedTable:
    """A frame rendered to a Grid (see table_grid)."""
    return NamedTable(name, path, table_grid(frame))


Row = dict[str, Any]


def _formatted(name: str, write: Callable[[Any], str]) -> Callable[[Row], str]:
    return lambda r: write(r[name])


def _raw(name: str) -> Callable[[Row], Any]:
    return lambda r: r[name]


def _named(name: str) -> Callable[[Row], str]:
    return lambda r: other_name(r[name])


def table_grid(frame: pl.DataFrame) -> Grid:
    """Labels, text rows and raw values of any frame, each column formatted by its own rule; a column of
    language codes gets their names beside it (blank where the name would repeat the code)."""
    columns: list[str] = []
    numeric: list[bool] = []
    getters: list[Callable[[dict[str, Any]], str]] = []
    raw: list[Callable[[dict[str, Any]], Any]] = []
    has_name = "name" in frame.columns
    for name in column_order(frame.columns):
        dtype = frame.schema[name]
        write = column_formatter(name, dtype)
        columns.append(name)
        numeric.append(dtype.is_numeric())
        getters.append(_formatted(name, write))
        raw.append(_raw(name))
        if name in LANG_COLUMNS and dtype == pl.String and not (name == "iso3" and has_name):
            columns.append(f"{name} name")
            numeric.append(False)
            getters.append(_named(name))
            raw.append(_named(name))
    records = list(frame.iter_rows(named=True))
    rows = [tuple(get(record) for get in getters) for record in records]
    values = [tuple(get(record) for get in raw) for record in records]
    return Grid(columns, rows, values, numeric)


# The analyze stage's tables in the order a reader wants them; any other analysis/*.parquet follows.
ANALYSIS_ORDER = ("transfer", "donors", "recipients", "correlations", "overlap")


def analysis_paths(workspace: Workspace) -> list[Path]:
    """analysis/*.parquet, known tables first."""
    analysis_dir = workspace.analysis_dir
    paths = sorted(analysis_dir.glob("*.parquet")) if analysis_dir.is_dir() else []
    rank = {name: i for i, name in enumerate(ANALYSIS_ORDER)}
    return sorted(paths, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


def load_table(workspace: Workspace, path: Path) -> NamedTable:
    """One table of the Analysis screen (read in a worker when it is chosen: big ones take a while)."""
    try:
        if path == workspace.downstream_path:
            return named_table(path.stem, path, read_downstream(workspace))
        return named_table(path.stem, path, pl.read_parquet(path))
    except InputError as exc:
        return NamedTable(path.stem, path, error=exc.message)
    except (OSError, pl.exceptions.PolarsError) as exc:  # one broken file is reported; others shown
        return NamedTable(path.stem, path, error=f"cannot read {path.name}: {exc}")


def table_paths(workspace: Workspace) -> list[Path]:
    """Every file the Analysis screen lists: analysis/*.parquet plus results/downstream.parquet."""
    paths = analysis_paths(workspace)
    return [*paths, workspace.downstream_path] if workspace.downstream_path.exists() else paths


def load_analysis(workspace: Workspace) -> list[NamedTable]:
    """Every table of :func:`table_paths`, read and formatted."""
    return [load_table(workspace, path) for path in table_paths(workspace)]


def analysis_stamp(analysis_dir: Path, downstream_path: Path | None = None) -> tuple[tuple[str, Stamp], ...]:
    """Stamps of every file load_analysis reads, to skip re-reading when nothing changed."""
    paths = sorted(analysis_dir.glob("*.parquet")) if analysis_dir.is_dir() else []
    if downstream_path is not None:
        paths.append(downstream_path)
    return tuple((str(p), file_stamp(p)) for p in paths)


TIER_ORDER = {"hr": 0, "lr": 1, "excluded": 2}
LANGUAGE_COLUMNS = ("iso3", "name", "tier", "lines", "tokens", "sources")


def load_languages(workspace: Workspace) -> NamedTable | None:
    """corpus/languages.parquet sorted by tier (hr, lr, excluded) then by tokens; None when missing."""
    if not workspace.languages_path.exists():
        return None
    return named_table("languages", workspace.languages_path, sort_languages(read_languages(workspace)))


def sort_languages(frame: pl.DataFrame) -> pl.DataFrame:
    """HR languages first, then LR, then excluded; the most tokens first within a tier.

    The columns a reader looks for come first (an 80-column terminal shows about six).
    """
    first = [c for c in LANGUAGE_COLUMNS if c in frame.columns]
    frame = frame.select(*first, *(c for c in frame.columns if c not in first))
    keys: list[pl.Expr] = []
    if "tier" in frame.columns:
        keys.append(pl.col("tier").replace_strict(TIER_ORDER, default=len(TIER_ORDER), return_dtype=pl.Int8))
    if "tokens" in frame.columns:
        keys.append(-pl.col("tokens"))
    return frame.sort(keys) if keys else frame
