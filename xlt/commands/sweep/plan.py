"""`xlt sweep plan`: the runs of a sweep, one row each, with the exact command a task runs."""

from __future__ import annotations

import shlex
from typing import Annotated, Any

import typer

from xlt.commands._common import SeedOpt, console, workspace
from xlt.commands.sweep import NameArg, app
from xlt.errors import UsageError


def _parsed(command: Any, name: str, args: list[str]) -> dict[str, Any]:
    """Options given on the command line, parsed and checked by `xlt <name>`'s own parser."""
    single = typer.Typer()
    single.command()(command)
    try:
        ctx = typer.main.get_command(single).make_context(f"xlt {name}", list(args))
    except typer.exceptions.TyperException as exc:  # typer 0.29 vendors click: its own exception classes
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        raise UsageError(f"{name} option: {message}", f"see `xlt {name} --help`") from exc
    source = ctx.get_parameter_source
    given = {k: v for k, v in ctx.params.items() if getattr(source(k), "name", "") == "COMMANDLINE"}
    return given


@app.command("plan", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def plan(
    ctx: typer.Context,
    name: NameArg,
    hr: Annotated[str, typer.Option("--hr", help="all (the corpus's HR tier) or comma-separated.")] = "all",
    runs: Annotated[int, typer.Option("--runs", help="Seeds per language (paper: 5).")] = 5,
    seed: SeedOpt = 0,
    model: Annotated[str, typer.Option("--model", help="As for `xlt pretrain` (google/mt5-base).")] = "auto",
    gpus: Annotated[int, typer.Option("--gpus-per-task", help="GPUs (processes) per run; 0: CPU.")] = 1,
    eval_args: Annotated[
        str, typer.Option("--eval-args", help="Options of the evaluation job.")
    ] = "--all-lr",
) -> None:
    """Write sweeps/NAME/plan.parquet (a row per run: language, seed, run id, command) and sweep.json.

    Other options go to every `xlt pretrain` (--steps, --learning-rate, --batch-size, ...).

    Example: xlt sweep plan paper --hr all --runs 5 --model google/mt5-base --steps 20000
    """
    from xlt.commands.evaluate import evaluate
    from xlt.commands.pretrain import pretrain
    from xlt.sweep import PlanRequest, make_plan

    options = _parsed(pretrain, "pretrain", ctx.args)
    evaluation = shlex.split(eval_args)
    if "run" in _parsed(evaluate, "evaluate", evaluation):
        raise UsageError("--eval-args cannot choose --run", "the evaluation scores the plan's own runs")
    request = PlanRequest(name, hr, runs, seed, model, options, evaluation, gpus)
    made = make_plan(workspace(ctx), request)
    console.print(f"{made.rows.height} runs ({len(made.info['hr'])} HR × {runs} seeds): {made.directory}")
    console.print(f"first task: {made.rows['command'][0]}", highlight=False, soft_wrap=True)
