"""What every command shares: the app state, the consoles, and the options declared once as aliases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from xlt.errors import WorkspaceError
from xlt.workspace import Workspace

console = Console()
# Warnings and progress go to stderr; soft wrap keeps each warning on one line when stderr is a file or
# a pipe (rich would otherwise wrap at 80 columns, and a script could not read one warning per line).
err_console = Console(stderr=True, soft_wrap=True)


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


def workspace(ctx: typer.Context, create: bool = False) -> Workspace:
    """The workspace chosen by --workspace / XLT_WORKSPACE / default.

    Commands that only read need it to exist; those that make one (`collect`, `experiment`, `analyze
    import`) pass `create`. A path that is a file is refused either way.
    """
    ws = state(ctx).workspace
    if ws.root.exists() and not ws.root.is_dir():
        raise WorkspaceError(
            f"{ws.root} is a file, not a workspace directory", "point --workspace at a directory"
        )
    if not create and not ws.root.is_dir():
        raise WorkspaceError(
            f"no workspace at {ws.root}",
            "make one with `xlt collect sample` or `xlt experiment`, or point --workspace at an existing one",
        )
    return ws


def warn(message: str) -> None:
    """One warning line on stderr."""
    err_console.print(f"[yellow]warning:[/] {message}", highlight=False)


def split_list(value: str | None) -> tuple[str, ...] | None:
    """A comma-separated option as a tuple (None when the option was not given)."""
    return None if value is None else tuple(item.strip() for item in value.split(",") if item.strip())


def language_list(value: str | None) -> tuple[str, ...] | None:
    """A comma-separated list of language names or codes as ISO 639-3 codes (None when not given)."""
    from xlt.languages import resolve_many

    return None if value is None else tuple(lang.iso3 for lang in resolve_many(value))


def option(name: str, help: str, panel: str | None = None) -> typer.models.OptionInfo:
    """A typer option with its help, in a help panel of its own (`panel`) or the default one."""
    return typer.Option(name, help=help, rich_help_panel=panel)


# Shared parameters, declared once so that signatures read like documentation.
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed (splits, sampling, masks, init).")]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Redo work whose output already exists (pretrain: start runs over).")
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would be done; write nothing.")]
LangsOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Comma-separated languages (codes or names); default: all."),
]
HrListOpt = Annotated[
    str | None, typer.Option("--hr", help="Comma-separated HR languages (codes or names); default: all.")
]
LrListOpt = Annotated[
    str | None, typer.Option("--lr", help="Comma-separated LR languages (codes or names); default: all.")
]
