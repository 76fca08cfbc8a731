"""The experiment's plan (stage list and options), its findings sentences, and the control's data split."""

from __future__ import annotations

import numpy as np
import pytest

from xlt.contracts.perplexity import results_frame, write_results
from xlt.experiment import DEMO_RUNS, DEMO_STEPS, MT_SRC, MT_TGT, ExperimentPlan
from xlt.findings import donor_findings, sentences
from xlt.sources.sample import NAHUATL_VARIETIES, RELATED_DONOR

HR = ["eng", RELATED_DONOR, "spa", "tur"]


def _stage(stages, prefix):  # type: ignore[no-untyped-def]
    return [s for s in stages if s.command.startswith(prefix)]


def test_default_plan_pretrains_every_donor_with_two_seeds_and_compares_mt() -> None:
    plan = ExperimentPlan()
    stages = plan.head() + plan.tail(HR)
    pretrain = _stage(stages, "xlt pretrain --hr")
    assert [s.args[2] for s in pretrain] == HR
    for stage in pretrain:
        assert stage.args[stage.args.index("--runs") + 1] == str(DEMO_RUNS) == "2"
        assert stage.args[stage.args.index("--steps") + 1] == str(DEMO_STEPS)
    assert "positive control" in pretrain[1].title and "positive control" not in pretrain[0].title
    assert pretrain[1].runs == ("nci-base-s0", "nci-base-s1")
    *systems, mt = _stage(stages, "xlt downstream mt")
    assert mt.args[mt.args.index("--run") + 1] == f"{RELATED_DONOR}-base-s0,spa-base-s0"
    assert mt.args[mt.args.index("--src-lang") + 1] == MT_SRC == "spa"
    assert mt.args[mt.args.index("--tgt-lang") + 1] == MT_TGT and MT_TGT in NAHUATL_VARIETIES
    assert stages[-1] is mt and mt.group is None
    # Every other stage after the base model is one group: each starts once what it needs is there.
    (evaluate,) = _stage(stages, "xlt evaluate --all-lr --baselines")
    (analyze,) = _stage(stages, "xlt analyze all")
    tail = [*pretrain, evaluate, analyze, *systems]
    assert {s.group for s in tail} == {"tail"} and stages[-len(tail) - 1 : -1] == tail
    assert evaluate.needs == tuple(s.key for s in pretrain) and analyze.needs == (evaluate.key,)
    assert ["--run" in s.args for s in systems] == [False, True, True]
    assert [s.args[s.args.index("--run") + 1] for s in systems[1:]] == [
        f"{RELATED_DONOR}-base-s0",
        "spa-base-s0",
    ]
    assert all("--no-base" in s.args for s in systems[1:])
    # the base model's system needs nothing: it starts beside the donors once they have all started
    assert [s.needs for s in systems] == [(), (pretrain[1].key,), (pretrain[2].key,)]
    # one after the other (--jobs 1), the list order is a valid order: what a stage needs comes first
    for k, stage in enumerate(tail):
        assert set(stage.needs) <= {s.key for s in tail[:k]}
    (sequential,) = _stage(ExperimentPlan(jobs=1).tail(HR), "xlt downstream mt")  # one stage, as typed
    assert sequential.args == mt.args and sequential.group is None


def test_quick_hub_and_named_donor_plans() -> None:
    quick = ExperimentPlan(quick=True).tail(HR)
    assert all(s.args[s.args.index("--runs") + 1] == "1" for s in _stage(quick, "xlt pretrain"))
    hub = ExperimentPlan(model="google/mt5-base", sample=False, seed=3).tail(["spa"])
    (pretrain,) = _stage(hub, "xlt pretrain")
    assert "--steps" not in pretrain.args and pretrain.args[pretrain.args.index("--runs") + 1] == "1"
    (mt,) = _stage(hub, "xlt downstream mt")  # a hub model: one stage at a time
    assert mt.args[mt.args.index("--run") + 1] == "spa-mt5-base-s3"  # the related donor is not pretrained
    assert all(s.group is None for s in hub)
    assert not _stage(ExperimentPlan(downstream=False).tail(HR), "xlt downstream")
    with pytest.raises(Exception, match="--runs must be at least 1"):
        ExperimentPlan(runs=0)
    with pytest.raises(Exception, match="--jobs must be at least 1"):
        ExperimentPlan(jobs=0)


def test_related_donor_shares_no_line_with_any_recipient() -> None:
    """The positive control's text never contains a recipient's line (all of it: eval uses train+valid)."""
    from xlt.sources.sample import _norm, build

    texts = {t.iso3: t for t in build()}
    donor = texts[RELATED_DONOR]
    assert donor.tier == "hr" and sum(len(line.split()) for line in donor.lines) > 100_000
    donor_lines = {_norm(line) for line in donor.lines}
    recipients = [t for t in texts.values() if t.tier == "lr"]
    assert {t.iso3 for t in recipients} >= {"azz", "nhm", "nhn"}
    for text in recipients:
        assert not donor_lines & {_norm(line) for line in text.lines}, text.iso3


def _cells(run: str, lang: str, shift: float, n: int = 100) -> list[dict[str, object]]:
    rng = np.random.default_rng(len(lang))
    tokens = rng.integers(5, 20, size=n)
    zs = tokens * rng.uniform(3.0, 6.0, size=n)
    noise = rng.normal(0, 0.3, size=n) * tokens
    losses = zs if run == "base" else zs - shift * tokens + noise - noise.mean()
    loss = float(losses.sum() / tokens.sum())
    return [
        {
            "run_id": run, "hr_lang": None if run == "base" else run.split("-")[0],
            "checkpoint": "base" if run == "base" else "step-8", "step": 0 if run == "base" else 8,
            "lr_lang": lang, "perplexity": float(np.exp(loss)), "loss": loss, "n_tokens": int(tokens.sum()),
            "model": "m", "eval_seed": 0, "example_loss": losses.tolist(), "example_tokens": tokens.tolist(),
        }
    ]  # fmt: skip


def test_findings_say_who_helped_whom_with_intervals(ws) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for lang in ("azz", "nya"):
        rows += _cells("base", lang, 0)
        rows += _cells("nci-base-s0", lang, 0.3 if lang == "azz" else 0.0)
        rows += _cells("nci-base-s1", lang, 0.25 if lang == "azz" else 0.0)
        rows += _cells("spa-base-s0", lang, -0.2)
    write_results(results_frame(rows), ws.perplexity_path)
    found = donor_findings(ws)
    assert [f.hr_lang for f in found] == ["nci", "spa"] and found[0].related
    nci = {c.lr_lang: c for c in found[0].cells}
    assert nci["azz"].verdict == "helped" and nci["azz"].low > 0 and nci["azz"].seed_std is not None
    assert nci["nya"].verdict == "not distinguishable"
    assert {c.verdict for c in found[1].cells} == {"hurt"}
    text = sentences(found)
    assert (
        text[0].startswith("nci (related donor") and "lowered perplexity below zero-shot on azz +" in text[0]
    )
    assert "no distinguishable change: nya" in text[0] and " ±" in text[0]
    assert text[1].startswith("spa (unrelated donor): helped no recipient") and "made worse: azz" in text[1]
    assert "2 training seeds" in text[-1]
