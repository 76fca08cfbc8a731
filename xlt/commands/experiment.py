"""`xlt experiment`: the whole pipeline, stage after stage, as the individual commands run it."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from xlt.commands._common import HrListOpt, SeedOpt, split_list, workspace
from xlt.experiment import ExperimentPlan, Stage

D = ExperimentPlan
ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        help="auto: the embedded tiny model (its own base model is pretrained first); or a hub id "
        "(google/mt5-base) or saved directory, which is then the base model.",
    ),
]
SampleOpt = Annotated[
    bool,
    typer.Option(
        "--sample/--no-sample", help="Collect the offline sample corpus first (else use raw/ as is)."
    ),
]
RunsOpt = Annotated[
    int | None,
    typer.Option(
        "--runs", help="Seeds per HR language (default: 2 with the embedded model, else 1; paper: 5)."
    ),
]
StepsOpt = Annotated[
    int | None,
    typer.Option(
        "--steps", help="Optimizer steps per HR run (default: 80 with the embedded model, else the recipe's)."
    ),
]
DownstreamOpt = Annotated[
    bool,
    typer.Option("--downstream/--no-downstream", help="Finish with MT fine-tuning on one Spanish-LR pair."),
]
BaseStepsOpt = Annotated[
    int | None, typer.Option("--base-steps", help="Steps of base-model pretraining (default: the recipe's).")
]
MtStepsOpt = Annotated[
    int | None, typer.Option("--mt-steps", help="MT fine-tuning steps (default: by size).")
]
VocabOpt = Annotated[
    int | None, typer.Option("--vocab-size", help="Size of the workspace tokenizer of the embedded model.")
]
BlocksOpt = Annotated[
    int | None,
    typer.Option(
        "--max-blocks",
        help="Evaluation examples per LR language (default: 128 with the embedded model, else "
        "evaluate's 256).",
    ),
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        help="Stages after the base model run side by side, each as soon as its inputs exist (the donors, "
        "then evaluation, analysis; each MT system once its donor is pretrained), at most this many and "
        "never more than the CPUs, sharing them (default: 4 with the embedded model, else 1; 1: one "
        "after the other).",
    ),
]
RecheckOpt = Annotated[
    bool,
    typer.Option(
        "--recheck",
        help="Start every stage even when nothing has changed since the last finished experiment "
        "(each still skips its finished work).",
    ),
]
QuickOpt = Annotated[
    bool,
    typer.Option(
        "--quick", help="Smoke test: a handful of steps and examples per stage; numbers mean nothing."
    ),
]


def experiment(
    ctx: typer.Context,
    model: ModelOpt = D.model,
    sample: SampleOpt = D.sample,
    hr: HrListOpt = None,
    runs: RunsOpt = D.runs,
    steps: StepsOpt = D.steps,
    downstream: DownstreamOpt = D.downstream,
    seed: SeedOpt = D.seed,
    base_steps: BaseStepsOpt = D.base_steps,
    mt_steps: MtStepsOpt = D.mt_steps,
    vocab_size: VocabOpt = D.vocab_size,
    max_blocks: BlocksOpt = D.max_blocks,
    jobs: JobsOpt = D.jobs,
    quick: QuickOpt = D.quick,
    recheck: RecheckOpt = False,
) -> None:
    """Run the whole experiment: collect, clean, pretrain, evaluate, analyze, downstream.

    With the defaults it runs offline on the embedded tiny model and the sample corpus in minutes on a
    CPU; each stage prints the command it runs, so every step can be re-run or changed by hand.
    Re-running resumes: finished work is reused, and when nothing has changed since the experiment
    finished (logs/experiment.json) no stage is started at all.

    Example: xlt experiment
    Example: xlt --workspace paper experiment --no-sample --model google/mt5-base --hr spa,eng --runs 5
    """
    from xlt.commands.render.experiment import announce, done, nothing_to_do, run_side_by_side, summary
    from xlt.experiment import hr_languages, stage_groups
    from xlt.experiment_record import lock_path, unchanged_record, write_record
    from xlt.locks import exclusive
    from xlt.stage_runner import run_stage

    plan = ExperimentPlan(
        model=model, runs=runs, seed=seed, sample=sample, downstream=downstream, steps=steps,
        hr=list(split_list(hr) or ()), base_steps=base_steps, mt_steps=mt_steps, vocab_size=vocab_size,
        max_blocks=max_blocks, jobs=jobs, quick=quick,
    )  # fmt: skip
    ws = workspace(ctx, create=True)
    started = time.perf_counter()

    def run(stages: list[Stage], first: int) -> None:
        for index, group in stage_groups(stages, first):
            if len(group) > 1:
                run_side_by_side(ws, group, index, plan.jobs or 1)
                continue
            announce(index, group[0])
            run_stage(ws, group[0], index)
            done(group[0])

    with exclusive(lock_path(ws), f"the experiment in {ws.root}"):
        head = plan.head()
        record = None if recheck else unchanged_record(ws)
        if record is not None:  # the corpus is the recorded one: its HR languages give the same stages
            stages = head + plan.tail(hr_languages(ws, plan))
            if record.stages == [stage.args for stage in stages]:
                nothing_to_do(ws, stages, record)
                return
        run(head, 1)
        tail = plan.tail(hr_languages(ws, plan))  # the corpus is clean: the HR languages are known now
        run(tail, len(head) + 1)
        stages = head + tail
        seconds = time.perf_counter() - started
        write_record(
            ws, [stage.args for stage in stages], [stage.seconds or 0.0 for stage in stages], seconds
        )
    summary(ws, stages, seconds)


def register(app: typer.Typer) -> None:
    app.command("experiment")(experiment)
