"""Stages side by side (xlt.stage_runner): real `xlt` processes, their logs, progress from run events,
and a failure that names its log while the other stages finish."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xlt.errors import XltError
from xlt.events import EventWriter
from xlt.experiment import Stage, stage_groups
from xlt.stage_runner import last_line, run_together, stage_log, stage_progress, usable_cpus
from xlt.workspace import Workspace


def test_stages_run_side_by_side_and_a_failure_names_its_log(ws: Workspace) -> None:
    ok = Stage("resolve a language", ["languages", "Spanish"])
    bad = Stage("resolve a made-up one", ["languages", "Qwertyish"])
    ticks: list[tuple[int, str]] = []
    with pytest.raises(XltError, match=r"stage 8 \(resolve a made-up one\) failed: .* exited 1") as caught:
        run_together(
            ws, [ok, bad], 7, 2, lambda index, stage, state: ticks.append((index, state)), poll_s=0.05
        )
    assert str(stage_log(ws, 8)) in str(caught.value)
    assert (7, "done") in ticks and (8, "failed") in ticks  # the good stage finished; its output kept
    assert "spa" in stage_log(ws, 7).read_text(encoding="utf-8")
    assert "Qwertyish" in last_line(stage_log(ws, 8))
    assert ok.seconds is not None and bad.seconds is not None
    assert usable_cpus() >= 1


def test_a_retried_stage_fails_without_stopping_the_experiment(ws: Workspace) -> None:
    bad = Stage("resolve a made-up one", ["languages", "Qwertyish"], retried=True)
    ticks: list[tuple[int, str]] = []
    run_together(ws, [bad], 3, 2, lambda index, stage, state: ticks.append((index, state)), poll_s=0.05)
    assert (3, "failed") in ticks  # said, not raised: the stage after it redoes the work


def test_an_error_in_the_caller_stops_the_running_stages(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is left running unwatched (it would hold its run's lock): the children get SIGINT."""
    children = []

    def boom(index: int, stage: Stage, state: str) -> None:
        raise OSError("the terminal went away")

    real = subprocess.Popen

    def sleeper(*args, **kwargs):  # type: ignore[no-untyped-def]
        child = real([sys.executable, "-c", "import time; time.sleep(60)"], **kwargs)
        children.append(child)
        return child

    monkeypatch.setattr(subprocess, "Popen", sleeper)
    with pytest.raises(OSError, match="terminal went away"):
        run_together(ws, [Stage("a", []), Stage("b", [])], 1, 2, boom, poll_s=0.05)
    assert children and all(child.poll() is not None for child in children)  # one per CPU was started


def test_a_stage_starts_once_what_it_needs_has_finished(ws: Workspace) -> None:
    """With a free CPU for each, a stage still waits for the stages it needs; one that needs nothing
    takes the free CPU first."""
    first = Stage("resolve Spanish", ["languages", "Spanish"], key="a")
    after = Stage("resolve Turkish", ["languages", "Turkish"], key="b", needs=("a", "elsewhere"))
    free = Stage("resolve English", ["languages", "English"], key="c")
    ticks: list[tuple[int, str]] = []
    run_together(ws, [first, after, free], 1, 2, lambda i, stage, state: ticks.append((i, state)), 0.05)
    assert (2, "after") in ticks and ticks.index((1, "done")) < ticks.index((2, "running"))
    assert ticks.index((3, "running")) < ticks.index((2, "running"))  # the third did not wait
    assert all(stage.seconds is not None for stage in (first, after, free))


def test_stages_that_need_a_failed_one_are_not_started(ws: Workspace) -> None:
    bad = Stage("resolve a made-up one", ["languages", "Qwertyish"], key="a")
    needs_it = Stage("resolve Spanish", ["languages", "Spanish"], key="b", needs=("a",))
    needs_that = Stage("resolve Turkish", ["languages", "Turkish"], key="c", needs=("b",))
    other = Stage("resolve English", ["languages", "English"], key="d")
    ticks: list[tuple[int, str]] = []
    stages = [bad, needs_it, needs_that, other]
    with pytest.raises(XltError, match=r"stage 1 \(resolve a made-up one\) failed"):
        run_together(ws, stages, 1, 2, lambda i, stage, state: ticks.append((i, state)), 0.05)
    assert (2, "skipped") in ticks and (3, "skipped") in ticks and (4, "done") in ticks
    assert not stage_log(ws, 2).exists() and needs_that.seconds is None


