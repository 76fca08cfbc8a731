"""What `xlt pretrain` did: one row per run, or the base model and how well it learned."""

from __future__ import annotations

from rich.table import Table

from xlt.commands._common import console
from xlt.training import BaseResult, RunResult


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def render_runs(results: list[RunResult]) -> None:
    table = Table()
    table.add_column("run", no_wrap=True)
    for name in ("status", "steps", "val ppl start", "val ppl end", "unigram ppl", "ckpts", "seconds"):
        table.add_column(name, justify="left" if name == "status" else "right")
    for r in results:
        if r.skipped:
            status = "skipped (finished)"
        else:
            status = f"resumed at {r.resumed_from}" if r.resumed_from else "trained"
        table.add_row(
            r.run_id, status, f"{r.final_step}/{r.total_steps}", _fmt(r.start_val_perplexity),
            _fmt(r.final_val_perplexity), _fmt(r.unigram_val_perplexity), str(len(r.checkpoints)),
            f"{r.seconds:.0f}",
        )  # fmt: skip
    console.print(table)


def render_base(result: BaseResult) -> None:
    verb = "exists (skipped; --force trains it again)" if result.skipped else "saved"
    console.print(f"base model {result.label} {verb}: {result.path}")
    langs = ", ".join(f"{lang} ({n:,} blocks)" for lang, n in result.languages.items())
    console.print(f"trained on: {langs}")
    console.print(
        f"validation perplexity {_fmt(result.val_perplexity)} "
        f"(unigram baseline on the same targets: {_fmt(result.unigram_perplexity)})"
    )
