"""`xlt analyze import`: names first, overrides, the overlap matrix, and the sanity checks' warnings."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest

from xlt.analysis.published import import_overlap, import_published
from xlt.errors import InputError


def _write(folder: Path, matrix: str, zero_shot: dict[str, float]) -> tuple[Path, Path]:
    (folder / "m.csv").write_text(matrix, encoding="utf-8")
    (folder / "zs.json").write_text(json.dumps({k: {"zero_shot": v} for k, v in zero_shot.items()}))
    return folder / "m.csv", folder / "zs.json"


def test_names_are_read_names_first(tmp_path: Path) -> None:
    """Mon is mnw (not Mongolian), Lak is lbe (not the retired code of Laka), Provençal is oci."""
    m, zs = _write(tmp_path, "HR,Mon,Lak,Provençal\nGreek (Modern),5,6,7\nMordvin (Erzya),6,7,8\n",
                   {"Mon": 10, "Lak": 10, "Provençal": 10})  # fmt: skip
    imported = import_published(m, zs)
    trained = imported.table.filter(pl.col("run_id") == "published")
    assert set(trained["lr_lang"]) == {"mnw", "lbe", "oci"}
    assert set(trained["hr_lang"]) == {"ell", "myv"}
    assert set(imported.table.filter(pl.col("run_id") == "base")["lr_lang"]) == {"mnw", "lbe", "oci"}
    assert imported.unknown == [] and imported.missing_zero_shot == []
    assert "Mon" in imported.notes  # as a code, 'Mon' is Mongolian: said, not silently chosen


def test_names_file_overrides_the_registry(ws, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--names maps a name the registry reads otherwise; the CLI prints the import and exits 0."""
    m, zs = _write(tmp_path, "HR,Mon,Chichewa\nSpanish,5,6\nEnglish,6,7\n", {"Mon": 10, "Chichewa": 10})
    (tmp_path / "names.csv").write_text("name,iso3\nMon,khm\n")
    code, out, err = run_cli("analyze", "import", str(m), "--zero-shot", str(zs), "--names",
                             str(tmp_path / "names.csv"))  # fmt: skip
    assert code == 0, err
    assert set(pl.read_parquet(ws.perplexity_path)["lr_lang"]) == {"khm", "nya"}
    assert "2 HR × 2 LR" in out


def test_two_names_for_one_language_are_an_error(tmp_path: Path) -> None:
    """'Greek (Modern)' and 'Modern Greek' are both ell: averaging them silently would be wrong."""
    m, zs = _write(tmp_path, "HR,Mon\nGreek (Modern),5\nModern Greek,6\n", {"Mon": 10})
    with pytest.raises(InputError, match=r"rows 'Greek \(Modern\)' and 'Modern Greek' both resolve to ell"):
        import_published(m, zs)


def test_repeated_column_is_an_error(tmp_path: Path) -> None:
    m, zs = _write(tmp_path, "HR,Mon,Mon\nSpanish,5,6\n", {"Mon": 9})
    with pytest.raises(InputError, match="column 'Mon' appears more than once"):
        import_published(m, zs)


def test_units_mix_up_repeated_rows_and_nan_cells_are_warned(tmp_path: Path) -> None:
    """Losses against perplexities (far below zero-shot), a repeated row and a NaN cell: one warning each,
    naming the file, rows and columns."""
    m, zs = _write(tmp_path, "HR,Mon,Lak\nSpanish,2.1,2.3\nEnglish,2.1,2.3\nFrench,NaN,2.2\n",
                   {"Mon": 150, "Lak": 200})  # fmt: skip
    warnings = import_published(m, zs).warnings
    units = [w for w in warnings if "same units" in w]
    assert len(units) == 1 and "100% of the cells are more than 10× below" in units[0] and str(m) in units[0]
    assert [w for w in warnings if "repeat another" in w] == [
        f"{m}: 1 row(s) repeat another row's values: row 3 (English) = row 2 (Spanish)"
    ]
    assert [w for w in warnings if "are NaN" in w] == [
        f"{m}: 1 cell(s) are NaN, kept as missing: row 4 (French), column Mon"
    ]


def test_exponentiated_twice_is_far_above(tmp_path: Path) -> None:
    """exp(perplexity) instead of perplexity: most cells far above zero-shot."""
    m, zs = _write(tmp_path, f"HR,Mon\nSpanish,{math.exp(12)}\nEnglish,{math.exp(14)}\n", {"Mon": 12})
    warnings = import_published(m, zs).warnings
    assert any("more than 10× above their zero-shot" in w for w in warnings)
    fine, zs2 = _write(tmp_path, "HR,Mon\nSpanish,11\nEnglish,14\n", {"Mon": 12})
    assert import_published(fine, zs2).warnings == []


