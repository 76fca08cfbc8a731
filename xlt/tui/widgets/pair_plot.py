"""The forgetting curve of one HR × LR pair: perplexity against step per run, zero-shot and the
baselines as horizontal lines (what `xlt analyze` draws as analysis/forgetting/<hr>.png)."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from xlt.display import number
from xlt.tui.data.overview import PairCurve

# plotext colour names; zero-shot is the line every gain is measured against, so it gets the strongest.
REFERENCE_COLORS = ("white", "orange", "magenta", "cyan", "yellow")
RUN_COLORS = ("green", "blue", "red", "cyan", "magenta", "yellow")


class PairPlot(PlotextPlot):
    """Draws a PairCurve; an imported matrix (no steps) shows its one checkpoint as a line like the rest."""

    DEFAULT_CSS = """
    PairPlot {
        height: 1fr;
        min-height: 8;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.curve: PairCurve | None = None

    def show(self, curve: PairCurve) -> None:
        self.curve = curve
        self._draw()

    def on_mount(self) -> None:
        super().on_mount()
        self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        curve = self.curve
        if curve is None:
            plt.title("reading …")
            self.refresh()
            return
        steps = [step for points in curve.runs.values() for step, _ in points]
        low, high = (min(steps), max(max(steps), min(steps) + 1)) if steps and curve.has_steps else (0, 1)
        values: list[float] = []
        for i, (run_id, points) in enumerate(sorted(curve.runs.items())):
            xs, ys = [s for s, _ in points], [v for _, v in points]
            if not curve.has_steps or len(xs) == 1:
                xs, ys = [low, high], [ys[-1], ys[-1]]
            plt.plot(xs, ys, marker="braille", label=run_id, color=RUN_COLORS[i % len(RUN_COLORS)])
            values += ys
        references = (
            [("zero-shot", curve.zero_shot)] if curve.zero_shot is not None else []
        ) + curve.baselines
        for i, (label, value) in enumerate(references):
            plt.plot([low, high], [value, value], marker="braille", label=label,
                     color=REFERENCE_COLORS[i % len(REFERENCE_COLORS)])  # fmt: skip
            values.append(value)
        if values and min(values) > 0:
            low_y, high_y = min(values), max(values)
            log = high_y / low_y > 20
            if log:
                plt.yscale("log")
            ticks = _ticks(low_y, high_y, log)
            plt.yticks(ticks, [number(t) for t in ticks])
        title = "perplexity vs step (lower = better)" if curve.has_steps else "imported matrix: no steps"
        plt.title(title)
        plt.xlabel("step" if curve.has_steps else "")
        self.refresh()


def _ticks(low: float, high: float, log: bool, n: int = 5) -> list[float]:
    """n ticks from low to high, evenly spaced (on a log axis, evenly in log), labelled as the CLI writes
    perplexities instead of plotext's ``14000.0``."""
    if high <= low:
        return [low]
    if log:
        ratio = (high / low) ** (1 / (n - 1))
        return [low * ratio**i for i in range(n)]
    return [low + i * (high - low) / (n - 1) for i in range(n)]
