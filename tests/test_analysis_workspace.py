"""Analysis against files: overlap with a real tokenizer, imported matrices, plots, CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest

from xlt.analysis import (
    AnalysisOptions,
    analyze_workspace,
    import_published,
    subtoken_overlap,
)
from xlt.workspace import write_parquet

WORDS = ["a", "b", "c", "d", "e", "f", "g"]


def make_tokenizer(folder: Path) -> Path:
    """A whitespace word-level tokenizer (one id per word) saved as transformers tokenizer files."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"[UNK]": 0, "[PAD]": 1, **{w: i + 2 for i, w in enumerate(WORDS)}}
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]").save_pretrained(
        folder
    )
    return folder


CORPORA = {
    "spa": ["a b c", "a b"],  # types {a, b, c}
    "eng": ["e e f"],  # types {e, f}
    "nya": ["a a d"],  # 2 of 3 tokens and 1 of 2 types in spa
    "kpv": ["e g g g"],  # 1 of 4 tokens and 1 of 2 types in eng
}


def test_subtoken_overlap_known_shares(tmp_path: Path) -> None:
    """Overlap through a transformers tokenizer matches shares counted by hand."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(make_tokenizer(tmp_path / "tok"))
    out = subtoken_overlap(tokenizer, CORPORA, ["spa", "eng"], ["nya", "kpv"])
    shares = {
        (r["hr_lang"], r["lr_lang"]): (r["overlap_tokens"], r["overlap_types"])
        for r in out.iter_rows(named=True)
    }
    assert shares[("spa", "nya")] == pytest.approx((2 / 3, 1 / 2))
    assert shares[("eng", "kpv")] == pytest.approx((1 / 4, 1 / 2))
    assert shares[("spa", "kpv")] == (0.0, 0.0)
    assert out.height == 4


def test_import_published_keeps_unknown_names(tmp_path: Path) -> None:
    """A wide CSV with names becomes long rows; an unknown name is kept as given with one warning."""
    (tmp_path / "m.csv").write_text("HR,Chichewa,Komi-Zyrian,Zorblax\nSpanish,80,150,\nEnglish,120,,30\n")
    (tmp_path / "zs.json").write_text(
        json.dumps({"Chichewa": {"zero_shot": 100}, "Komi-Zyrian": {"zero_shot": 200}})
    )
    imported = import_published(tmp_path / "m.csv", tmp_path / "zs.json")
    table = imported.table
    assert imported.unknown == ["Zorblax"]
    assert [w for w in imported.warnings if "cannot resolve" in w] == [
        "kept 1 language name(s) the registry cannot resolve as given: Zorblax"
    ]
    assert any("no zero-shot" in w for w in imported.warnings)
    trained = table.filter(pl.col("run_id") == "published")
    assert trained.height == 4  # empty cells skipped
    assert set(trained["hr_lang"]) == {"spa", "eng"}
    assert set(trained["lr_lang"]) == {"nya", "kpv", "Zorblax"}
    base = table.filter(pl.col("run_id") == "base")
    assert base["hr_lang"].null_count() == 2 and set(base["checkpoint"]) == {"base"}
    assert trained.filter(pl.col("lr_lang") == "nya")["loss"].to_list() == pytest.approx(
        [math.log(80), math.log(120)]
    )


def _workspace(ws) -> None:  # type: ignore[no-untyped-def]
    """Corpus files, a tokenizer run config and a perplexity matrix with two checkpoints per run."""
    for lang, lines in CORPORA.items():
        ws.train_path(lang).parent.mkdir(parents=True, exist_ok=True)
        ws.train_path(lang).write_text("\n".join(lines) + "\n", encoding="utf-8")
    make_tokenizer(ws.tokenizer_dir("tiny"))
    ws.run_dir("spa-1").mkdir(parents=True)
    (ws.run_dir("spa-1") / "config.json").write_text(json.dumps({"tokenizer": str(ws.tokenizer_dir("tiny"))}))
    write_parquet(
        pl.DataFrame(
            {"iso3": ["spa", "eng", "nya", "kpv"], "tokens": [5, 3, 3, 4], "tier": ["hr", "hr", "lr", "lr"]}
        ),
        ws.languages_path,
    )
    rows = []
    zs = {"nya": 100.0, "kpv": 50.0}
    for lr, value in zs.items():
        rows.append(("base", None, "base", 0, lr, value))
    finals = {("spa", "nya"): 70.0, ("spa", "kpv"): 45.0, ("eng", "nya"): 90.0, ("eng", "kpv"): 60.0}
    for (hr, lr), final in finals.items():
        rows.append((f"{hr}-1", hr, "step-10", 10, lr, final * 0.95))
        rows.append((f"{hr}-1", hr, "step-20", 20, lr, final))
    frame = pl.DataFrame(
        rows, schema=["run_id", "hr_lang", "checkpoint", "step", "lr_lang", "perplexity"], orient="row"
    ).with_columns(
        loss=pl.col("perplexity").log(), n_tokens=pl.lit(100), model=pl.lit("tiny:test"), eval_seed=pl.lit(0)
    )
    write_parquet(frame, ws.perplexity_path)


def test_analyze_workspace_writes_tables_and_plots(ws) -> None:  # type: ignore[no-untyped-def]
    """Every step runs on a small workspace; plots are non-empty PNGs; a second run reuses overlap."""
    _workspace(ws)
    report = analyze_workspace(ws, AnalysisOptions())
    assert set(report.tables) >= {"overlap", "typology", "transfer", "donors", "recipients", "correlations"}
    evaluation = report.tables["ranking_eval"]  # 2 LR languages with 2 donors each: leave-one-out works
    assert evaluation.height == 2 and evaluation["ndcg_ranker"].is_between(0, 1).all()
    donors = report.tables["donors"]
    assert donors.row(0, named=True)["hr_lang"] == "spa" and donors.row(0, named=True)["n_improved"] == 2
    features = report.tables["features"]
    assert {"overlap_tokens", "genetic", "log_hr_tokens"} <= set(features.columns)
    out = ws.analysis_dir
    for name in ("overlap.parquet", "typology.parquet", "transfer.csv", "donors.csv", "correlations.parquet"):
        assert (out / name).is_file(), name
    pngs = [out / "gain_final.png", out / "overlap.png", out / "donors.png", out / "forgetting" / "spa.png"]
    for png in pngs:
        assert png.is_file() and png.stat().st_size > 1000, png
        assert png.read_bytes()[:4] == b"\x89PNG"
    again = analyze_workspace(ws, AnalysisOptions(steps=("overlap",)))
    assert again.skipped["overlap"].startswith("up to date")
    capped = analyze_workspace(ws, AnalysisOptions(steps=("overlap",), max_lines=1))  # other input: redo
    assert "overlap" not in capped.skipped
    assert capped.tables["overlap"]["max_lines"].unique().to_list() == [1]


def test_cli_analyze_and_import(ws, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`xlt analyze` prints donors; `analyze import` refuses to overwrite; a bad --at is a usage error."""
    _workspace(ws)
    code, out, err = run_cli("analyze", "all")
    assert code == 0, err
    assert "Top donors" in out and "Spanish" in out
    code, out, err = run_cli("analyze", "rank", "--lr", "Chichewa")
    assert code == 0, err
    assert "Donors for nya" in out and "NDCG@3" in out
    code, _out, err = run_cli("analyze", "transfer", "--at", "middle")
    assert code == 2 and "--at" in err
    (tmp_path / "m.csv").write_text("HR,Chichewa\nSpanish,80\n")
    (tmp_path / "zs.csv").write_text("lr,zero_shot\nChichewa,100\n")
    code, _out, err = run_cli(
        "analyze", "import", str(tmp_path / "m.csv"), "--zero-shot", str(tmp_path / "zs.csv")
    )
    assert code == 2 and "--force" in err
    code, out, err = run_cli(
        "analyze", "import", str(tmp_path / "m.csv"), "--zero-shot", str(tmp_path / "zs.csv"), "--force"
    )
    assert code == 0, err
    assert pl.read_parquet(ws.perplexity_path).filter(pl.col("run_id") == "published").height == 1


