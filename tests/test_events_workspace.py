"""events.jsonl and atomic writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from xlt.events import EventTail, EventWriter, read_events, summarize
from xlt.workspace import atomic_open, atomic_write_text


def test_event_roundtrip_and_partial_line(tmp_path):
    """Events round-trip; a half-written last line is ignored until completed."""
    path = tmp_path / "events.jsonl"
    with EventWriter(path, "r1") as writer:
        writer.emit("start", 0, total_steps=10)
        writer.emit("step", 1, loss=2.5, lr=1e-3, tokens_per_s=100.0)
    tail = EventTail(path)
    assert [e["kind"] for e in tail.poll()] == ["start", "step"]
    with path.open("a") as handle:
        handle.write('{"time": "x", "run_id": "r1", "kind": "eval", "st')
    assert tail.poll() == []
    assert len(read_events(path)) == 2
    with path.open("a") as handle:
        handle.write('ep": 2, "val_loss": 1.0, "val_perplexity": 2.7}\n')
    assert [e["kind"] for e in tail.poll()] == ["eval"]


def test_summary_status():
    """Summaries: running, finished, failed, stale."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    events = [
        {"time": t0.isoformat(), "run_id": "r", "kind": "start", "step": 0, "total_steps": 4},
        {
            "time": (t0 + timedelta(seconds=10)).isoformat(),
            "run_id": "r",
            "kind": "step",
            "step": 2,
            "loss": 3.0,
        },
    ]
    running = summarize("r", events, now=t0 + timedelta(seconds=20))
    assert running.status == "running" and running.step == 2 and running.eta_s == pytest.approx(10.0)
    assert summarize("r", events, now=t0 + timedelta(hours=1)).status == "stale"
    failed = [*events, {"time": t0.isoformat(), "run_id": "r", "kind": "error", "step": 2, "message": "nan"}]
    assert summarize("r", failed).status == "failed"
    done = [*events, {"time": t0.isoformat(), "run_id": "r", "kind": "end", "step": 4}]
    assert summarize("r", done).status == "finished"


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    """A failed write leaves neither the target nor a temporary file."""
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_open(target) as handle:
        handle.write("partial")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    atomic_write_text(target, json.dumps({"a": 1}))
    assert json.loads(target.read_text()) == {"a": 1}