def test_overlap_matrix_percentages_and_bad_values(tmp_path: Path) -> None:
    """Shares pass as they are; percentages are divided by 100 with a warning; 250 is refused."""
    (tmp_path / "o.csv").write_text("HR,Mon,Lak\nSpanish,0.5,0.25\nEnglish,0.1,\n")
    shares = import_overlap(tmp_path / "o.csv").overlap
    assert dict(((h, r), v) for h, r, v, _ in shares.iter_rows()) == {
        ("spa", "mnw"): 0.5, ("spa", "lbe"): 0.25, ("eng", "mnw"): 0.1,
    }  # fmt: skip
    (tmp_path / "p.csv").write_text("HR,Mon\nSpanish,50\nEnglish,10\n")
    imported = import_overlap(tmp_path / "p.csv")
    assert imported.overlap["overlap_tokens"].to_list() == [0.5, 0.1]
    assert any("percentages" in w for w in imported.warnings)
    (tmp_path / "q.csv").write_text("HR,Mon\nSpanish,250\n")
    with pytest.raises(InputError, match=r"q.csv row 2 \(Spanish\), column Mon: overlap '250'"):
        import_overlap(tmp_path / "q.csv")


def test_imported_overlap_is_the_overlap_feature(ws, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`import --overlap` alone; then `analyze transfer` correlates the gain with overlap_tokens."""
    m, zs = _write(tmp_path, "HR,Mon,Lak,Chichewa\nSpanish,5,9,7\nEnglish,9,6,12\nFrench,8,8,8\n",
                   {"Mon": 8.5, "Lak": 8.5, "Chichewa": 8.5})  # fmt: skip
    (tmp_path / "o.csv").write_text("HR,Mon,Lak,Chichewa\nSpanish,0.9,0.1,0.5\nEnglish,0.1,0.8,0.2\n")
    assert run_cli("analyze", "import", str(m), "--zero-shot", str(zs))[0] == 0
    code, out, err = run_cli("analyze", "import", "--overlap", str(tmp_path / "o.csv"))
    assert code == 0, err
    assert "imported 6 overlap cells" in out
    assert run_cli("analyze", "transfer")[0] == 0
    corr = pl.read_parquet(ws.analysis_dir / "correlations.parquet")
    pooled = corr.filter((pl.col("scope") == "pooled") & (pl.col("feature") == "overlap_tokens"))
    assert pooled.filter(pl.col("gain") == "rel_gain_final")["n"].item() == 6  # French has no overlap row
    code, _, err = run_cli("analyze", "import")
    assert code == 2 and "nothing to import" in err


NASTY = ["", " ", "(", "()", "Foo (", ") Bar (", "123", "NaN", "☃", "x" * 300, "Lak", "prv", "mon", "und"]
NASTY += ["zxx", "Dr. Who", "a/b", "'", '"quoted"', "Mon (", "Greek (Modern) (Modern)", "\t", "null"]


@pytest.mark.parametrize("where", ["header", "rows"])
def test_no_name_crashes_import_or_analysis(ws, run_cli, tmp_path: Path, where: str) -> None:  # type: ignore[no-untyped-def]
    """Any string as a language name: import and analysis exit 0 or 1 with one line, never a traceback."""
    import csv

    names = [n for n in NASTY if n.strip()] if where == "header" else NASTY
    with (tmp_path / "m.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if where == "header":
            writer.writerow(["HR", *names])
            writer.writerow(["Spanish", *range(5, 5 + len(names))])
            writer.writerow(["English", *range(6, 6 + len(names))])
        else:
            writer.writerow(["HR", "Mon", "Lak"])
            for i, name in enumerate(names):
                writer.writerow([name, 5 + i, 7 + i])
    zs = {n: 8.0 for n in (names if where == "header" else ["Mon", "Lak"])}
    (tmp_path / "zs.json").write_text(json.dumps(zs), encoding="utf-8")
    code, _, err = run_cli(
        "analyze", "import", str(tmp_path / "m.csv"), "--zero-shot", str(tmp_path / "zs.json")
    )
    assert code == 0, err  # unknown names are kept as written, with a warning
    assert "Traceback" not in err and "bug" not in err
    if code == 0:
        code, _, err = run_cli("analyze", "transfer")
        assert code in (0, 1) and "Traceback" not in err and "bug" not in err, err
        code, _, err = run_cli("analyze", "plots")
        assert code in (0, 1) and "Traceback" not in err and "bug" not in err, err


def test_wals_table_is_an_alias_source(ws, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--wals takes WALS's languages table as WALS distributes it (wals_code, iso_code, Name)."""
    m, zs = _write(
        tmp_path, "HR,Zorbic (Upper),Mon\nSpanish,5,6\nEnglish,6,7\n", {"Zorbic (Upper)": 9, "Mon": 9}
    )
    (tmp_path / "language.csv").write_text("wals_code,iso_code,Name\nzor,kpv,Zorbic (Upper)\nmon,mnw,Mon\n")
    code, _, err = run_cli("analyze", "import", str(m), "--zero-shot", str(zs), "--wals",
                           str(tmp_path / "language.csv"))  # fmt: skip
    assert code == 0, err
    assert set(pl.read_parquet(ws.perplexity_path)["lr_lang"]) == {"kpv", "mnw"}
    assert "cannot resolve" not in err