def test_unknown_languages_skip_typology_with_a_warning(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A published matrix of names URIEL lacks still analyses: typology is skipped with one warning."""
    (tmp_path / "m.csv").write_text("HR,Zorblax,Quux\nFoo,80,120\nPlugh,90,90\n")
    (tmp_path / "zs.csv").write_text("lr,zero_shot\nZorblax,100\nQuux,100\n")
    write_parquet(import_published(tmp_path / "m.csv", tmp_path / "zs.csv").table, ws.perplexity_path)
    report = analyze_workspace(ws, AnalysisOptions(steps=("typology", "transfer", "plots")))
    assert report.skipped["typology"] == "URIEL+ has none of the languages"
    assert [w for w in report.warnings if "URIEL" in w] == [
        "typology: URIEL+ has no vectors for Foo, Plugh, Quux, Zorblax; their distances are null"
        f" (kinds per language: {ws.analysis_dir / 'typology_coverage.csv'})"
    ]
    top = report.tables["donors"].row(0, named=True)  # Plugh improves both, Foo only Zorblax
    assert (top["hr_lang"], top["n_improved"]) == ("Plugh", 2)
    assert (ws.analysis_dir / "gain_final.png").stat().st_size > 1000


def test_every_analyze_subcommand_has_an_example(run_cli) -> None:  # type: ignore[no-untyped-def]
    """`xlt analyze SUB --help` shows an example for every subcommand."""
    for sub in ("all", "overlap", "typology", "transfer", "rank", "import", "plots"):
        code, out, _ = run_cli("analyze", sub, "--help")
        assert code == 0 and "Example:" in out, sub
