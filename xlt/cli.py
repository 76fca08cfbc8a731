"""The typer app: global options and command registration only; commands live in `xlt.commands`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from xlt import __version__
from xlt.commands import register
from xlt.commands._common import AppState

app = typer.Typer(
    name="xlt",
    help=(
        "Cross-lingual transfer experiments: which high-resource language should you pretrain on to help "
        "a low-resource one?\n\n"
        "Pipeline: collect -> clean -> pretrain -> evaluate -> analyze (-> downstream), watched with tui.\n\n"
        "Example: xlt --workspace exp1 collect sample"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"xlt {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            envvar="XLT_WORKSPACE",
            help="Workspace directory (default ./xlt-workspace).",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More output.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Global options shared by every command."""
    ctx.obj = AppState.create(workspace, verbose)


register(app)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user errors become one line on stderr, tracebacks only with XLT_DEBUG=1.

    Click's standalone mode already turns usage errors into a message and exit code 2; everything else
    that escapes a command arrives here.
    """
    from xlt.errors import XltError

    debug = os.environ.get("XLT_DEBUG", "") not in {"", "0"}
    try:
        app(args=argv, prog_name="xlt")
    except XltError as exc:
        if debug:
            raise
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # an unexpected failure: one line, and how to see more
        if debug:
            raise
        typer.echo(f"error: {type(exc).__name__}: {exc} (set XLT_DEBUG=1 for the traceback)", err=True)
        sys.exit(1)
