"""The typer app: global options and command registration only; commands live in `xlt.commands`."""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from xlt import __version__
from xlt.commands import register
from xlt.commands._common import AppState, state
from xlt.workspace import Workspace

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


def _commands(command: Any) -> Iterator[Any]:
    """Every command of the tree below `command` (groups included)."""
    yield command
    for child in getattr(command, "commands", {}).values():
        yield from _commands(child)


def _set_workspace(ctx: Any, param: Any, value: Path | None) -> None:
    if value is not None:
        state(ctx).workspace = Workspace.resolve(value)


def _flag_help(make: Any) -> Any:
    """`get_help_option` whose option has no metavar either (click builds it per context)."""

    def get_help_option(ctx: Any) -> Any:
        option = make(ctx)
        if option is not None:
            option.metavar = ""
        return option

    return get_help_option


def build_command() -> Any:
    """The click command tree of `app`, finished in one place for every command.

    * ``--workspace/-w`` is accepted after the subcommand too (``xlt runs -w exp1``), not only before it:
      each command gets a copy of the root option that overrides it.
    * Flags show no ``<bool>`` metavar in the help (typer draws one for every flag).
    """
    root_command = typer.main.get_command(app)
    workspace_option = next(p for p in root_command.params if p.name == "workspace")
    for command in _commands(root_command):
        for param in command.params:
            if getattr(param, "is_flag", False):
                param.metavar = ""
        command.get_help_option = _flag_help(command.get_help_option)
        if command is root_command or getattr(command, "commands", None):
            continue
        option = copy.copy(workspace_option)
        option.expose_value, option.callback, option.envvar = False, _set_workspace, None
        command.params.append(option)
    return root_command


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
        code = build_command()(args=argv, prog_name="xlt", standalone_mode=False)
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
