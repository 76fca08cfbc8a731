"""Preemption inside `pretrain`: a signal stops the run after the current step with its state saved."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from test_training import corpus_ws, template_ws, test_config  # noqa: F401 - fixtures

from xlt.events import read_events, summarize
from xlt.training import TrainHooks, pretrain
from xlt.training.preemption import REQUEUE_EXIT_CODE, PreemptedError
from xlt.workspace import Workspace

pytestmark = pytest.mark.usefixtures("one_thread")


def _signal_at(step: int, sig: signal.Signals) -> TrainHooks:
    """A hook that sends `sig` to this process after optimizer step `step`."""

    def send(done: int, loss: float) -> None:
        if done == step:
            os.kill(os.getpid(), sig)

    return TrainHooks(after_step=send)


@pytest.mark.parametrize("sig", [signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM])
def test_signal_saves_state_and_raises_requeue_code(corpus_ws: Workspace, sig: signal.Signals) -> None:  # noqa: F811
    """A signal during step 4 stops the run after it (no checkpoint there): state at 4, an event, exit 75."""
    from xlt.training.state import latest_state

    previous = signal.getsignal(sig)
    with pytest.raises(PreemptedError) as stopped:
        pretrain(corpus_ws, "spa", test_config(steps=8), hooks=_signal_at(3, sig))
    assert stopped.value.exit_code == REQUEUE_EXIT_CODE == 75
    assert signal.getsignal(sig) == previous  # the loop put the old handler back
    run_dir = corpus_ws.run_dir("spa-tiny-s0")
    assert latest_state(run_dir) == 4
    events = read_events(run_dir / "events.jsonl")
    assert events[-1]["kind"] == "preempted" and events[-1]["step"] == 4 and events[-1]["signal"] == sig.name
    assert not any(e["kind"] == "error" for e in events)
    assert summarize("spa-tiny-s0", events).status == "preempted"


def test_resume_after_preemption_matches_uninterrupted_run(corpus_ws: Workspace, tmp_path: Path) -> None:  # noqa: F811
    """Preempted after step 4 (between checkpoints) and resumed: the same weights as a run never stopped."""
    import shutil

    import torch
    from safetensors.torch import load_file

    other = Workspace(tmp_path / "other")
    shutil.copytree(corpus_ws.root, other.root)
    [clean] = pretrain(other, "spa", test_config(steps=8))
    with pytest.raises(PreemptedError):
        pretrain(corpus_ws, "spa", test_config(steps=8), hooks=_signal_at(3, signal.SIGUSR2))
    [resumed] = pretrain(corpus_ws, "spa", test_config(steps=8))
    assert resumed.resumed_from == 4 and resumed.final_step == clean.final_step == 8
    for name in ("step-6", "step-8"):
        path = Path("checkpoints") / name / "model.safetensors"
        ours = load_file(corpus_ws.run_dir("spa-tiny-s0") / path)
        theirs = load_file(other.run_dir("spa-tiny-s0") / path)
        assert all(torch.equal(ours[key], theirs[key]) for key in theirs), name
    events = read_events(corpus_ws.run_dir("spa-tiny-s0") / "events.jsonl")
    assert [e["kind"] for e in events].count("start") == 2
    assert summarize("spa-tiny-s0", events).status == "finished"


def test_signal_at_the_last_step_finishes_the_run(corpus_ws: Workspace) -> None:  # noqa: F811
    """A signal during the last step does not stop a run that is done anyway: it ends normally."""
    hooks = _signal_at(3, signal.SIGUSR1)
    [result] = pretrain(corpus_ws, "spa", test_config(steps=4), hooks=hooks)
    events = read_events(corpus_ws.run_dir("spa-tiny-s0") / "events.jsonl")
    assert result.final_step == 4 and events[-1]["kind"] == "end"
