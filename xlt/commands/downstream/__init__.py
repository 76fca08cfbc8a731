"""`xlt downstream mt | pos`: does HR pretraining help LR languages on real tasks?

The group and the options both commands share live here; the commands are in ``mt`` and ``pos``, their
tables in :mod:`xlt.commands.render.downstream`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from xlt.commands._common import split_list, workspace

app = typer.Typer(
    name="downstream",
    help=(
        "Downstream tasks from the base model and runs' checkpoints: machine translation (sacrebleu BLEU and "
        "chrF++, against copy and most-frequent baselines, paired bootstrap) and cross-lingual POS tagging "
        "(a probe on the frozen encoder). Scores are appended to results/downstream.parquet.\n\n"
        "Example: xlt downstream mt --src-lang spa --tgt-lang nci --steps 20 --test-size 20"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)

ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="Reference model, scored first: `base` (the workspace's), a hub id or a saved dir.",
    ),
]
RunOpt = Annotated[
    str | None,
    typer.Option(
        "--run", help="Comma-separated run ids (as `xlt runs` prints them): each run's final checkpoint."
    ),
]
CheckpointsOpt = Annotated[
    str | None,
    typer.Option(
        "--checkpoints", help="Comma-separated checkpoint names of the --run runs (e.g. step-40,step-160)."
    ),
]
NoBaseOpt = Annotated[bool, typer.Option("--no-base", help="With --run: skip the reference model (--model).")]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Recompute systems already stored with the same settings.")
]


def systems(ctx: typer.Context, model: str, run: str | None, checkpoints: str | None, no_base: bool):
    """The models to compare, from --model, --run, --checkpoints and --no-base."""
    from xlt.downstream.checkpoints import model_refs

    runs, names = split_list(run), split_list(checkpoints)
    return model_refs(
        workspace(ctx), model, list(runs) if runs else None, list(names) if names else None, not no_base
    )


def register(root: typer.Typer) -> None:
    from xlt.commands.downstream import mt, pos  # noqa: F401  (their commands join `app`)

    root.add_typer(app, name="downstream")
