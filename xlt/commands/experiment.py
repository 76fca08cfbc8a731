"""`xlt experiment`: the whole pipeline, stage after stage, as the individual commands run it.

Each stage is exactly the command a researcher would type (printed before it runs), so the experiment
is a script of the other commands rather than a second implementation of them. Every stage skips the
work whose output already exists, so re-running the experiment resumes it and finishes in seconds.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.rule import Rule
from rich.table import Table

from xlt.commands._common import SeedOpt, console, workspace
from xlt.errors import UsageError, XltError
from xlt.workspace import Workspace

# Tier thresholds for the offline sample corpus. The paper's (350k / 10k whitespace tokens) would leave
# the sample without HR languages: its HR-like languages hold 40k-450k tokens, its LR-like ones ~15k
# (`xlt collect sample` caps them). 10k stays the paper's lower bound, so the 4k-token Mixtec is excluded.
SAMPLE_HR_MIN_TOKENS = 30_000
SAMPLE_LR_MIN_TOKENS = 10_000
EMBEDDED_MODELS = ("auto", "base", "tiny", "small")
# `--quick`: a handful of steps and examples per stage, to check the pipeline rather than the science.
QUICK = {"base_steps": 4, "steps": 4, "mt_steps": 2, "vocab_size": 1000, "max_blocks": 8, "mt_test_size": 8}


@dataclass
class Stage:
    """One command of the experiment and how long it took."""

    title: str
    args: list[str]
    seconds: float | None = None
    error: str | None = None


@dataclass
class Plan:
    """The experiment's options, resolved into commands."""

    model: str
    runs: int
    seed: int
    sample: bool
    downstream: bool
    steps: int | None = None
    base_steps: int | None = None
    mt_steps: int | None = None
    vocab_size: int | None = None
    max_blocks: int | None = None
    mt_test_size: int | None = None

    @classmethod
    def quick(cls, **kwargs: object) -> Plan:
        """A smoke test of every stage and file contract in about a minute: results mean nothing."""
        plan = cls(**kwargs)  # type: ignore[arg-type]
        for name, value in QUICK.items():
            if getattr(plan, name) is None:
                setattr(plan, name, value)
        return plan

    @property
    def embedded(self) -> bool:
        return self.model in EMBEDDED_MODELS

    def head(self) -> list[Stage]:
        """Stages up to the clean corpus (the HR languages are known only after them)."""
        stages = []
        if self.sample:
            stages.append(Stage("collect the sample corpus", ["collect", "sample", "--seed", str(self.seed)]))
        clean = ["clean", "--seed", str(self.seed)]
        if self.sample:
            clean += [
                "--hr-min-tokens",
                str(SAMPLE_HR_MIN_TOKENS),
                "--lr-min-tokens",
                str(SAMPLE_LR_MIN_TOKENS),
            ]
        stages.append(Stage("clean, split and tier the corpus", clean))
        if self.embedded:
            base = ["pretrain", "--base", "--seed", str(self.seed), *_opt("--steps", self.base_steps)]
            base += _opt("--vocab-size", self.vocab_size)
            stages.append(Stage("pretrain the base model on all HR languages (LR never seen)", base))
        return stages

    def tail(self, hr_langs: list[str]) -> list[Stage]:
        """Continued pretraining per HR language, then evaluation, analysis, downstream."""
        model = "base" if self.embedded else self.model
        stages = []
        for hr in hr_langs:
            args = [
                "pretrain",
                "--hr",
                hr,
                "--model",
                model,
                "--runs",
                str(self.runs),
                "--seed",
                str(self.seed),
            ]
            args += _opt("--steps", self.steps)
            stages.append(Stage(f"continue pretraining on {hr}", args))
        stages.append(
            Stage(
                "perplexity of every checkpoint and the base on every LR language",
                ["evaluate", "--all-lr", "--baselines", *_opt("--max-blocks", self.max_blocks)],
            )
        )
        stages.append(
            Stage("analyze: overlap, typology, transfer, donors, recipients, plots", ["analyze", "all"])
        )
        if self.downstream:
            stages.append(
                Stage(
                    "downstream MT: fine-tune the base model on one Spanish-LR pair",
                    [
                        "downstream",
                        "mt",
                        "--seed",
                        str(self.seed),
                        *_opt("--steps", self.mt_steps),
                        *_opt("--test-size", self.mt_test_size),
                    ],
                )
            )
        return stages


def _opt(name: str, value: object | None) -> list[str]:
    """`[name, value]`, or nothing when the value is left to the stage's own default."""
    return [] if value is None else [name, str(value)]


