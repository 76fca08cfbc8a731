"""``corpus/languages.parquet``: one row per language `xlt clean` saw, with its tier.

Columns every reader may rely on (ARCHITECTURE.md): iso3, name, script, sources (comma-separated), lines,
chars, tokens (whitespace tokens after cleaning and the cap), tier (``hr``, ``lr`` or ``excluded``); clean
adds its per-step counts. Tiers decide everything downstream: HR languages are pretrained on, LR
languages are only ever evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from xlt.errors import InputError, UsageError, WorkspaceError
from xlt.workspace import Workspace, write_parquet

TIERS: tuple[str, ...] = ("hr", "lr", "excluded")
REQUIRED_COLUMNS = ("iso3", "name", "script", "sources", "lines", "chars", "tokens", "tier")


def write_languages(workspace: Workspace, frame: pl.DataFrame) -> None:
    """Write the table atomically; it must carry the contract's columns."""
    if missing := [c for c in REQUIRED_COLUMNS if c not in frame.columns]:
        raise ValueError(f"languages table lacks {missing}")  # a bug in the writer, not a user error
    write_parquet(frame, workspace.languages_path)


def read_languages(workspace: Workspace) -> pl.DataFrame:
    """The table; `WorkspaceError` when `xlt clean` has not run, `InputError` when it is unreadable."""
    path = workspace.languages_path
    if not path.is_file():
        raise WorkspaceError(f"no language table at {path}", "run `xlt clean` first")
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:  # a corrupt file is an input problem, not a crash
        raise InputError(f"cannot read {path}: {exc}", "run `xlt clean --force` to rebuild it") from exc
    if missing := [c for c in ("iso3", "tier") if c not in frame.columns]:
        raise InputError(f"{path} lacks the columns {', '.join(missing)}", "run `xlt clean --force`")
    return frame


def maybe_read_languages(workspace: Workspace) -> pl.DataFrame | None:
    """The table, or None when there is none yet or it cannot be read (for views that show what exists)."""
    try:
        return read_languages(workspace)
    except (WorkspaceError, InputError):
        return None


def languages_in_tier(workspace: Workspace, tier: str) -> list[str]:
    """ISO 639-3 codes of the languages `xlt clean` placed in `tier` (`hr`, `lr` or `excluded`), sorted."""
    if tier not in TIERS:
        raise UsageError(f"unknown tier {tier!r}", f"use one of {', '.join(TIERS)}")
    frame = read_languages(workspace)
    return sorted(frame.filter(pl.col("tier") == tier)["iso3"].to_list())


def tiers(workspace: Workspace) -> dict[str, str]:
    """{iso3: tier} of every language in the table."""
    frame = read_languages(workspace)
    return dict(zip(frame["iso3"].to_list(), frame["tier"].to_list(), strict=True))


def corpus_languages(workspace: Workspace, only: Iterable[str] | None = None) -> dict[str, str]:
    """{iso3: tier} of the languages that have a cleaned ``train.txt``, optionally only some tiers;
    WorkspaceError when there is no cleaned corpus."""
    if not workspace.languages_path.is_file():
        raise WorkspaceError(f"no cleaned corpus in {workspace.corpus_dir}", "run `xlt clean` first")
    wanted = set(only) if only is not None else None
    return {
        iso3: tier
        for iso3, tier in tiers(workspace).items()
        if (wanted is None or tier in wanted) and workspace.train_path(iso3).is_file()
    }
