"""The xlt TUI: a thin App that switches between screens (modes) and reports worker failures."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from xlt.tui.data.common import TuiConfig
from xlt.tui.data.matrix import Subject
from xlt.tui.messages import LoadFailed
from xlt.tui.screens.analysis import AnalysisScreen
from xlt.tui.screens.data import DataScreen
from xlt.tui.screens.matrix import MatrixScreen
from xlt.tui.screens.overview import OverviewScreen
from xlt.tui.screens.runs import RunsScreen
from xlt.tui.screens.sweep import SweepScreen

# (key, mode, title, what it shows): the number keys, the footer and the command palette.
# Keys 3-5 are those of the screens before the overview existed; the per-run matrix moved to 6 (and `m`
# on the overview opens it for the donor under the cursor).
SCREENS = (
    ("1", "runs", "Runs", "every run with its status, live"),
    ("2", "overview", "Overview", "HR × LR heatmap of gains over zero-shot"),
    ("3", "analysis", "Analysis", "the analyze stage's tables"),
    ("4", "data", "Data", "the corpus' languages"),
    ("5", "sweep", "Sweeps", "sweeps and their scheduler states"),
    ("6", "matrix", "Matrix", "checkpoint × LR matrix of one run or HR language, with baselines"),
)


class XltApp(App):
    """Runs (1), Overview (2), Analysis (3), Data (4), Sweeps (5), Matrix (6); each screen reads the
    workspace itself."""

    CSS_PATH = "xlt.tcss"
    TITLE = "xlt"
    MODES: ClassVar[dict[str, Any]] = {
        "runs": RunsScreen,
        "overview": OverviewScreen,
        "matrix": MatrixScreen,
        "analysis": AnalysisScreen,
        "data": DataScreen,
        "sweep": SweepScreen,
    }
    # Only the first screens fit the footer of an 80-column terminal; `?` lists every key.
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"switch_mode('{mode}')", title, show=key in "123", tooltip=f"{title}: {what}")
            for key, mode, title, what in SCREENS
        ),
        Binding("q", "quit", "Quit"),
        # A priority binding runs while the app reads the key, before the keys after it are routed: so
        # "/kw" arriving in one read (a paste, tmux send-keys) filters by "kw" instead of sending k and w
        # to the table.
        Binding("slash", "find", "Find", priority=True, tooltip="Filter the table's rows by name or code"),
    ]

    def __init__(self, config: TuiConfig) -> None:
        super().__init__()
        self.config = config
        self._failures: dict[str, str] = {}
        self.requested_subject: Subject | None = None  # what the Matrix screen shows next (`m`)

    def on_mount(self) -> None:
        self.switch_mode("runs")

    def action_find(self) -> None:
        """`/` on any screen that has a table (see XltScreen.action_find)."""
        find = getattr(self.screen, "action_find", None)
        if find is not None:
            find()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette (ctrl+p): every screen, and the keys of the current one."""
        yield from super().get_system_commands(screen)
        for _, mode, title, what in SCREENS:
            yield SystemCommand(title, what, lambda m=mode: self.switch_mode(m))
        for action, title, what in (
            ("export", "Export table", "write the table as shown to exports/*.csv"),
            ("open_plot", "Open plot", "open this screen's plot, or say where it is"),
            ("find", "Find", "filter the table's rows by name or code"),
        ):
            if hasattr(screen, f"action_{action}"):
                yield SystemCommand(title, what, getattr(screen, f"action_{action}"))

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
