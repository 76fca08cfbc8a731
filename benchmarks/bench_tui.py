"""Key latency of `xlt tui` on a generated 200 HR × 50 LR workspace (issue 16: under 100 ms a key).

Drives the app with Textual's Pilot at 200 × 50 and times each key from press until the app has
handled it and gone idle (what `pilot.press` waits for): cursor moves and page jumps on the overview,
sorting, typing a filter, switching log/relative gain, opening a pair and going back, and moving
through a 10,000-row analysis table right after it appears. Prints median, 95th percentile and maximum per
kind of key. The workspace is the tests' (tests/tui_scale.py).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_tui.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_tui_scale_data import scale_codes, write_scale_workspace  # noqa: E402

from xlt.contracts import views  # noqa: E402
from xlt.contracts.perplexity import read_results  # noqa: E402
from xlt.tui.app import make_app  # noqa: E402
from xlt.tui.data import TuiConfig  # noqa: E402
from xlt.workspace import write_parquet  # noqa: E402


async def until(pilot, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.05)


async def timed(pilot, times: dict[str, list[tuple[float, float]]], kind: str, *keys: str) -> None:
    """Wall time of each key until the app is idle again, and the CPU time the process spent meanwhile
    (the machine is shared: wall time includes waiting for a core, CPU time does not)."""
    for key in keys:
        start, cpu = time.perf_counter(), time.process_time()
        await pilot.press(key)
        times.setdefault(kind, []).append((time.perf_counter() - start, time.process_time() - cpu))


async def drive(root: Path) -> dict[str, list[tuple[float, float]]]:
    from xlt.workspace import Workspace

    ws = Workspace.resolve(root)
    app = make_app(TuiConfig(ws, refresh_s=2.0, opener=lambda _: False))
    times: dict[str, list[tuple[float, float]]] = {}
    hr, _ = scale_codes()
    async with app.run_test(size=(200, 50)) as pilot:
        await timed(pilot, times, "unbound key (Pilot's own cost)", *["f12"] * 20)
        await pilot.press("2")
        table = app.screen.query_one("#overview")
        await until(pilot, lambda: table.row_count == 200)
        await timed(pilot, times, "overview down/right", *["down"] * 30, *["right"] * 30)
        await timed(pilot, times, "overview pagedown/up", *["pagedown"] * 5, *["pageup"] * 5)
        await timed(pilot, times, "overview sort (s, a, d)", "s", "s", "a", "d")
        await timed(pilot, times, "filter typing", "slash", *hr[3], "enter")
        await timed(pilot, times, "filter clear", "slash", *["backspace"] * len(hr[3]), "enter")
        await until(pilot, lambda: table.row_count == 200)
        await timed(pilot, times, "gain toggle (g, b)", "g", "b", "g", "b")
        table.move_cursor(row=0, column=2)
        for _ in range(3):
            await timed(pilot, times, "open pair (enter)", "enter")
            await until(pilot, lambda: app.screen.query("#pair-plot"))
            await timed(pilot, times, "back (escape)", "escape")
        await pilot.press("3")
        frame = app.screen.query_one("#table")
        await until(pilot, lambda: frame.row_count > 0)
        await timed(pilot, times, "analysis 10k rows, just shown", *["down"] * 10, "pagedown", "pagedown")
        await until(pilot, lambda: frame.row_count == 10_000)
        await timed(pilot, times, "analysis 10k rows, filled", *["pagedown"] * 10, "end", "home")
        await timed(pilot, times, "analysis sort 10k (s)", "s")
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = write_scale_workspace(Path(tmp) / "ws")
        write_parquet(
            views.transfer_table(read_results(ws.perplexity_path)), ws.analysis_dir / "transfer.parquet"
        )
        times = asyncio.run(drive(ws.root))
    print(f"{'keys':38} {'n':>3} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'median cpu ms':>14}")
    for kind, values in times.items():
        ms = sorted(1000 * wall for wall, _ in values)
        cpu = statistics.median(1000 * c for _, c in values)
        p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
        print(
            f"{kind:38} {len(ms):>3} {statistics.median(ms):>10.1f} {p95:>8.1f} {ms[-1]:>8.1f} {cpu:>14.1f}"
        )


if __name__ == "__main__":
    main()
