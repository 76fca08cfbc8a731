"""A generated paper-scale workspace for the TUI's tests and benchmark (200 HR × 50 LR languages), and
tests of the TUI's readers on it: overview cells, significance marks, pair curves, baselines, number
formats, labels.

Every HR language has one run with three checkpoints (steps 100, 200, 300) on every LR language, plus
zero-shot rows and baselines on the same eval sets. `imported=True` writes what `xlt analyze import`
writes instead: one checkpoint, no steps. Values are a deterministic function of the pair, so tests can
compute what a cell must show.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest

from xlt.contracts.baselines import BASELINE_SCHEMA, write_baselines
from xlt.contracts.perplexity import conform, read_results, write_results, write_settings
from xlt.languages.core import iso_names
from xlt.tui.data import build_matrix, lang_label, load_baselines, matrix_subjects
from xlt.tui.data.formats import column_formatter, column_order, p_value
from xlt.tui.data.overview import load_overview, overview_grid, pair_curve
from xlt.tui.data.tables import table_grid
from xlt.workspace import Workspace

MODEL = "tiny:ab12cd"
SETTINGS = {"split": "test", "max_input_length": 128}


def scale_codes(n_hr: int = 200, n_lr: int = 50) -> tuple[list[str], list[str]]:
    """Real ISO 639-3 codes (every 30th of the registry's list), the first n_lr the recipients."""
    codes = sorted({code for _, code, _ in iso_names()})[::30]
    return codes[n_lr : n_lr + n_hr], codes[:n_lr]


def zero_shot(j: int) -> float:
    return 1000.0 + 40.0 * j


def checkpoint_ppl(i: int, j: int, c: int) -> float:
    """Perplexity of HR i on LR j at checkpoint c (1..3): best at c=2, the final one drifts back up."""
    strength = 0.5 + 0.7 * ((i * 37 + j * 11) % 100) / 100  # < 1: better than zero-shot
    return zero_shot(j) * strength * (1.0 + 0.05 * (c - 2) ** 2)


def write_scale_workspace(root: Path, n_hr: int = 200, n_lr: int = 50, imported: bool = False) -> Workspace:
    """Write results/perplexity.parquet (+ settings) and results/baselines.parquet for n_hr × n_lr."""
    ws = Workspace.resolve(root)
    hr_codes, lr_codes = scale_codes(n_hr, n_lr)
    rows = [("base", None, "base", 0, lr, zero_shot(j), MODEL) for j, lr in enumerate(lr_codes)]
    checkpoints = [("final", None, 2)] if imported else [(f"step-{100 * c}", 100 * c, c) for c in (1, 2, 3)]
    for i, hr in enumerate(hr_codes):
        run = "published" if imported else f"{hr}-s0"
        for name, step, c in checkpoints:
            rows += [
                (run, hr, name, step, lr, checkpoint_ppl(i, j, c), MODEL) for j, lr in enumerate(lr_codes)
            ]
    frame = pl.DataFrame(
        rows,
        schema=["run_id", "hr_lang", "checkpoint", "step", "lr_lang", "perplexity", "model"],
        orient="row",
    ).with_columns(loss=pl.col("perplexity").log(), n_tokens=pl.lit(5000), eval_seed=pl.lit(0))
    write_results(conform(frame), ws.perplexity_path)  # no per-example losses: the optional columns are null
    write_settings(ws, SETTINGS)
    baselines = [
        (lr, kind, source, ppl, math.log(ppl), 5000, MODEL, 0)
        for j, lr in enumerate(lr_codes)
        for kind, source, ppl in (
            ("random_init", None, 14000.0),
            (f"unigram:{hr_codes[0]}", hr_codes[0], 1.2 * zero_shot(j)),
        )
    ]
    write_baselines(ws, pl.DataFrame(baselines, schema=BASELINE_SCHEMA, orient="row"), SETTINGS)
    (ws.root / "scale.json").write_text(json.dumps({"hr": hr_codes, "lr": lr_codes}))
    return ws


@pytest.fixture(scope="module")
def scale_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return write_scale_workspace(tmp_path_factory.mktemp("scale") / "ws")


@pytest.fixture(scope="module")
def imported_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return write_scale_workspace(tmp_path_factory.mktemp("imported") / "ws", imported=True)


def strength(i: int, j: int) -> float:
    """The best checkpoint's perplexity over zero-shot, as generated here."""
    return checkpoint_ppl(i, j, 2) / zero_shot(j)


# --- readers ----------------------------------------------------------------------------------------


def test_overview_cells_are_the_contract_gains(scale_ws: Workspace) -> None:
    """Each cell is log gain ln(z/p) at the best checkpoint (positive = better); mean = donor strength."""
    hr, lr = scale_codes()
    overview = load_overview(read_results(scale_ws.perplexity_path))
    assert overview.has_steps and overview.models == 1
    grid = overview_grid(overview, "log_gain", "best")
    assert grid.columns == ["donor", "mean", *sorted(lr)]
    assert len(grid.rows) == 200 and grid.keys is not None
    row = grid.keys.index(hr[3])
    column = grid.columns.index(lr[7])
    expected = -math.log(strength(3, 7))
    assert grid.values[row][column] == pytest.approx(expected)
    assert grid.rows[row][column].plain == f"{expected:+.2f} "  # one space where a mark would go
    means = [-sum(math.log(strength(3, j)) for j in range(50)) / 50]
    assert grid.values[row][1] == pytest.approx(means[0])
    final = overview_grid(overview, "rel_gain", "final")
    assert final.values[row][column] == pytest.approx(1 - checkpoint_ppl(3, 7, 3) / zero_shot(7))
    assert final.rows[row][column].plain.endswith("% ")


def test_imported_overview_has_no_steps(imported_ws: Workspace) -> None:
    """An imported matrix (null steps) gives the same cells; best and final are the one checkpoint."""
    overview = load_overview(read_results(imported_ws.perplexity_path))
    assert not overview.has_steps
    best = overview_grid(overview, "log_gain", "best")
    assert best.values == overview_grid(overview, "log_gain", "final").values
    hr, lr = scale_codes()
    curve = pair_curve(overview, load_baselines(imported_ws), hr[0], lr[0])
    assert curve.runs == {"published": [(0, pytest.approx(checkpoint_ppl(0, 0, 2)))]}
    assert not curve.has_steps


def test_significance_marks_keep_columns_aligned(scale_ws: Workspace) -> None:
    """Where the results carry `significant_best`, marked cells get `*`, others a space: same width."""
    overview = load_overview(read_results(scale_ws.perplexity_path))
    overview.table = overview.table.with_columns(
        significant_best=pl.col("log_gain_best") > 0.3, log_gain_lo_best=None, log_gain_hi_best=None
    )
    assert overview.significance("best") and not overview.significance("final")
    grid = overview_grid(overview, "log_gain", "best")
    cells = [cell for row in grid.rows for cell in row[2:]]
    assert {cell.plain[-1] for cell in cells} == {"*", " "}
    assert len({len(cell.plain) for cell in cells}) == 1
    for row, values in zip(grid.rows, grid.values, strict=True):
        for cell, value in zip(row[2:], values[2:], strict=True):
            assert cell.plain.endswith("*") == (value > 0.3)


def test_pair_curve_has_steps_zero_shot_and_baselines(scale_ws: Workspace) -> None:
    """The forgetting curve of a pair: three checkpoints, zero-shot and both baselines as references."""
    hr, lr = scale_codes()
    overview = load_overview(read_results(scale_ws.perplexity_path))
    curve = pair_curve(overview, load_baselines(scale_ws), hr[5], lr[2])
    points = curve.runs[f"{hr[5]}-s0"]
    assert [s for s, _ in points] == [100, 200, 300]
    assert points[1][1] == pytest.approx(checkpoint_ppl(5, 2, 2))
    assert curve.zero_shot == pytest.approx(zero_shot(2))
    assert curve.baselines == [
        ("random init", 14000.0),
        (f"unigram {hr[0]}", pytest.approx(1.2 * zero_shot(2))),
    ]
    facts = dict(curve.facts)
    assert facts["best step"] == "200" and facts["final step"] == "300"
    assert facts["rel gain best"] == f"{100 * (1 - strength(5, 2)):+.1f}%"


def test_run_matrix_shows_baselines_under_checkpoints(scale_ws: Workspace) -> None:
    """The per-run matrix ends with random init and unigram rows; in gain mode they are gains too."""
    frame = read_results(scale_ws.perplexity_path)
    subject = matrix_subjects(frame)[0]
    baselines = load_baselines(scale_ws)
    ppl = build_matrix(frame, subject, "perplexity", baselines)
    hr, lr = scale_codes()
    assert ppl.checkpoints[0] == "base" and ppl.checkpoints[-2:] == ["random init", f"unigram {hr[0]}"]
    assert ppl.kinds[-2:] == ["baseline", "baseline"] and ppl.values[-2][0] == 14000.0
    assert all(best is not None and best < len(ppl.checkpoints) - 2 for best in ppl.best)
    gain = build_matrix(frame, subject, "gain", baselines)
    z = zero_shot(lr.index(gain.langs[0]))
    assert gain.values[-2][0] == pytest.approx(100 * (1 - 14000 / z))


def test_number_formats_per_column() -> None:
    """p-values 1.6e-4, percentages with one decimal, perplexities without decimals from 100 up."""
    assert p_value(1.596e-4) == "1.6e-4" and p_value(0.0325) == "0.033"
    assert column_formatter("rel_gain_best", pl.Float64())(0.7325) == "+73.2%"
    assert column_formatter("forgetting_share", pl.Float64())(0.25) == "25.0%"
    assert column_formatter("best_ppl", pl.Float64())(1234.56) == "1,235"
    assert column_formatter("zs_ppl", pl.Float64())(42.25) == "42.2"
    assert column_formatter("log_gain_final", pl.Float64())(-0.1234) == "-0.123"
    assert column_formatter("spearman_q", pl.Float64())(0.001756) == "0.002"
    order = column_order(["feature", "spearman", "pearson", "spearman_p", "pearson_p", "spearman_q"])
    assert order == ["feature", "spearman", "spearman_p", "spearman_q", "pearson", "pearson_p"]


def test_names_beside_codes_without_repeats() -> None:
    """`Slovenian (slv)`, but an unresolved name is shown once, not "Slovene (Slovene)"."""
    assert lang_label("slv") == "Slovenian (slv)"
    assert lang_label("Slovene") == "Slovene"
    grid = table_grid(pl.DataFrame({"hr_lang": ["slv", "Slovene"], "log_gain_best": [0.5, -0.25]}))
    assert grid.columns == ["hr_lang", "hr_lang name", "log_gain_best"]
    assert grid.rows == [("slv", "Slovenian", "+0.500"), ("Slovene", "", "-0.250")]
