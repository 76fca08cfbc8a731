"""`clean_workspace` and `xlt clean`: outputs, determinism, resume, atomicity, bad inputs, tiers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polars as pl
import pytest

from xlt.cleaning import CleanOptions, clean_workspace
from xlt.contracts.languages import languages_in_tier, read_languages
from xlt.errors import WorkspaceError
from xlt.workspace import Workspace


def write_raw(ws: Workspace, source: str, iso3: str, lines: list[str], name: str = "part.txt") -> Path:
    """A raw file of UTF-8 lines, as `xlt collect` writes them."""
    path = ws.raw_lang_dir(source, iso3) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def numbered(prefix: str, n: int, words: str) -> list[str]:
    """n distinct lines (letters differ, so near-duplicate keys differ too)."""
    return [f"{words} {prefix}{_letters(i)}" for i in range(n)]


def _letters(i: int) -> str:
    out = ""
    while True:
        out += chr(ord("a") + i % 26)
        i //= 26
        if not i:
            return out


def cyrillic(n: int) -> list[str]:
    """n distinct Cyrillic lines."""
    return [f"Это строка номер {''.join(chr(0x430 + int(d)) for d in str(i))} в корпусе" for i in range(n)]


@pytest.fixture
def corpus(ws: Workspace) -> Workspace:
    """Two sources of English with overlap and noise, one Russian source with English lines."""
    write_raw(
        ws, "wiki", "eng", [*numbered("w", 300, "the wiki line"), "<p>Shared line, across sources</p>", "x"]
    )
    write_raw(ws, "mc4", "eng", [*numbered("m", 200, "an mc4 line"), "shared LINE across sources!!", ""])
    write_raw(
        ws, "wiki", "rus", [*cyrillic(120), "This English line is noise", "Это строка номер а в корпусе"]
    )
    return ws


def files_of(root: Path) -> dict[str, bytes]:
    """Every file under root (relative path -> bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_clean_outputs_and_table(corpus):
    """Languages merge their sources; duplicates across sources go; the table has the contract's columns."""
    report = clean_workspace(corpus, CleanOptions(hr_min_tokens=1_500, lr_min_tokens=100))
    eng, rus = report.by_iso3()["eng"], report.by_iso3()["rus"]
    assert eng.sources == ["mc4", "wiki"] and eng.lines_in == 504
    assert eng.dropped == {"blank": 1, "length": 1, "dedup": 1}
    assert eng.lines == 501 and eng.valid_lines == 50 and eng.train_lines == 451
    assert rus.dropped == {"script": 1, "dedup": 1}
    train = corpus.train_path("eng").read_text(encoding="utf-8").splitlines()
    valid = corpus.valid_path("eng").read_text(encoding="utf-8").splitlines()
    assert len(train) == 451 and len(valid) == 50 and not set(train) & set(valid)
    # Sources are read in sorted order (mc4 before wiki): the first occurrence wins.
    assert "shared LINE across sources!!" in train + valid
    assert "Shared line, across sources" not in train + valid
    frame = read_languages(corpus)
    for column in ("iso3", "name", "script", "sources", "lines", "chars", "tokens", "tier", "train_lines"):
        assert column in frame.columns
    row = frame.filter(pl.col("iso3") == "eng").row(0, named=True)
    assert row["tokens"] == sum(len(line.split()) for line in train + valid)
    assert row["chars"] == sum(len(line) for line in train + valid)
    assert row["sources"] == "mc4,wiki" and row["script"] == "Latn" and row["name"] == "English"
    assert languages_in_tier(corpus, "hr") == ["eng"]
    assert languages_in_tier(corpus, "lr") == ["rus"]


def test_byte_identical_reruns(corpus, tmp_path):
    """Same inputs and seed: byte-identical files, in place (--force) and in a copied workspace."""
    import shutil

    clean_workspace(corpus, CleanOptions(max_lines=200))
    first = files_of(corpus.corpus_dir)
    clean_workspace(corpus, CleanOptions(max_lines=200, force=True))
    assert files_of(corpus.corpus_dir) == first
    other = Workspace.resolve(tmp_path / "copy")
    shutil.copytree(corpus.raw_dir, other.raw_dir)
    clean_workspace(other, CleanOptions(max_lines=200))
    copied = files_of(other.corpus_dir)
    for name in ("eng/train.txt", "eng/valid.txt", "rus/train.txt", "rus/valid.txt"):
        assert copied[name] == first[name]
    assert read_languages(other).equals(read_languages(corpus))


def test_batch_size_does_not_change_output(corpus, monkeypatch):
    """Streaming in batches of 7 lines gives the same files as the default batches (dedup spans batches)."""
    from xlt.cleaning import pipeline

    clean_workspace(corpus, CleanOptions(max_lines=300))
    first = files_of(corpus.corpus_dir)
    monkeypatch.setattr(pipeline, "BATCH_LINES", 7)
    clean_workspace(corpus, CleanOptions(max_lines=300, force=True))
    assert files_of(corpus.corpus_dir) == first


def test_seed_changes_split_and_cap(corpus):
    """Another seed gives another split and another capped sample of the same size."""
    clean_workspace(corpus, CleanOptions(max_lines=100))
    before = corpus.valid_path("eng").read_text(encoding="utf-8")
    report = clean_workspace(corpus, CleanOptions(max_lines=100, seed=1))
    assert corpus.valid_path("eng").read_text(encoding="utf-8") != before
    eng = report.by_iso3()["eng"]
    assert eng.lines == 100 and eng.valid_lines == 10 and eng.dropped["cap"] == 401


def test_up_to_date_languages_are_skipped(corpus):
    """A re-run skips unchanged languages; touching a raw file redoes only that language."""
    clean_workspace(corpus)
    again = clean_workspace(corpus)
    assert {r.status for r in again.languages} == {"up to date"}
    write_raw(corpus, "wiki", "rus", cyrillic(50), name="more.txt")
    third = clean_workspace(corpus).by_iso3()
    assert third["eng"].status == "up to date" and third["rus"].status == "cleaned"
    assert clean_workspace(corpus, CleanOptions(force=True)).by_iso3()["eng"].status == "cleaned"


def test_thresholds_retier_without_recleaning(corpus):
    """Changing tier thresholds rewrites the table from stored counts; files are not redone."""
    clean_workspace(corpus)
    assert languages_in_tier(corpus, "excluded") == ["eng", "rus"]  # paper thresholds: far too small
    report = clean_workspace(corpus, CleanOptions(hr_min_tokens=10, lr_min_tokens=5))
    assert {r.status for r in report.languages} == {"up to date"}
    assert languages_in_tier(corpus, "hr") == ["eng", "rus"]


def test_dry_run_writes_nothing(corpus):
    """--dry-run reports the same numbers as a real run and leaves the workspace untouched."""
    before = files_of(corpus.root)
    dry = clean_workspace(corpus, CleanOptions(dry_run=True))
    assert files_of(corpus.root) == before and not corpus.corpus_dir.exists()
    assert dry.languages_path is None
    real = clean_workspace(corpus)
    for iso3, report in dry.by_iso3().items():
        done = real.by_iso3()[iso3]
        assert (report.dropped, report.lines, report.tokens) == (done.dropped, done.lines, done.tokens)


def test_failure_mid_write_keeps_old_files(corpus, monkeypatch):
    """An exception while writing leaves the previous train.txt intact and no temporary files."""
    from xlt.cleaning import pipeline

    clean_workspace(corpus)
    before = files_of(corpus.corpus_dir)
    calls = {"n": 0}

    def explode(line: str) -> int:
        calls["n"] += 1
        if calls["n"] > 100:
            raise KeyboardInterrupt
        return len(line.split())

    monkeypatch.setattr(pipeline, "_whitespace_tokens", explode)
    with pytest.raises(KeyboardInterrupt):
        clean_workspace(corpus, CleanOptions(force=True, seed=7))
    assert files_of(corpus.corpus_dir) == before


def test_leftovers_of_a_killed_run_are_removed(corpus):
    """Temporary files left by a SIGKILL are removed when the language is cleaned again."""
    leftover = corpus.corpus_lang_dir("eng") / ".train.txt.abc123.tmp"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("half a line", encoding="utf-8")
    clean_workspace(corpus)
    assert not leftover.exists() and corpus.train_path("eng").is_file()


def test_failure_on_first_run_leaves_nothing(corpus, monkeypatch):
    """A run killed mid-write on a fresh workspace leaves no train.txt at all."""
    from xlt.cleaning import pipeline

    def explode(line: str) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "_whitespace_tokens", explode)
    with pytest.raises(RuntimeError):
        clean_workspace(corpus)
    assert not list(corpus.corpus_dir.rglob("*.txt")) and not list(corpus.corpus_dir.rglob("*.tmp"))


