"""MT scores: corpus BLEU and chrF++ (sacrebleu), two trivial baselines, paired bootstrap significance.

* Scores are corpus-level sacrebleu with its signatures (13a tokenisation, one reference); chrF++ is
  ``CHRF(word_order=2)``. (The paper's code scored the argmax of teacher-forced logits and averaged per
  batch; both overstate quality, so we do not.)
* Baselines a model must beat to be said to translate: **copy** (output the source unchanged: names,
  numbers and loanwords already score) and **most frequent** (output the training set's most frequent
  target sentence for every input).
* Significance: sacrebleu's paired bootstrap resampling (``sacrebleu.significance.PairedTest`` with
  ``test_type="bs"``; Koehn 2004, as Moses' ``bootstrap-hypothesis-difference-significance.pl``): 1,000
  resamples of the test sentences, the same resamples for both systems; the p-value is two-sided and the
  95 % interval is the bootstrap's. sacrebleu seeds it with ``SACREBLEU_SEED`` (12345 by default).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from xlt.downstream.parallel import Pair

COPY, MOST_FREQUENT = "copy", "most-frequent"
BOOTSTRAP_SAMPLES = 1000
ALPHA = 0.05  # a difference counts when its paired-bootstrap p-value is below this


@dataclass(frozen=True)
class MetricScore:
    """One sacrebleu corpus score and the signature that makes it reproducible."""

    name: str
    score: float
    signature: str


def corpus_scores(hypotheses: list[str], references: list[str]) -> tuple[MetricScore, MetricScore]:
    """Corpus-level BLEU and chrF++ (sacrebleu defaults: 13a tokenisation, one reference)."""
    from sacrebleu.metrics import BLEU, CHRF

    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} references")
    bleu, chrf = BLEU(), CHRF(word_order=2)
    return (
        MetricScore("bleu", bleu.corpus_score(hypotheses, [references]).score, str(bleu.get_signature())),
        MetricScore("chrf++", chrf.corpus_score(hypotheses, [references]).score, str(chrf.get_signature())),
    )


def copy_hypotheses(test: list[Pair]) -> list[str]:
    """The copy baseline: every source sentence, untranslated."""
    return [source for source, _ in test]


def most_frequent_hypotheses(train: list[Pair], test: list[Pair]) -> list[str]:
    """The most-frequent baseline: the training set's commonest target sentence (first seen on ties)."""
    if not train:
        return [""] * len(test)
    sentence = Counter(target for _, target in train).most_common(1)[0][0]
    return [sentence] * len(test)


@dataclass(frozen=True)
class PairedResult:
    """One system against one reference system on the same test sentences, per metric."""

    system: str
    against: str
    delta: dict[str, float]  # metric -> system score minus the reference system's
    p_value: dict[str, float]  # metric -> two-sided paired-bootstrap p-value

    def better(self, metric: str = "chrf++") -> bool:
        """Significantly better on `metric`."""
        return self.delta[metric] > 0 and self.p_value[metric] < ALPHA

    def worse(self, metric: str = "chrf++") -> bool:
        """Significantly worse on `metric`."""
        return self.delta[metric] < 0 and self.p_value[metric] < ALPHA


@dataclass(frozen=True)
class Interval:
    """A system's bootstrap mean and 95 % half-width per metric."""

    mean: dict[str, float]
    half_width: dict[str, float]


def paired_bootstrap(
    against: tuple[str, list[str]],
    systems: list[tuple[str, list[str]]],
    references: list[str],
    n_samples: int = BOOTSTRAP_SAMPLES,
) -> tuple[dict[str, Interval], list[PairedResult]]:
    """Each of `systems` against `against` (name, hypotheses) with sacrebleu's paired bootstrap.

    Returns every system's bootstrap interval (the reference system's included) and one result per
    system. BLEU and chrF++ as in :func:`corpus_scores`.
    """
    from sacrebleu.metrics import BLEU, CHRF
    from sacrebleu.significance import PairedTest

    metrics = {"bleu": BLEU(), "chrf++": CHRF(word_order=2)}
    test = PairedTest(
        [against, *systems], metrics, [references], test_type="bs", n_samples=n_samples, n_jobs=1
    )
    _, raw_table = test()
    table: dict[str, Any] = dict(raw_table)  # metric name -> one Result per system, and "System"
    names: list[str] = table.pop("System")
    by_metric = dict(zip(("bleu", "chrf++"), table.values(), strict=True))  # BLEU, chrF2++ in that order
    intervals = {
        name: Interval(
            {m: float(rows[i].mean) for m, rows in by_metric.items()},
            {m: float(rows[i].ci) for m, rows in by_metric.items()},
        )
        for i, name in enumerate(names)
    }
    results = [
        PairedResult(
            name,
            against[0],
            {m: rows[i].score - rows[0].score for m, rows in by_metric.items()},
            # identical outputs: sacrebleu's test counts no resample difference above 0 and reports the
            # smallest p, 1/(n+1); no difference is the truth, so p = 1
            {
                m: 1.0 if systems[i - 1][1] == against[1] else float(rows[i].p_value)
                for m, rows in by_metric.items()
            },
        )
        for i, name in enumerate(names)
        if i > 0
    ]
    return intervals, results
