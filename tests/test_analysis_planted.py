"""Done-when of issue 14: a 200 × 50 WALS-named matrix with planted super donors, super recipients and a
planted donor prior is imported, resolved, analysed and plotted, and the planted findings come back.

The matrix is built by :mod:`xlt.analysis.synthetic` (its docstring says what is planted); a 3 × 7 one
where nobody improves checks that an empty finding is written on the figures.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from xlt.analysis import synthetic

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> synthetic.Planted:
    return synthetic.planted(n_hr=200, n_lr=50, seed=0)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:4] == PNG, path
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_paper_scale_matrix_recovers_the_planted_findings(  # type: ignore[no-untyped-def]
    paper: synthetic.Planted, ws, run_cli, tmp_path: Path
) -> None:
    """Import (names first, overlap too), `analyze all`, then: every name resolved to its code, the
    planted super donors and recipients flagged, the donor prior recovered by the ranker, figures
    legible in size."""
    matrix, zero_shot = paper.write(tmp_path)
    overlap = paper.write_overlap(tmp_path / "overlap.csv")
    code, out, err = run_cli("analyze", "import", str(matrix), "--zero-shot", str(zero_shot),
                             "--overlap", str(overlap))  # fmt: skip
    assert code == 0, err
    assert "cannot resolve" not in err and "200 HR × 50 LR" in out
    results = pl.read_parquet(ws.perplexity_path)
    assert set(results["hr_lang"].drop_nulls()) == set(paper.hr_codes)
    assert set(results["lr_lang"]) == set(paper.lr_codes)
    codes = set(results["lr_lang"]) | set(results["hr_lang"].drop_nulls())
    assert {"mnw", "lbe", "oci", "ell", "myv", "sme", "slv", "cmn", "gug"} <= codes  # as WALS names them
    assert not {"mon", "lak", "prv"} & codes  # Mongolian, Laka, the retired code of Provençal

    code, out, err = run_cli("analyze", "all")
    assert code == 0, err
    out_dir = ws.analysis_dir
    donors = pl.read_parquet(out_dir / "donors.parquet")
    recipients = pl.read_parquet(out_dir / "recipients.parquet")
    flagged = set(donors.filter(pl.col("super_donor"))["hr_lang"])
    assert set(paper.super_donors) <= flagged and len(flagged - set(paper.super_donors)) <= 1
    assert set(donors.head(len(paper.super_donors))["hr_lang"]) == set(paper.super_donors)
    flagged = set(recipients.filter(pl.col("super_recipient"))["lr_lang"])
    assert set(paper.super_recipients) <= flagged and len(flagged - set(paper.super_recipients)) <= 1
    # outliers near 99,000 do not move the median log gain of an ordinary donor far from the planted
    # ln(z/p) = −0.35 (a mean relative gain would be in the thousands)
    ordinary = donors.filter(~pl.col("hr_lang").is_in(paper.super_donors))
    assert ordinary["median_log_gain"].median() == pytest.approx(-0.35, abs=0.1)

    evaluation = pl.read_parquet(out_dir / "ranking_eval.parquet")
    means = {c: float(evaluation[c].mean()) for c in evaluation.columns if c.startswith("ndcg_")}
    assert means["ndcg_prior"] > 0.6 > means["ndcg_random"] + 0.3
    assert means["ndcg_ranker"] >= means["ndcg_prior"] - 0.05
    features = pl.read_parquet(out_dir / "correlations.parquet")["feature"].unique().to_list()
    assert "overlap_tokens" in features  # the imported overlap is a feature

    assert not (out_dir / "gain_best.png").exists()  # one checkpoint per cell: best = final, one heatmap
    for name in ("gain_final", "donors", "recipients", "overlap"):
        width, height = _png_size(out_dir / f"{name}.png")
        assert 600 < width < 3000 and 400 < height < 4500, (name, width, height)
    assert "Top donors" in out


def test_top_subsets_and_formats(paper: synthetic.Planted, ws, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`analyze plots --top 20 --hr ... --format svg`: 20 heatmap rows, text kept as text in the SVG."""
    matrix, zero_shot = paper.write(tmp_path)
    assert run_cli("analyze", "import", str(matrix), "--zero-shot", str(zero_shot))[0] == 0
    assert run_cli("analyze", "transfer")[0] == 0
    code, _, err = run_cli("analyze", "plots", "--top", "20", "--format", "svg", "--order", "cluster",
                           "--lr", ",".join(paper.lr_codes[:10]))  # fmt: skip
    assert code == 0, err
    svg = (ws.analysis_dir / "gain_final.svg").read_text(encoding="utf-8")
    assert "top 20 of 200 donors" in svg and "rows by cluster" in svg
    assert svg.count("(") > 20  # tick labels "Name (code)" as text
    code, _, err = run_cli("analyze", "plots", "--format", "gif")
    assert code == 2 and "--format" in err


def test_small_matrix_where_nobody_improves_says_so(ws, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """3 × 7, every cell above zero-shot: nobody is flagged, and the figures say it is an empty finding."""
    small = synthetic.planted(
        n_hr=3, n_lr=7, n_super_donors=0, n_super_recipients=0, seed=1, nobody_improves=True
    )
    matrix, zero_shot = small.write(tmp_path)
    assert run_cli("analyze", "import", str(matrix), "--zero-shot", str(zero_shot))[0] == 0
    code, _, err = run_cli("analyze", "transfer")
    assert code == 0, err
    code, _, err = run_cli("analyze", "plots", "--format", "svg")
    assert code == 0, err
    donors = pl.read_parquet(ws.analysis_dir / "donors.parquet")
    assert donors["n_improved"].sum() == 0 and not donors["super_donor"].any()
    assert "Empty finding" in (ws.analysis_dir / "donors.svg").read_text(encoding="utf-8")
    assert "Empty finding" in (ws.analysis_dir / "gain_final.svg").read_text(encoding="utf-8")
    assert run_cli("analyze", "plots")[0] == 0
    width, height = _png_size(ws.analysis_dir / "gain_final.png")
    assert 500 < width < 2000 and 400 < height < 1500
