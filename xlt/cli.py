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


def _click_exception(name: str) -> type[Exception]:
    """A class of the click that typer ships (typer re-exports BadParameter, not its bases)."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


ClickException = _click_exception("ClickException")
ClickUsageError = _click_exception("UsageError")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: every failure is one line on stderr (exit 2 for usage, 1 for input problems,
    130 when interrupted); a traceback only with XLT_DEBUG=1."""
    from xlt.errors import XltError, as_os_error, from_os_error

    debug = os.environ.get("XLT_DEBUG", "") not in {"", "0"}
    try:
        # Not standalone: typer would draw usage errors as a multi-line panel; here they are one line.
        code = app(args=argv, prog_name="xlt", standalone_mode=False)
    except ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            typer.echo(ctx.get_help())
            sys.exit(0)
        where = f" (see `{ctx.command_path} --help`)" if isinstance(exc, ClickUsageError) and ctx else ""
        _fail(f"{exc.format_message()}{where}", getattr(exc, "exit_code", 1))  # type: ignore[attr-defined]
    except typer.Abort:
        _fail("interrupted; what finished is kept: run the same command again to resume", 130)
    except XltError as exc:
        if debug:
            raise
        _fail(str(exc), exc.exit_code)
    except Exception as exc:  # the entry point: anything else is one line, not a traceback
        if debug:
            raise
        if (os_error := as_os_error(exc)) is not None:
            _fail(str(from_os_error(os_error)), 1)
        message = " ".join(str(exc).split()) or "no message"
        _fail(f"xlt failed unexpectedly ({message}); this is a bug: XLT_DEBUG=1 shows the traceback", 1)
    if code == 130:
        _fail("interrupted; what finished is kept: run the same command again to resume", 130)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    typer.echo(f"error: {message}", err=True)
    sys.exit(code)