def _run_stage(ws: Workspace, stage: Stage, index: int) -> None:
    """Run one stage as its own process, exactly as `xlt --workspace WS ARGS...` typed by hand.

    A process per stage keeps the stages as independent as the commands are (Accelerate's process-wide
    state, torch threads, memory) and shows the user the command they can re-run alone.
    """
    console.print(Rule(f"[bold][{index}] {stage.title}"))
    console.print(f"[dim]$ xlt {' '.join(stage.args)}[/dim]")
    start = time.perf_counter()
    command = [sys.executable, "-m", "xlt", "--workspace", str(ws.root), *stage.args]
    completed = subprocess.run(command, check=False)
    stage.seconds = time.perf_counter() - start
    if completed.returncode != 0:
        command_line = "xlt " + " ".join(stage.args)
        raise XltError(
            f"stage {index} ({stage.title}) failed: `{command_line}` exited {completed.returncode}",
            "fix what it reported and re-run `xlt experiment`: finished stages are reused",
        )
    console.print(f"[green]done[/green] in {stage.seconds:.1f} s")


def _hr_languages(ws: Workspace, chosen: list[str]) -> list[str]:
    from xlt.cleaning import languages_in_tier
    from xlt.languages import resolve

    if chosen:
        return [resolve(name).iso3 for name in chosen]
    return languages_in_tier(ws, "hr")


def _summary(ws: Workspace, stages: list[Stage], started: float) -> None:
    table = Table("stage", "command", "seconds", title="experiment", title_justify="left")
    for stage in stages:
        table.add_row(stage.title, "xlt " + " ".join(stage.args), f"{stage.seconds or 0:.1f}")
    console.print(table)
    console.print(f"total: {time.perf_counter() - started:.0f} s")
    plots = (
        sorted(p.relative_to(ws.root) for p in ws.analysis_dir.glob("*.png"))
        if ws.analysis_dir.exists()
        else []
    )
    if plots:
        console.print(f"plots: {ws.analysis_dir}/ ({', '.join(str(p) for p in plots)})")
    console.print(f"tables: {ws.analysis_dir}/*.parquet and *.csv; results: {ws.results_dir}/")
    console.print(f"look at it: xlt --workspace {ws.root} tui")


def experiment(
    ctx: typer.Context,
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="auto: the embedded tiny model (its own base model is pretrained first); or a hub id "
            "(google/mt5-base) or saved directory, which is then the base model.",
        ),
    ] = "auto",
    sample: Annotated[
        bool,
        typer.Option(
            "--sample/--no-sample", help="Collect the offline sample corpus first (else use raw/ as is)."
        ),
    ] = True,
    hr: Annotated[
        str | None,
        typer.Option("--hr", help="Comma-separated HR languages (default: every `hr` tier language)."),
    ] = None,
    runs: Annotated[int, typer.Option("--runs", help="Seeds per HR language (paper: 5).")] = 1,
    steps: Annotated[
        int | None, typer.Option("--steps", help="Optimizer steps per HR run (default: the recipe's).")
    ] = None,
    downstream: Annotated[
        bool,
        typer.Option(
            "--downstream/--no-downstream", help="Finish with MT fine-tuning on one Spanish-LR pair."
        ),
    ] = True,
    seed: SeedOpt = 0,
    base_steps: Annotated[
        int | None,
        typer.Option("--base-steps", help="Steps of base-model pretraining (default: the recipe's)."),
    ] = None,
    mt_steps: Annotated[
        int | None, typer.Option("--mt-steps", help="MT fine-tuning steps (default: by size).")
    ] = None,
    vocab_size: Annotated[
        int | None,
        typer.Option("--vocab-size", help="Size of the workspace tokenizer of the embedded model."),
    ] = None,
    max_blocks: Annotated[
        int | None,
        typer.Option("--max-blocks", help="Evaluation examples per LR language (default: evaluate's)."),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="Smoke test: a handful of steps and examples per stage; numbers mean nothing."
        ),
    ] = False,
) -> None:
    """Run the whole experiment: collect, clean, pretrain, evaluate, analyze, downstream.

    With the defaults it runs offline on the embedded tiny model and the sample corpus in minutes on a
    CPU; each stage prints the command it runs, so every step can be re-run or changed by hand.
    Re-running resumes: finished work is reused.

    Example: xlt experiment
    Example: xlt --workspace paper experiment --no-sample --model google/mt5-base --hr spa,eng --runs 5
    """
    if runs < 1:
        raise UsageError("--runs must be at least 1")
    ws = workspace(ctx)
    plan = (Plan.quick if quick else Plan)(
        model=model,
        runs=runs,
        seed=seed,
        sample=sample,
        downstream=downstream,
        steps=steps,
        base_steps=base_steps,
        mt_steps=mt_steps,
        vocab_size=vocab_size,
        max_blocks=max_blocks,
    )
    started = time.perf_counter()
    done: list[Stage] = []
    head = plan.head()
    for i, stage in enumerate(head, start=1):
        _run_stage(ws, stage, i)
        done.append(stage)
    hr_langs = _hr_languages(ws, [h for h in (hr or "").split(",") if h.strip()])
    if not hr_langs:
        raise UsageError("no `hr` tier language in the corpus", "collect more text, or name them with --hr")
    tail = plan.tail(hr_langs)
    for i, stage in enumerate(tail, start=len(head) + 1):
        _run_stage(ws, stage, i)
        done.append(stage)
    _summary(ws, done, started)


def register(app: typer.Typer) -> None:
    app.command("experiment")(experiment)
