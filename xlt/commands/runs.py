"""`xlt runs`: the training runs of a workspace and where each stands, from their events."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xlt.commands._common import console, warn, workspace


def runs(
    ctx: typer.Context,
    hr: Annotated[str | None, typer.Option("--hr", help="Only runs of this HR language (ISO 639-3).")] = None,
) -> None:
    """List training runs: status, step/total, loss, validation perplexity, tokens/s and ETA.

    Reads only runs/<id>/events.jsonl (and the base model's models/base-run/), so it is safe to call
    while training is going on.

    Example: xlt runs --hr spa
    """
    from xlt import languages
    from xlt.contracts.runs import run_problems, run_summaries

    ws = workspace(ctx)
    for problem in run_problems(ws):
        warn(problem)
    summaries = run_summaries(ws, languages.resolve(hr).iso3 if hr else None)
    if not summaries:
        console.print("no runs yet (start one with `xlt pretrain --hr LANG`)")
        return
    table = Table()
    table.add_column("run", no_wrap=True)
    for name in ("status", "step", "loss", "val ppl", "tok/s", "ETA", "ckpts"):
        table.add_column(name, justify="left" if name == "status" else "right")
    for s in summaries:
        table.add_row(
            s.run_id,
            s.status if not s.error else f"{s.status}: {s.error}",
            f"{s.step}/{s.total_steps or '?'}",
            "-" if s.loss is None else f"{s.loss:.3f}",
            "-" if s.val_perplexity is None else f"{s.val_perplexity:,.1f}",
            "-" if s.tokens_per_s is None else f"{s.tokens_per_s:,.0f}",
            _eta(s.eta_s) if s.status == "running" else "-",
            str(len(s.checkpoints)),
        )
    console.print(table)


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def register(app: typer.Typer) -> None:
    app.command("runs")(runs)
