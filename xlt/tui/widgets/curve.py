"""A line plot of (step, value) points that is replaced as a run goes on."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from xlt.tui.data import format_value


class Curve(PlotextPlot):
    """One metric against optimizer steps; `log` plots the values on a log axis (perplexities)."""

    DEFAULT_CSS = """
    Curve {
        height: 1fr;
        min-height: 6;
    }
    """

    def __init__(self, title: str, *, log: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.log_scale = log
        self.points: list[tuple[int, float]] = []

    def on_mount(self) -> None:
        super().on_mount()
        self._draw()

    def set_points(self, points: list[tuple[int, float]]) -> None:
        """Replace the points (already thinned by the worker) and redraw."""
        if points == self.points:
            return
        self.points = points
        self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        last = f" {format_value(self.points[-1][1])}" if self.points else " (no points yet)"
        plt.title(self.title + last)
        if self.points:
            xs = [step for step, _ in self.points]
            ys = [value for _, value in self.points]
            if self.log_scale and all(y > 0 for y in ys) and max(ys) / min(ys) > 20:
                plt.yscale("log")
            if len(xs) == 1:  # plotext draws nothing for a single-point line
                plt.scatter(xs, ys, marker="dot")
            else:
                plt.plot(xs, ys, marker="braille")
            low, high = min(xs), max(max(xs), min(xs) + 1)
            plt.xlim(low, high)
            plt.xticks(sorted({round(low + i * (high - low) / 4) for i in range(5)}))  # steps are integers
        plt.xlabel("step")
        self.refresh()
