"""What the experiment found, in plain words: which donor helped which recipients, with intervals.

Read from the pair view :func:`xlt.contracts.views.transfer_table` (the final checkpoint of each run,
averaged over a donor's seeds; the 95 % paired-bootstrap interval over the evaluation examples; the
spread over seeds). The final checkpoint is the claim, not the best one: the best is chosen on the same
examples, so its interval is optimistic. A cell "helped" when the interval of its gain lies above zero,
"hurt" when it lies below, and is "not distinguishable" otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from xlt.contracts.perplexity import read_workspace_results
from xlt.contracts.views import transfer_table
from xlt.errors import InputError
from xlt.sources.sample import NAHUATL_VARIETIES, RELATED_DONOR
from xlt.workspace import Workspace


def _rel(log_gain: float) -> float:
    """The relative gain 1 − p/z of a log_gain ln z − ln p (xlt.contracts.views)."""
    return 1.0 - math.exp(-log_gain)


@dataclass(frozen=True)
class Cell:
    """One donor → recipient pair at the final checkpoint, as relative gains (1 − p/z)."""

    lr_lang: str
    gain: float
    low: float | None
    high: float | None
    seed_std: float | None  # std of the per-seed relative gains; None with one seed
    n_runs: int

    @property
    def verdict(self) -> str:
        if self.low is None or self.high is None:
            return "no interval"
        return "helped" if self.low > 0 else "hurt" if self.high < 0 else "not distinguishable"

    def text(self) -> str:
        interval = "" if self.low is None else f" [{self.low:+.0%}, {self.high:+.0%}]"
        spread = f" ±{self.seed_std:.1%}" if self.seed_std is not None else ""
        return f"{self.lr_lang} {self.gain:+.0%}{interval}{spread}"


@dataclass
class DonorFinding:
    """Every recipient of one donor, sorted by verdict."""

    hr_lang: str
    related: bool  # the sample's positive control (a Nahuatl variety for Nahuatl recipients)
    cells: list[Cell] = field(default_factory=list)

    def having(self, verdict: str) -> list[Cell]:
        return [c for c in self.cells if c.verdict == verdict]


def donor_findings(workspace: Workspace) -> list[DonorFinding]:
    """One finding per donor (HR language) of the workspace's perplexity matrix; [] without trained cells."""
    results = read_workspace_results(workspace)
    try:
        table = transfer_table(results)
    except InputError:
        return []
    out: dict[str, DonorFinding] = {}
    for row in table.sort("hr_lang", "lr_lang").iter_rows(named=True):
        finding = out.setdefault(
            row["hr_lang"], DonorFinding(row["hr_lang"], row["hr_lang"] == RELATED_DONOR)
        )
        low, high = row["log_gain_lo_final"], row["log_gain_hi_final"]
        finding.cells.append(
            Cell(
                row["lr_lang"],
                _rel(row["log_gain_final"]),
                None if low is None else _rel(low),
                None if high is None else _rel(high),
                row["rel_gain_final_std"],
                row["n_runs"],
            )
        )
    return sorted(out.values(), key=lambda f: (not f.related, f.hr_lang))


def sentences(findings: list[DonorFinding]) -> list[str]:
    """The findings as plain sentences, related donor first, then the limits of the tiny model."""
    lines = []
    for finding in findings:
        role = "related donor, Nahuatl" if finding.related else "unrelated donor"
        helped, hurt = finding.having("helped"), finding.having("hurt")
        same = finding.having("not distinguishable")
        parts = [
            "lowered perplexity below zero-shot on " + ", ".join(c.text() for c in helped)
            if helped
            else "helped no recipient significantly",
        ]
        if hurt:
            parts.append("made worse: " + ", ".join(c.text() for c in hurt))
        if same:
            parts.append("no distinguishable change: " + ", ".join(c.text() for c in same))
        lines.append(f"{finding.hr_lang} ({role}): " + "; ".join(parts) + ".")
    if findings:
        seeds = max(c.n_runs for f in findings for c in f.cells)
        lines.append(
            "Gains are 1 − p/z at each run's final checkpoint, averaged over its donor's seeds; [95 % paired "
            "bootstrap over the evaluation examples]"
            + (f"; ± the standard deviation over {seeds} training seeds." if seeds > 1 else ".")
        )
    return lines


def relatives(lr_langs: list[str]) -> list[str]:
    """The recipients related to the sample's related donor (the other Nahuatl varieties)."""
    return [lang for lang in lr_langs if lang in NAHUATL_VARIETIES and lang != RELATED_DONOR]


LIMITS = (
    "What the tiny model cannot show: it has 4.4M parameters, an 8k-token vocabulary trained on this "
    "corpus and 80 steps per donor, so a gain here is shared spelling and subword statistics as much as "
    "linguistic transfer (compare the unigram rows of the matrix). The base model never saw the related "
    "donor (`pretrain --base --exclude nci`), so zero-shot is a fair reference for the control; the "
    "paper's donors were all in mT5's pretraining. Intervals cover the choice of evaluation examples, "
    "not of training seeds (2 seeds give a spread, not an interval). Whether transfer follows genetic "
    "distance or overlap across many donors needs mt5-base on GPUs (README)."
)
