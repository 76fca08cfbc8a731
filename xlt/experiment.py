"""The whole experiment as a script of xlt's own commands: the plan (running it: xlt.stage_runner).

Each stage is exactly the command a researcher would type, run as its own process, so the experiment
is a script of the other commands rather than a second implementation of them. Every stage skips the
work whose output already exists, so re-running the experiment resumes it and finishes in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from xlt.contracts.languages import languages_in_tier
from xlt.contracts.runs import make_run_id
from xlt.errors import UsageError, WorkspaceError
from xlt.sources.sample import RELATED_DONOR
from xlt.workspace import Workspace

# Tier thresholds for the offline sample corpus. The paper's (350k / 10k whitespace tokens) would leave
# the sample without HR languages: its HR-like languages hold 40k-450k tokens, its LR-like ones ~15k
# (`xlt collect sample` caps them). 10k stays the paper's lower bound, so the 4k-token Mixtec is excluded.
SAMPLE_HR_MIN_TOKENS = 30_000
SAMPLE_LR_MIN_TOKENS = 10_000
EMBEDDED_MODELS = ("auto", "base", "tiny", "small")
# The embedded demo's continued pretraining: 2 seeds per donor (issue 15: seed spread next to the example
# intervals), 80 steps each (80 × 32 × 64 = 164k input tokens, about one pass over the related donor's
# text) and a checkpoint at the middle and the end (half the evaluation of 4 checkpoints). Four donors × 2
# seeds then cost what 4 × 160 steps did.
DEMO_RUNS = 2
DEMO_STEPS = 80
DEMO_CHECKPOINT_EVERY = 0.5
# Evaluation examples per LR language: 128 of `evaluate`'s 256 halve the evaluation of 17 checkpoints
# (the base and 2 per run) on 6 languages; the paired intervals widen by ~1.4x, which the control's
# gains (+30 % to +75 %, intervals of ±2-6 points at 256) and the unrelated donors' losses carry.
DEMO_MAX_BLOCKS = 128
# MT compares the related donor's run with an unrelated one on Spanish -> a Nahuatl recipient (azz: the
# recipient with the most axolotl pairs, 2,343).
MT_UNRELATED_DONOR = "spa"
MT_SRC, MT_TGT = "spa", "azz"
# `--quick`: a handful of steps and examples per stage, to check the pipeline rather than the science.
QUICK = {
    "runs": 1, "base_steps": 4, "steps": 4, "mt_steps": 2, "vocab_size": 1000, "max_blocks": 8,
    "eval_blocks": 16, "mt_test_size": 8,
}  # fmt: skip


# Stages of the embedded model after the base model run side by side, each as soon as what it needs
# exists (ExperimentPlan.tail), each process with its share of the cores (xlt.stage_runner: never more
# processes than CPUs): a model this small uses a second thread poorly. Measured on 2 idle cores
# (2026-12-02, the 13.6M-parameter tiny model of then): two donors (2 seeds x 80 steps) one after the
# other at 2 threads took 2 x 94.6 s, side by side at 1 thread each 152 s (1.24x).
EMBEDDED_JOBS = 4


@dataclass
class Stage:
    """One command of the experiment and how long it took.

    Consecutive stages with the same `group` run side by side, each as soon as a CPU is free and the
    stages of its group that it `needs` (by `key`) have finished; in list order otherwise, so the list is
    also the order in which they run one after the other. `runs` (with `steps` each) are the training
    runs whose events show how far the stage is. A `retried` stage's failure does not stop the
    experiment: a later stage redoes its work (an MT system: the comparing stage fine-tunes any system
    it does not find, in the foreground, where its error shows).
    """

    title: str
    args: list[str]
    seconds: float | None = None
    group: str | None = None
    runs: tuple[str, ...] = ()
    steps: int | None = None
    retried: bool = False
    key: str = ""
    needs: tuple[str, ...] = ()

    @property
    def command(self) -> str:
        return "xlt " + " ".join(self.args)


def _opt(name: str, value: object | None) -> list[str]:
    """`[name, value]`, or nothing when the value is left to the stage's own default."""
    return [] if value is None else [name, str(value)]


