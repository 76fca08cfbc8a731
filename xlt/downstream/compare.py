"""Compare MT systems on one split: models (the base model, runs' checkpoints) and two trivial baselines,
with paired bootstrap significance, and say in words what the comparison shows.

Every model is tested against the copy baseline and against the reference model (the first one, normally
the base model); the most-frequent baseline is tested too, so "translates" means significantly better
than both. chrF++ is the metric the verdict reads: at the BLEU levels of a tiny model (0–5) BLEU is mostly
zero n-gram matches, while chrF++ still ranks systems (Popović 2017).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xlt.contracts.downstream import SystemOutput, append_results
from xlt.downstream.checkpoints import ModelRef
from xlt.downstream.mt import MTOptions, Task, prepare_splits, score_model
from xlt.downstream.results import MTResult, result_from_output, score_rows
from xlt.downstream.scores import (
    COPY,
    MOST_FREQUENT,
    Interval,
    PairedResult,
    copy_hypotheses,
    most_frequent_hypotheses,
    paired_bootstrap,
)
from xlt.errors import InputError
from xlt.languages import resolve
from xlt.progress import Reporter
from xlt.workspace import Workspace

METRIC = "chrf++"


@dataclass(frozen=True)
class Comparison:
    """Every system's result on the same test set, and the paired tests between them."""

    results: list[MTResult]  # models first (the reference model first of all), then the two baselines
    intervals: dict[str, Interval]
    vs_copy: dict[str, PairedResult]
    vs_frequent: dict[str, PairedResult]
    vs_reference: dict[str, PairedResult]
    settings: str

    @property
    def models(self) -> list[MTResult]:
        return [r for r in self.results if not r.is_baseline]

    def baseline(self, run_id: str) -> MTResult:
        return next(r for r in self.results if r.ref.run_id == run_id)

    def verdict(self) -> list[str]:
        """What the comparison shows, in plain sentences (chrF++, p-values of the paired bootstrap)."""
        copy, frequent = self.baseline(COPY), self.baseline(MOST_FREQUENT)
        lines = [_against_baselines(r, self.vs_copy[r.ref.name], self.vs_frequent[r.ref.name], copy, frequent)
                 for r in self.models]  # fmt: skip
        if not any(self.vs_copy[r.ref.name].better(METRIC) for r in self.models):
            lines.append(
                "No model beats copying the source: at this scale fine-tuning has not taught any of them to "
                "translate, so these scores cannot show whether pretraining helped translation."
            )
        reference = self.models[0].ref.name
        for name, test in self.vs_reference.items():
            d, p = test.delta[METRIC], test.p_value[METRIC]
            word = (
                "better than"
                if test.better(METRIC)
                else "worse than"
                if test.worse(METRIC)
                else "no different from"
            )
            lines.append(f"{name} vs {reference}: chrF++ {d:+.1f} (p = {p:.3f}), {word} {reference}.")
        return lines


def _against_baselines(
    result: MTResult, copy_test: PairedResult, frequent_test: PairedResult, copy: MTResult, frequent: MTResult
) -> str:
    name, score = result.ref.name, result.chrf
    if copy_test.better(METRIC) and frequent_test.better(METRIC):
        return (
            f"{name} translates: chrF++ {score:.1f} beats copying the source ({copy.chrf:.1f}, "
            f"p = {copy_test.p_value[METRIC]:.3f}) and the most frequent sentence ({frequent.chrf:.1f})."
        )
    if not copy_test.better(METRIC):
        how = "significantly worse" if copy_test.worse(METRIC) else "not significantly different"
        above = "above" if frequent_test.better(METRIC) else "not above"
        return (
            f"{name} does not beat copying the source: chrF++ {score:.1f} against {copy.chrf:.1f}, {how} "
            f"(p = {copy_test.p_value[METRIC]:.3f}); no better than leaving it untranslated ({above} the "
            f"most frequent training sentence, {frequent.chrf:.1f}, p = {frequent_test.p_value[METRIC]:.3f})."
        )
    return (
        f"{name} beats copying the source (chrF++ {score:.1f} vs {copy.chrf:.1f}) but not the most frequent "
        f"training sentence ({frequent.chrf:.1f}, p = {frequent_test.p_value[METRIC]:.3f})."
    )


def _baseline(ref_id: str, checkpoint: str, hyps: list[str], task: Task) -> MTResult:
    output = SystemOutput(
        ref_id, checkpoint, task.src.iso3, task.tgt.iso3, task.settings, task.digest, hyps, "baseline"
    )
    return result_from_output(ModelRef("", ref_id, checkpoint), output, task.test, task.data)


def make_task(data_spec: str | None, src: str, tgt: str, options: MTOptions, **data_kwargs: Any) -> Task:
    """Load and split the data once; the test set is the first `test_size` test pairs."""
    src_lang, tgt_lang = resolve(src), resolve(tgt)
    if src_lang == tgt_lang:
        raise InputError(f"source and target are both {src_lang}", "choose two different languages")
    splits = prepare_splits(data_spec, src_lang, tgt_lang, options.seed, options.max_pairs, **data_kwargs)
    test = splits.test[: options.test_size] if options.test_size else splits.test
    label = data_spec or f"{data_kwargs.get('src_file')}|{data_kwargs.get('tgt_file')}"
    return Task(splits, test, src_lang, tgt_lang, str(label), options)


def compare_systems(
    workspace: Workspace,
    refs: list[ModelRef],
    data_spec: str | None,
    src: str,
    tgt: str,
    options: MTOptions | None = None,
    *,
    reporter: Reporter | None = None,
    **data_kwargs: Any,
) -> Comparison:
    """Score `refs` (the first is the reference) and the two baselines on one split; test and store them."""
    task = make_task(data_spec, src, tgt, options or MTOptions(), **data_kwargs)
    models = [score_model(workspace, ref, task, reporter) for ref in refs]
    copy = _baseline(COPY, "source", copy_hypotheses(task.test), task)
    frequent = _baseline(MOST_FREQUENT, "train", most_frequent_hypotheses(task.splits.train, task.test), task)
    results = [*models, copy, frequent]
    append_results(
        workspace, [row for r in results for row in score_rows(r, task.options.seed, task.settings)]
    )
    references = [b for _, b in task.test]
    systems = [(r.ref.name, r.hypotheses) for r in models]
    intervals, vs_copy = paired_bootstrap(
        (COPY, copy.hypotheses), [*systems, (MOST_FREQUENT, frequent.hypotheses)], references
    )
    _, vs_frequent = paired_bootstrap((MOST_FREQUENT, frequent.hypotheses), systems, references)
    vs_reference = paired_bootstrap(systems[0], systems[1:], references)[1] if len(systems) > 1 else []
    return Comparison(
        results, intervals, {t.system: t for t in vs_copy}, {t.system: t for t in vs_frequent},
        {t.system: t for t in vs_reference}, task.settings,
    )  # fmt: skip


def run_mt(
    workspace: Workspace,
    model_spec: str,
    data_spec: str | None,
    src: str,
    tgt: str,
    options: MTOptions | None = None,
    *,
    reporter: Reporter | None = None,
    **data_kwargs: Any,
) -> MTResult:
    """Fine-tune and score one model (see :func:`compare_systems`); its result alone."""
    from xlt.downstream.checkpoints import identify

    ref = identify(model_spec, workspace)
    comparison = compare_systems(
        workspace, [ref], data_spec, src, tgt, options, reporter=reporter, **data_kwargs
    )
    return comparison.results[0]