def test_bad_inputs_are_warnings(corpus):
    """Empty dir, binary file, undecodable file, all-filtered language: one warning each, others done."""
    corpus.raw_lang_dir("wiki", "fin").mkdir(parents=True)
    write_raw(corpus, "wiki", "deu", ["Ein guter Satz hier", "Noch ein guter Satz"])
    (corpus.raw_lang_dir("wiki", "deu") / "image.txt").write_bytes(b"\x89PNG\x00\x00\x01")
    (corpus.raw_lang_dir("wiki", "deu") / "latin1.txt").write_bytes("Größe und Maß\n".encode("latin-1"))
    write_raw(corpus, "wiki", "fra", ["x", "y", "<br>"])
    write_raw(corpus, "wiki", "ita", [])
    report = clean_workspace(corpus)
    text = "\n".join(report.warnings)
    assert "fin: no .txt files in raw/wiki/fin" in text
    assert "image.txt: binary data" in text
    assert "latin1.txt: not UTF-8" in text
    assert "fra: every line was filtered out (3 lines in raw/wiki/fra)" in text
    assert "ita: no readable text in raw/wiki/ita" in text
    assert len(report.warnings) == 5
    assert report.by_iso3()["deu"].lines == 2 and report.by_iso3()["eng"].lines == 501
    assert not corpus.train_path("fra").exists()
    assert set(read_languages(corpus)["iso3"]) == {"deu", "eng", "fin", "fra", "ita", "rus"}


