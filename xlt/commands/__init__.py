"""One module per command (or command group). Each exposes `register(app)`.

Command modules import only light things at module level (typer, rich, the library's light modules);
torch and transformers are imported inside the command function so that `xlt --help` stays instant.
"""

from __future__ import annotations

import importlib

import typer

# In pipeline order; this is also the order of `xlt --help`.
COMMANDS = (
    "collect",
    "clean",
    "pretrain",
    "runs",
    "evaluate",
    "analyze",
    "show",
    "downstream",
    "experiment",
    "tui",
    "languages",
)


def register(app: typer.Typer) -> None:
    """Add every command module's commands to the root app."""
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(app)
