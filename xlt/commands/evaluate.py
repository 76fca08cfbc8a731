"""`xlt evaluate`: the checkpoint × LR-language perplexity matrix, with the zero-shot base row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xlt.commands._common import console, err_console, state, workspace
from xlt.errors import UsageError

if TYPE_CHECKING:
    import polars as pl

    from xlt.workspace import Workspace


class RichReporter:
    """Progress bar and warnings on the terminal."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("evaluating", total=None)

    def start(self, total: int) -> None:
        self.progress.update(self.task, total=total)

    def advance(self, n: int, description: str) -> None:
        self.progress.update(self.task, advance=n, description=description)

    def warn(self, message: str) -> None:
        self.progress.console.print(f"[yellow]warning:[/] {message}", highlight=False)


def _split(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(item.strip() for item in value.split(",") if item.strip())


def _languages(value: str | None) -> tuple[str, ...] | None:
    from xlt.languages import resolve_many

    return None if value is None else tuple(lang.iso3 for lang in resolve_many(value))


def evaluate(
    ctx: typer.Context,
    all_lr: Annotated[
        bool, typer.Option("--all-lr", help="Every language of tier `lr` in the corpus.")
    ] = False,
    lr: Annotated[
        str | None, typer.Option("--lr", help="Comma-separated LR languages instead of --all-lr.")
    ] = None,
    run: Annotated[
        str | None, typer.Option("--run", help="Comma-separated run ids; default: all runs.")
    ] = None,
    hr: Annotated[
        str | None, typer.Option("--hr", help="Only runs pretrained on these HR languages.")
    ] = None,
    checkpoints: Annotated[
        str | None,
        typer.Option("--checkpoints", help="Comma-separated checkpoint names, e.g. step-100,step-200."),
    ] = None,
    split: Annotated[
        str, typer.Option("--split", help="Eval text: train (larger; LR text is never trained on) or valid.")
    ] = "train",
    input_length: Annotated[
        int | None, typer.Option("--input-length", help="Tokens per masked input; default: the runs' own.")
    ] = None,
    max_blocks: Annotated[
        int, typer.Option("--max-blocks", help="At most this many examples per language.")
    ] = 256,
    eval_seeds: Annotated[
        int, typer.Option("--eval-seeds", help="Mask draws (seeds 0..N-1); the table shows mean ± std.")
    ] = 1,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", help="Examples per forward pass; default: ~1 GiB of logits."),
    ] = None,
    precision: Annotated[
        str,
        typer.Option(
            "--precision", help="auto (bf16 where native), bf16 or fp32 (bf16 = fp32 ± 0.002 nats)."
        ),
    ] = "auto",
    no_base: Annotated[bool, typer.Option("--no-base", help="Skip the zero-shot base-model row.")] = False,
    baselines: Annotated[
        bool,
        typer.Option(
            "--baselines",
            help="Also score random-init and token-frequency (unigram) baselines on the same eval sets "
            "and show them under the matrix (results/baselines.parquet).",
        ),
    ] = False,
) -> None:
    """Score checkpoints on low-resource languages: masked-LM perplexity, same masks for every model.

    Every checkpoint of every run (or --run/--hr/--checkpoints) and each run's base model (zero-shot)
    are scored on fixed span-masked examples of each LR language; results go to
    results/perplexity.parquet. Cells already there are skipped: re-run the same command to resume.
    Several processes/GPUs: accelerate launch -m xlt evaluate --all-lr (checkpoints are split).
    --baselines adds rows for a random-init model, "unigram <hr>" (HR token frequencies) and "unigram
    self (oracle)" (the LR language's own frequencies from its other split); stored baselines computed
    on the same eval sets are shown even without the flag.

    Example: xlt evaluate --all-lr --eval-seeds 3
    """
    from xlt.evaluation import EvalOptions, evaluate_workspace

    if all_lr and lr is not None:
        raise UsageError("--all-lr and --lr exclude each other", "use one of them")
    if not all_lr and lr is None:
        raise UsageError("which LR languages?", "add --all-lr, or --lr with comma-separated languages")
    options = EvalOptions(
        runs=_split(run),
        hr_langs=_languages(hr),
        checkpoints=_split(checkpoints),
        lr_langs=_languages(lr),
        split=split,  # type: ignore[arg-type]
        input_length=input_length,
        max_blocks=max_blocks,
        eval_seeds=eval_seeds,
        batch_size=batch_size,
        precision=precision,  # type: ignore[arg-type]
        include_base=not no_base,
    )
    if not state(ctx).verbose:
        _quiet_transformers()
    from xlt.processes import process_state

    main_process = process_state().is_main_process  # under `accelerate launch`, one table, one bar
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True, disable=not main_process) as progress:
        results = evaluate_workspace(workspace(ctx), options, RichReporter(progress))
    if not main_process:
        return
    if results.is_empty():
        err_console.print("no cell could be evaluated (see the warnings above)")
        raise typer.Exit(1)
    baseline_rows = _baselines(workspace(ctx), options, compute=baselines, columns=columns)
    console.print(matrix_table(results, baseline_rows))
    console.print(best_table(results))
    console.print(_settings_line(workspace(ctx), results), highlight=False)
    console.print(f"results: {workspace(ctx).perplexity_path}", highlight=False)
    if baseline_rows is not None:
        from xlt.evaluation.baselines import baselines_path

        console.print(
            f"baselines: {baselines_path(workspace(ctx))} (unigram self is an oracle: the LR language's own "
            "token frequencies, from its other split)",
            highlight=False,
        )


