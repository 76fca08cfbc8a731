"""The xlt TUI: a thin App that switches between screens (modes) and reports worker failures."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType

from xlt.tui.data import TuiConfig
from xlt.tui.messages import LoadFailed
from xlt.tui.screens.analysis import AnalysisScreen
from xlt.tui.screens.data import DataScreen
from xlt.tui.screens.matrix import MatrixScreen
from xlt.tui.screens.runs import RunsScreen
from xlt.tui.screens.sweep import SweepScreen


class XltApp(App):
    """Runs (1), Matrix (2), Analysis (3), Data (4), Sweeps (5); each screen reads the workspace itself."""

    CSS_PATH = "xlt.tcss"
    TITLE = "xlt"
    # The palette's footer hint would cover the last key binding in an 80-column terminal.
    ENABLE_COMMAND_PALETTE = False
    MODES: ClassVar[dict[str, Any]] = {
        "runs": RunsScreen,
        "matrix": MatrixScreen,
        "analysis": AnalysisScreen,
        "data": DataScreen,
        "sweep": SweepScreen,
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('runs')", "Runs"),
        Binding("2", "switch_mode('matrix')", "Matrix"),
        Binding("3", "switch_mode('analysis')", "Analysis"),
        Binding("4", "switch_mode('data')", "Data"),
        # Off the footer: five modes and quit would not fit 80 columns (`xlt tui --help` names the key).
        Binding("5", "switch_mode('sweep')", "Sweeps", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, config: TuiConfig) -> None:
        super().__init__()
        self.config = config
        self._failures: dict[str, str] = {}

    def on_mount(self) -> None:
        self.switch_mode("runs")

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        """Notify once per distinct failure, not on every poll."""
        if self._failures.get(message.what) != message.error:
            self._failures[message.what] = message.error
            self.notify(
                message.error, title=f"cannot read {message.what}", severity="error", timeout=8, markup=False
            )


def make_app(config: TuiConfig) -> XltApp:
    """The app for a workspace (tests build it the same way)."""
    return XltApp(config)
