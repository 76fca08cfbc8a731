"""`xlt collect` on the command line: the sample end to end, help examples, errors in one line."""

from __future__ import annotations

import polars as pl


def test_collect_sample_end_to_end(run_cli, ws):
    """`xlt collect sample` writes every language, a manifest and a table; a re-run adds nothing."""
    code, out, err = run_cli("collect", "sample")
    assert code == 0, err
    for iso3 in ("spa", "tur", "eng", "nci", "azz", "ote", "nya"):
        assert iso3 in out
        assert list(ws.raw_lang_dir("sample", iso3).glob("*.txt"))
    manifest = pl.read_parquet(ws.manifest_path("sample"))
    assert {"source", "iso3", "origin", "lines", "sha256", "input_sha256"} <= set(manifest.columns)
    assert manifest["sha256"].str.len_chars().to_list() == [64] * manifest.height
    code, out, _ = run_cli("collect", "sample")
    assert code == 0 and "0 new file(s)" in out


def test_collect_help_has_an_example_per_source(run_cli):
    """The help shows an example line for every source."""
    code, out, _ = run_cli("collect", "--help")
    assert code == 0
    for source in ("sample", "hzsk", "ud", "wiki", "hse", "mc4"):
        assert f"xlt collect {source}" in out, source


def test_collect_errors_are_one_line(run_cli, tmp_path):
    """Nothing collectable: exit 1 and one line; wrong option for a source: exit 2."""
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli("collect", "hzsk", str(tmp_path / "empty"))
    assert code == 1 and err.strip().count("\n") == 0 and "nothing collected" in err
    code, _, err = run_cli("collect", "hzsk", str(tmp_path), "--lr-lines", "5")
    assert code == 2 and "--lr-lines applies to the sample source" in err
    code, _, err = run_cli("collect", "gutenberg", str(tmp_path))
    assert code == 2 and "unknown source" in err


def test_collect_reports_skipped_files(run_cli, tmp_path):
    """A bad file among good ones is one 'skipped:' line; the good file is collected (exit 0)."""
    folder = tmp_path / "UD_Erzya-JR"
    folder.mkdir()
    (folder / "good.conllu").write_text(
        "# text = Шумбрат!\n1\tШумбрат\t_\t_\t_\t_\t0\troot\t_\t_\n\n", "utf-8"
    )
    (folder / "bad.conllu").write_text("x\ty\t_\t_\t_\t_\t0\troot\t_\t_\n\n", "utf-8")
    code, out, err = run_cli("collect", "ud", str(folder))
    assert code == 0 and "myv" in out
    skipped = [line for line in err.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 1 and "bad.conllu" in skipped[0]