def _baselines(
    ws: Workspace, options: object, compute: bool, columns: tuple[object, ...]
) -> pl.DataFrame | None:
    """The baseline rows to show: computed now (--baselines), else stored ones on the same eval sets."""
    from xlt.evaluation.baselines import compute_baselines, matching_baselines

    if not compute:
        stored = matching_baselines(ws)
        return stored if stored.height else None
    with Progress(*columns, console=err_console, transient=True) as progress:  # type: ignore[arg-type]
        reporter = RichReporter(progress)
        progress.update(reporter.task, description="baselines")
        return compute_baselines(ws, options, reporter)  # type: ignore[arg-type]


def _settings_line(ws: Workspace, results: pl.DataFrame) -> str:
    """What every cell was scored on: split, cap, input length, target tokens per language."""
    import json

    from xlt.evaluation.runner import SETTINGS_FILE

    try:
        settings = json.loads((ws.results_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    per_lang = results.select("lr_lang", "n_tokens").unique()["n_tokens"]
    low, high = per_lang.min(), per_lang.max()
    tokens = f"{low:,}" if low == high else f"{low:,}–{high:,}"
    return (
        f"eval sets: {settings['split']} split, at most {settings['max_blocks']} examples of "
        f"{settings['input_length']} input tokens per language ({tokens} target tokens), "
        "the same masked examples for every checkpoint"
    )


def _quiet_transformers() -> None:
    """No per-model "Loading weights" bars or load-time warnings between our own progress lines."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def matrix_table(results: pl.DataFrame, baselines: pl.DataFrame | None = None) -> Table:
    """Checkpoints as rows, LR languages as columns; green = lower perplexity than zero-shot, red = higher.

    `baselines` (rows of results/baselines.parquet) become extra, labelled rows in a section under the
    checkpoints, for the base models shown and the same mask seeds.
    """
    import polars as pl

    from xlt.evaluation.results import BASE_RUN_ID, format_cell, perplexity_matrix

    matrix = perplexity_matrix(results, with_std=True)
    langs = [c for c in matrix.columns if c not in {"run_id", "hr_lang", "checkpoint", "step", "model"}]
    langs = [c for c in langs if not c.endswith("_std")]
    base = {row["model"]: row for row in matrix.filter(pl.col("run_id") == BASE_RUN_ID).iter_rows(named=True)}
    n_seeds = results["eval_seed"].n_unique()
    caption = f"zero-shot = {', '.join(base)} before pretraining" if len(base) == 1 else None
    spread = f"mean±std over {n_seeds} mask seeds" if n_seeds > 1 else "one mask seed"
    title = f"Perplexity on LR languages (lower is better; green/red: better/worse than zero-shot; {spread})"
    table = Table(title=title, caption=caption)
    table.add_column("run", overflow="fold")
    table.add_column("HR")
    table.add_column("step", justify="right")
    for lang in langs:
        table.add_column(lang, justify="right", overflow="fold")  # wrap, never cut a number
    for row in matrix.iter_rows(named=True):
        is_base = row["run_id"] == BASE_RUN_ID
        cells = []
        for lang in langs:
            text = format_cell(row[lang], None)
            zero = base.get(row["model"], {}).get(lang)
            if not is_base and row[lang] is not None and zero is not None:
                text = f"[{'green' if row[lang] < zero else 'red'}]{text}[/]"
            if row[f"{lang}_std"] is not None:  # the spread over mask seeds on its own line: narrow columns
                text += f"\n[dim]±{format_cell(row[f'{lang}_std'], None)}[/]"
            cells.append(text)
        name = (f"zero-shot ({row['model']})" if len(base) > 1 else "zero-shot") if is_base else row["run_id"]
        step = "–" if is_base else str(row["step"])
        table.add_row(name, row["hr_lang"] or "–", step, *cells, style="bold" if is_base else None)
    if baselines is not None and baselines.height:
        seeds = results["eval_seed"].unique().to_list()
        models = results["model"].unique().to_list()
        shown = baselines.filter(pl.col("model").is_in(models) & pl.col("eval_seed").is_in(seeds))
        _add_baseline_rows(table, shown, langs, several_models=len(models) > 1)
    return table


def _add_baseline_rows(table: Table, baselines: pl.DataFrame, langs: list[str], several_models: bool) -> None:
    """A section of baseline rows (random init, unigram <hr>, unigram self (oracle)) in the matrix table."""
    import polars as pl

    from xlt.evaluation.baselines import baseline_label, baseline_summary
    from xlt.evaluation.results import format_cell

    summary = baseline_summary(baselines)
    if summary.is_empty():
        return
    table.add_section()
    keys = summary.select("model", "baseline", "source_lang").unique(maintain_order=True)
    for model, baseline, source in keys.iter_rows():
        cells = summary.filter((pl.col("model") == model) & (pl.col("baseline") == baseline))
        by_lang = {row["lr_lang"]: row for row in cells.iter_rows(named=True)}
        texts = []
        for lang in langs:
            row = by_lang.get(lang)
            text = format_cell(row["perplexity"], None) if row else "–"
            if row and row["perplexity_std"] is not None:
                text += f"\n[dim]±{format_cell(row['perplexity_std'], None)}[/]"
            texts.append(text)
        name = baseline_label(baseline, source) + (f" ({model})" if several_models else "")
        table.add_row(f"[italic]{name}[/]", source or "–", "–", *texts)


def best_table(results: pl.DataFrame) -> Table:
    """The best checkpoint per LR language and its gain over zero-shot."""
    from xlt.evaluation.results import best_checkpoints, format_cell

    table = Table("LR", "best checkpoint", "HR", "perplexity", "zero-shot", "gain", title="Best checkpoint")
    for row in best_checkpoints(results).iter_rows(named=True):
        gain = row["gain"]
        gain_text = "–" if gain is None else f"[{'green' if gain > 0 else 'red'}]{gain:+.1%}[/]"
        table.add_row(
            row["lr_lang"],
            f"{row['run_id']}/{row['checkpoint']}",
            row["hr_lang"] or "–",
            format_cell(row["perplexity"], row["perplexity_std"]),
            format_cell(row["zero_shot_perplexity"], None),
            gain_text,
        )
    return table


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate)
