"""Every command's help: each option documented, no <bool> metavars, and every Example: line parses."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from typing import Any

import pytest

from xlt.cli import build_command


def _walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, child in getattr(command, "commands", {}).items():
        yield from _walk(child, (*path, name))


COMMANDS = list(_walk(build_command(), ("xlt",)))
EXAMPLES = [
    (" ".join(path), line.strip().removeprefix("Example: "))
    for path, command in COMMANDS
    for line in (command.help or "").splitlines()
    if line.strip().startswith("Example: ")
]


def _parse(args: list[str]) -> Any:
    """Parse `xlt ARGS` down to the leaf command the way click does before invoking it; the leaf context."""
    command = build_command()
    ctx = command.make_context("xlt", list(args), resilient_parsing=False)
    while getattr(command, "commands", None):
        rest = [*ctx._protected_args, *ctx.args]  # what the group left to its subcommand
        if not rest:
            return ctx
        name, command, rest = command.resolve_command(ctx, rest)
        ctx = command.make_context(name, rest, parent=ctx, resilient_parsing=False)
    return ctx


def test_every_command_has_examples_and_documented_options() -> None:
    """Each leaf command shows an example, and each of its options says what it does."""
    for path, command in COMMANDS:
        if getattr(command, "commands", None):
            continue
        assert "Example: xlt" in (command.help or ""), f"{' '.join(path)} has no Example: line"
        undocumented = [p.name for p in command.params if getattr(p, "help", "x") in (None, "")]
        assert not undocumented, f"{' '.join(path)}: options without help: {undocumented}"


@pytest.mark.parametrize(("where", "example"), EXAMPLES, ids=[e for _, e in EXAMPLES])
def test_example_parses(where: str, example: str) -> None:
    """The example's options and arguments are ones the command accepts (and it names that command)."""
    line = re.split(r"\s{2,}\(", example)[0]  # drop a trailing "  (comment)"
    args = shlex.split(line)
    assert args[0] == "xlt"
    ctx = _parse(args[1:])
    # It names the command whose help shows it (a group's example may name one of its commands).
    assert ctx.command_path.startswith(where) or where.startswith(ctx.command_path), (where, ctx.command_path)


def test_help_has_no_bool_metavar(run_cli) -> None:  # type: ignore[no-untyped-def]
    """`--help` of every command draws flags without a `<bool>` placeholder."""
    for path, _ in COMMANDS:
        code, out, _ = run_cli(*path[1:], "--help")
        assert code == 0 and "Usage:" in out
        assert "<bool>" not in out, f"{' '.join(path)} --help shows <bool>"
