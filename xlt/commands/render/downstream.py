"""`xlt downstream` results as rich tables: MT systems with baselines and significance, POS probes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.table import Table

from xlt.commands._common import console

if TYPE_CHECKING:
    from xlt.downstream.compare import Comparison
    from xlt.downstream.pos import POSResult
    from xlt.downstream.scores import PairedResult

METRIC = "chrf++"


def _test(test: PairedResult | None) -> str:
    """`+1.2 p.004`, bold when significant (p < 0.05), empty without a test."""
    if test is None:
        return ""
    d, p = test.delta[METRIC], test.p_value[METRIC]
    text = f"{d:+.1f} p{p:.3f}".replace("p0.", "p.").replace("p1.000", "p1")
    return f"[bold]{text}[/]" if test.better(METRIC) or test.worse(METRIC) else text


def mt_table(comparison: Comparison) -> Table:
    """One row per system: BLEU, chrF++ with its bootstrap 95 % interval, the chrF++ difference vs copy
    and vs the reference model with the paired-bootstrap p-value, fine-tuning steps and time."""
    first = comparison.results[0]
    reference = comparison.models[0].ref.name
    table = Table(
        title=f"MT {first.src} -> {first.tgt} ({first.data}, {first.n} test sentences)",
        caption=f"ref = {reference}; ± bootstrap 95 % interval; vs: chrF++ difference and paired bootstrap "
        "p (bold: p < 0.05); steps run/best; * read back from an earlier run",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("system", "steps", "BLEU", "chrF++", "vs copy", "vs ref", "s"):
        table.add_column(
            column, justify="left" if column == "system" else "right", no_wrap=column == "system"
        )
    for result in comparison.results:
        name = result.ref.name
        half = comparison.intervals[name].half_width if name in comparison.intervals else {}
        if result.ref.run_id == "copy":
            table.add_section()
        table.add_row(
            name + ("*" if result.cached else ""),
            f"{result.steps}/{result.best_step}" if result.steps else "—", f"{result.bleu:.2f}",
            f"{result.chrf:.1f}" + (f" ±{half['chrf++']:.1f}" if "chrf++" in half else ""),
            _test(comparison.vs_copy.get(name)), _test(comparison.vs_reference.get(name)),
            f"{result.seconds:.0f}" if result.seconds else "",
        )  # fmt: skip
    return table


def render_mt(comparison: Comparison) -> None:
    """The table, what it shows in words, the metric signatures and a few sample translations."""
    console.print(mt_table(comparison))
    for line in comparison.verdict():
        console.print(line, highlight=False)
    first = comparison.results[0]
    console.print(f"[dim]BLEU   {first.bleu_signature}\nchrF++ {first.chrf_signature}[/]", highlight=False)
    for source, reference, _ in first.samples[:2]:
        console.print(f"[bold]src[/] {source}\n[bold]ref[/] {reference}", highlight=False)
        for result in comparison.models:
            hyp = result.hypotheses[first.samples.index((source, reference, _))]
            console.print(f"[bold]{result.ref.name}[/] {hyp}", highlight=False)
        console.print()
    if first.saved_to:
        console.print(f"saved the fine-tuned model to {first.saved_to}")


def render_pos(results: list[POSResult], probe: str, pooling: str) -> None:
    """Accuracy and weighted F1 per model, and the accuracy difference to the first."""
    first = results[0]
    table = Table(title=f"POS {first.train_lang} -> {first.test_lang} ({probe} probe, {pooling} pooling)")
    for column in ("model", "test words", "accuracy", "weighted F1", "Δ accuracy", "seconds"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for result in results:
        delta = "" if result is first or len(results) == 1 else f"{result.accuracy - first.accuracy:+.3f}"
        table.add_row(
            result.ref.name + ("*" if result.cached else ""), str(result.n), f"{result.accuracy:.3f}",
            f"{result.f1:.3f}", delta,
            f"{result.seconds:.0f}" if result.seconds else "",
        )  # fmt: skip
    console.print(table)