def test_stages_that_need_each_other_are_an_error_not_a_hang(ws: Workspace) -> None:
    stages = [Stage("x", ["languages", "Spanish"], key="x", needs=("y",)),
              Stage("y", ["languages", "Spanish"], key="y", needs=("x",))]  # fmt: skip
    with pytest.raises(XltError, match="need each other"):
        run_together(ws, stages, 1, 2, poll_s=0.05)


def test_cpus_are_capped_by_a_cgroup_quota(tmp_path: Path) -> None:
    quota = tmp_path / "cpu.max"
    quota.write_text("150000 100000\n")
    assert usable_cpus(quota) == min(2, usable_cpus(tmp_path / "none"))
    quota.write_text("max 100000\n")
    assert usable_cpus(quota) == usable_cpus(tmp_path / "none") >= 1


def test_one_job_runs_them_in_turn(ws: Workspace) -> None:
    stages = [Stage(f"resolve {name}", ["languages", name]) for name in ("Spanish", "Turkish")]
    ticks: list[tuple[int, str]] = []
    run_together(ws, stages, 1, 1, lambda index, stage, state: ticks.append((index, state)), poll_s=0.05)
    assert (2, "waiting") in ticks and ticks.index((1, "done")) < ticks.index((2, "running"))
    assert "tur" in stage_log(ws, 2).read_text(encoding="utf-8")


def test_groups_are_consecutive_stages_of_one_group() -> None:
    stages = [
        Stage(name, [], group=group) for name, group in [("a", None), ("b", "g"), ("c", "g"), ("d", "g")]
    ]
    stages += [Stage("e", []), Stage("f", [], group="g")]
    assert [(i, [s.title for s in g]) for i, g in stage_groups(stages, 1)] == [
        (1, ["a"]), (2, ["b", "c", "d"]), (5, ["e"]), (6, ["f"]),
    ]  # fmt: skip


def test_progress_sums_the_steps_of_the_stage_runs(ws: Workspace) -> None:
    stage = Stage("pretrain", [], runs=("spa-base-s0", "spa-base-s1"), steps=80)
    assert stage_progress(ws, stage) == (0, 160)
    run_dir = ws.run_dir("spa-base-s0")
    run_dir.mkdir(parents=True)
    with EventWriter(run_dir / "events.jsonl", "spa-base-s0") as events:
        events.emit("start", 0, total_steps=80)
        events.emit("step", 30, loss=4.0)
    assert stage_progress(ws, stage) == (30, 160)
    assert stage_progress(ws, Stage("analyze", [])) == (0, None)


def test_the_progress_says_what_a_stage_waits_for_and_what_was_not_started(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    """`xlt experiment`'s view of a group: a stage whose input failed is named as not started."""
    from xlt.commands.render.experiment import run_side_by_side

    bad = Stage("resolve a made-up one", ["languages", "Qwertyish"], key="a")
    needs_it = Stage("resolve Spanish", ["languages", "Spanish"], key="b", needs=("a",))
    with pytest.raises(XltError, match="failed"):
        run_side_by_side(ws, [bad, needs_it], 4, 2)
    out = " ".join(capsys.readouterr().out.split())
    assert (
        "[4] failed" in out
        and "[5] not started: resolve Spanish (it needs [4], which did not all finish)" in out
    )


def test_a_stage_left_out_after_a_retried_failure_is_still_an_error(ws: Workspace) -> None:
    """A retried stage's failure does not stop the others, but work that then never ran is not success."""
    bad = Stage("resolve a made-up one", ["languages", "Qwertyish"], key="a", retried=True)
    needs_it = Stage("resolve Spanish", ["languages", "Spanish"], key="b", needs=("a",))
    with pytest.raises(XltError, match=r"stage 2 \(resolve Spanish\) was not started"):
        run_together(ws, [bad, needs_it], 1, 2, poll_s=0.05)


def test_stages_sharing_a_key_are_refused(ws: Workspace) -> None:
    """Else the first of them to finish would release what needs the other."""
    stages = [Stage("x", ["languages", "Spanish"], key="k"), Stage("y", ["languages", "Turkish"], key="k")]
    with pytest.raises(XltError, match="share a key"):
        run_together(ws, stages, 1, 2, poll_s=0.05)