def test_bom_crlf_and_decomposed_input(ws):
    """A BOM, Windows line ends and decomposed accents come out as clean NFC lines."""
    path = ws.raw_lang_dir("web", "fra") / "win.txt"
    path.parent.mkdir(parents=True)
    path.write_bytes("\ufeffL'été est là\r\nUn cafe\u0301 noir\r\n".encode())
    clean_workspace(ws, CleanOptions(valid_fraction=0.0))
    assert ws.train_path("fra").read_text(encoding="utf-8") == "L'été est là\nUn café noir\n"
    assert ws.valid_path("fra").read_text(encoding="utf-8") == ""


def test_no_raw_is_a_workspace_error(ws):
    """Without raw/ the error says to run `xlt collect` first; without a table, `xlt clean` first."""
    with pytest.raises(WorkspaceError, match="collect"):
        clean_workspace(ws)
    with pytest.raises(WorkspaceError, match="xlt clean"):
        read_languages(ws)


def test_language_selection_keeps_other_rows(corpus):
    """--lang cleans only the chosen languages; rows of languages cleaned earlier stay in the table."""
    clean_workspace(corpus)
    report = clean_workspace(corpus, CleanOptions(languages=["Russian"], force=True))
    assert [r.iso3 for r in report.languages] == ["rus"]
    assert set(read_languages(corpus)["iso3"]) == {"eng", "rus"}


def test_cli_clean(corpus, run_cli):
    """`xlt clean` prints the tables and tiers; bad combinations and missing input are one-line errors."""
    code, out, err = run_cli("clean", "--hr-min-tokens", "1000", "--lr-min-tokens", "100", "--dry-run")
    assert code == 0, err
    assert "dry run" in out and "eng" in out and "dropped" in out
    assert "examples of dropped lines" in out and "This English line is noise" in out
    assert not corpus.corpus_dir.exists()
    code, out, _ = run_cli("clean", "--lang", "Russian", "--no-script")
    assert code == 0 and read_languages(corpus)["iso3"].to_list() == ["rus"]
    code, _, err = run_cli("clean", "--valid-fraction", "1.5")
    assert code == 2 and "valid fraction" in err
    code, _, err = run_cli("clean", "--hr-min-tokens", "10", "--lr-min-tokens", "100")
    assert code == 2 and "--lr-min-tokens" in err


def test_cli_without_raw(run_cli):
    """No raw/: exit code 1 and one line saying to run collect."""
    code, _, err = run_cli("clean")
    assert code == 1 and "xlt collect" in err and err.strip().count("\n") == 0


def test_tokenizer_counts(corpus, tmp_path):
    """With a tokenizer, mt5_tokens counts the subword tokens of the cleaned lines."""
    sentencepiece = pytest.importorskip("sentencepiece")
    transformers = pytest.importorskip("transformers")
    train = corpus.raw_lang_dir("wiki", "eng") / "part.txt"
    prefix = tmp_path / "spiece"
    sentencepiece.SentencePieceTrainer.train(
        input=str(train), model_prefix=str(prefix), vocab_size=60, model_type="unigram",
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, minloglevel=2,
    )  # fmt: skip
    tok_dir = tmp_path / "tok"
    transformers.T5Tokenizer.from_pretrained(
        str(tmp_path), vocab_file=str(prefix) + ".model"
    ).save_pretrained(tok_dir)
    report = clean_workspace(corpus, CleanOptions(tokenizer=str(tok_dir), languages=("eng",)))
    eng = report.by_iso3()["eng"]
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(tok_dir))
    lines = corpus.train_path("eng").read_text(encoding="utf-8").splitlines()
    lines += corpus.valid_path("eng").read_text(encoding="utf-8").splitlines()
    expected = sum(len(ids) for ids in tokenizer(lines, add_special_tokens=False)["input_ids"])
    assert eng.mt5_tokens == expected > eng.tokens
    assert read_languages(corpus).filter(pl.col("iso3") == "eng")["mt5_tokens"].item() == expected


@pytest.mark.skipif(
    importlib.util.find_spec("xlt.sources.sample") is None
    or importlib.util.find_spec("xlt.commands.collect") is None,
    reason="the sample source or the collect command is not written yet",
)
def test_sample_corpus_end_to_end(run_cli, ws):
    """`xlt collect sample` then `xlt clean` with small thresholds gives HR and LR languages."""
    code, _, err = run_cli("collect", "sample")
    assert code == 0, err
    code, out, err = run_cli("clean", "--hr-min-tokens", "20000", "--lr-min-tokens", "500")
    assert code == 0, err
    frame = read_languages(ws)
    assert frame.height >= 2
    assert (frame["lines"] > 0).any()
    assert languages_in_tier(ws, "hr") or languages_in_tier(ws, "lr")
    code, out, _ = run_cli("clean", "--hr-min-tokens", "20000", "--lr-min-tokens", "500")
    assert code == 0 and "up to date" in out
