"""What every command shares: the app state, `Annotated` option aliases, the console."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from xlt.workspace import Workspace

console = Console()
err_console = Console(stderr=True)


@dataclass
class AppState:
    """Set by the root callback; read by commands through `ctx.obj`."""

    workspace: Workspace
    verbose: bool = False

    @classmethod
    def create(cls, workspace: Path | None, verbose: bool) -> AppState:
        return cls(Workspace.resolve(workspace), verbose)


def state(ctx: typer.Context) -> AppState:
    """The app state of a command (also when the command is invoked without the root callback)."""
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState.create(None, False)
    return root.obj


def workspace(ctx: typer.Context) -> Workspace:
    """The workspace chosen by --workspace / XLT_WORKSPACE / default."""
    return state(ctx).workspace


# Shared parameters, declared once so that signatures read like documentation.
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed (splits, sampling, masks, init).")]
LangArg = Annotated[
    str, typer.Argument(help="Language: ISO 639-3/639-1 code or name (e.g. eng, en, English).")
]
LangsOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Comma-separated languages (codes or names); default: all."),
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would be done; write nothing.")]