@dataclass
class ExperimentPlan:
    """The experiment's options, resolved into commands. `None` leaves a value to the stage's default."""

    model: str = "auto"
    runs: int | None = None  # default: DEMO_RUNS for the embedded model, 1 for others
    seed: int = 0
    sample: bool = True
    downstream: bool = True
    hr: list[str] = field(default_factory=list)  # default: every `hr` tier language of the corpus
    steps: int | None = None
    base_steps: int | None = None
    mt_steps: int | None = None
    vocab_size: int | None = None
    max_blocks: int | None = None  # evaluation examples per LR language
    eval_blocks: int | None = None  # validation examples of each pretraining run
    mt_test_size: int | None = None
    mt_learning_rate: float | None = None
    checkpoint_every: float | None = None
    quick: bool = False
    jobs: int | None = None  # stages side by side; default EMBEDDED_JOBS for the embedded model, else 1

    def __post_init__(self) -> None:
        if self.quick:  # a smoke test of every stage and file contract in about a minute
            for name, value in QUICK.items():
                if getattr(self, name) is None:
                    setattr(self, name, value)
        if self.embedded:  # the demo's recipe (the comments at DEMO_RUNS); hub models keep the paper's
            demo: dict[str, object] = {
                "runs": DEMO_RUNS, "steps": DEMO_STEPS, "checkpoint_every": DEMO_CHECKPOINT_EVERY,
                "max_blocks": DEMO_MAX_BLOCKS,
            }  # fmt: skip
            for field_name, default in demo.items():
                if getattr(self, field_name) is None:
                    setattr(self, field_name, default)
        self.runs = 1 if self.runs is None else self.runs
        if self.runs < 1:
            raise UsageError("--runs must be at least 1")
        # A hub model trains on one accelerator, one run at a time (a cluster sweep is `xlt sweep`).
        self.jobs = self.jobs if self.jobs is not None else EMBEDDED_JOBS if self.embedded else 1
        if self.jobs < 1:
            raise UsageError("--jobs must be at least 1", "1 runs the stages one after the other")

    @property
    def embedded(self) -> bool:
        return self.model in EMBEDDED_MODELS

    def head(self) -> list[Stage]:
        """Stages up to the clean corpus (the HR languages are known only after them)."""
        stages = []
        seed = ["--seed", str(self.seed)]
        if self.sample:
            stages.append(Stage("collect the sample corpus", ["collect", "sample", *seed]))
        clean = ["clean", *seed]
        if self.sample:
            clean += [
                "--hr-min-tokens",
                str(SAMPLE_HR_MIN_TOKENS),
                "--lr-min-tokens",
                str(SAMPLE_LR_MIN_TOKENS),
            ]
        stages.append(Stage("clean, split and tier the corpus", clean))
        if self.embedded:
            base = ["pretrain", "--base", *seed, *_opt("--steps", self.base_steps)]
            if self.sample:  # zero-shot must not have seen the control donor either
                base += ["--exclude", RELATED_DONOR]
            base += [*_opt("--vocab-size", self.vocab_size), *_opt("--eval-blocks", self.eval_blocks)]
            stages.append(Stage("pretrain the base model on all HR languages (LR never seen)", base))
        return stages

    def tail(self, hr_langs: list[str]) -> list[Stage]:
        """Continued pretraining per HR language, then evaluation, analysis, downstream.

        With jobs > 1 all but the last (the MT comparison) form one group: a CPU that one stage frees
        takes the first stage in list order whose inputs exist (evaluation after every donor, analysis
        after evaluation, a donor's MT system after its pretraining, the base model's as soon as the
        donors have all started), so no CPU waits for the slowest stage of a phase. (Listing the base
        model's MT system first would be slower: replayed with the demo's stage times, the group
        ends at 411 s instead of 374 s.) Measured on 2 cores (2026-12-02): the
        demo's group took its stages' CPU seconds / 2 within a few seconds (747 in 376 s), where the
        phases it replaced (donors; evaluation beside MT; analysis) lost ~20 s
        (benchmarks/bench_stage_order.py).
        """
        model = "base" if self.embedded else self.model
        group = self._group("tail")
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
            args += [*_opt("--steps", self.steps), *_opt("--checkpoint-every", self.checkpoint_every)]
            args += _opt("--eval-blocks", self.eval_blocks)
            role = " (related donor: the positive control)" if hr == RELATED_DONOR and self.sample else ""
            runs = tuple(make_run_id(hr, model, self.seed + k) for k in range(self.runs or 1))
            stages.append(
                Stage(f"continue pretraining on {hr}{role}", args, group=group, runs=runs, steps=self.steps,
                      key=_pretrain_key(hr))
            )  # fmt: skip
        evaluate = ["evaluate", "--all-lr", "--baselines", *_opt("--max-blocks", self.max_blocks)]
        title = "perplexity of every checkpoint and the base on every LR language"
        stages.append(Stage(title, evaluate, group=group, key="evaluate", needs=tuple(s.key for s in stages)))
        stages.append(
            Stage("analyze: overlap, typology, transfer, donors, recipients, plots", ["analyze", "all"],
                  group=group, key="analyze", needs=("evaluate",))
        )  # fmt: skip
        return [*stages, *(self.mt_stages(hr_langs, model, group) if self.downstream else [])]

    def _group(self, name: str) -> str | None:
        return name if self.jobs and self.jobs > 1 else None

    def mt_stages(self, hr_langs: list[str], model: str, group: str | None) -> list[Stage]:
        """MT on Spanish -> a Nahuatl recipient: the base model and the first seed's final checkpoint of
        the related donor and of an unrelated one (those of them that are pretrained).

        With a `group` each system is fine-tuned by its own process first (`--no-base --run X`, in the
        group, once its donor is pretrained); the last stage, the one comparing them, then reads every
        system back from results/mt_outputs.parquet (same settings, same test set) and only scores and
        compares.
        """
        donors = [hr for hr in (RELATED_DONOR, MT_UNRELATED_DONOR) if hr in hr_langs]
        runs = [make_run_id(hr, model, self.seed) for hr in donors]
        mt = ["downstream", "mt", "--src-lang", MT_SRC, "--tgt-lang", MT_TGT, "--seed", str(self.seed)]
        mt += [*_opt("--steps", self.mt_steps), *_opt("--test-size", self.mt_test_size)]
        mt += _opt("--learning-rate", self.mt_learning_rate)
        what = " and ".join(["the base model", *(f"{hr}'s run" for hr in donors)])
        compare = Stage(
            f"downstream MT {MT_SRC} -> {MT_TGT}: fine-tune {what}, same test set",
            [*mt, *(["--run", ",".join(runs)] if runs else [])],
        )
        if group is None or not runs:
            return [compare]
        title = f"MT {MT_SRC} -> {MT_TGT}: fine-tune"
        systems = [Stage(f"{title} the base model", mt, group=group, retried=True, key="mt:base")]
        for hr, run in zip(donors, runs, strict=True):
            systems.append(
                Stage(f"{title} {hr}'s run", [*mt, "--no-base", "--run", run], group=group, retried=True,
                      key=f"mt:{hr}", needs=(_pretrain_key(hr),))
            )  # fmt: skip
        compare.title = f"downstream MT {MT_SRC} -> {MT_TGT}: score and compare {what}"
        return [*systems, compare]

    def options(self) -> dict[str, object]:
        """The plan's fields (for a record of what ran)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _pretrain_key(hr: str) -> str:
    return f"pretrain:{hr}"


def stage_groups(stages: list[Stage], first: int) -> list[tuple[int, list[Stage]]]:
    """(index of the first, stages) to run together: consecutive stages of one group; every other stage
    alone."""
    out: list[tuple[int, list[Stage]]] = []
    for index, stage in enumerate(stages, start=first):
        if out and stage.group is not None and out[-1][1][-1].group == stage.group:
            out[-1][1].append(stage)
        else:
            out.append((index, [stage]))
    return out


def hr_languages(workspace: Workspace, plan: ExperimentPlan) -> list[str]:
    """The HR languages to pretrain on: as named, else every `hr` tier language of the clean corpus."""
    from xlt.languages import resolve

    if plan.hr:  # `spa,Spanish` is one donor
        return list(dict.fromkeys(resolve(name).iso3 for name in plan.hr))
    found = languages_in_tier(workspace, "hr")
    if not found:
        raise WorkspaceError(
            "no `hr` tier language in the corpus", "collect more text, or name them with --hr"
        )
    return found
