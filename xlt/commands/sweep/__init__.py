"""`xlt sweep plan | submit | status | resume`: many pretraining runs as one resumable SLURM job array.

The group and its shared options live here; the commands are in ``plan``, ``submit`` (also `resume`)
and ``status``.
"""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    name="sweep",
    help="HR languages × seeds as one SLURM job array (submitit), an evaluation job after it, resumable.\n\n"
    "Example: xlt sweep plan paper --hr all --runs 5 --model google/mt5-base --steps 20000",
    no_args_is_help=True,
)
NameArg = Annotated[str, typer.Argument(help="Sweep name (sweeps/NAME/).")]


def register(root: typer.Typer) -> None:
    from xlt.commands.sweep import plan, status, submit  # noqa: F401  (their commands join `app`)

    root.add_typer(app, name="sweep")
