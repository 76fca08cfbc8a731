"""Downstream data, metrics and results: parallel corpora, UD reading, sacrebleu scores, parquet appends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xlt.downstream.parallel import clean_pairs, elotl_varieties, load_elotl, load_parallel, split_pairs
from xlt.downstream.treebanks import UPOS_TAGS, load_treebank, read_conllu
from xlt.errors import InputError, UsageError
from xlt.languages import resolve

SPA, NCI = resolve("spa"), resolve("nci")

TOY_CONLLU = """\
# sent_id = s1
# text = el perro come
1\tel\tel\tDET\t_\t_\t2\tdet\t_\t_
2\tperro\tperro\tNOUN\t_\t_\t3\tnsubj\t_\t_
3\tcome\tcomer\tVERB\t_\t_\t0\troot\t_\t_

# sent_id = s2
1-2\tdel\t_\t_\t_\t_\t_\t_\t_\t_
1\tde\tde\tADP\t_\t_\t3\tcase\t_\t_
2\tel\tel\tDET\t_\t_\t3\tdet\t_\t_
3\tgato\tgato\tNOUN\t_\t_\t0\troot\t_\t_
3.1\tes\tser\tAUX\t_\t_\t_\t_\t3:cop\t_

"""


def test_elotl_filters_to_one_variety():
    """axolotl filtered to nci keeps exactly the nci rows; the reverse direction swaps the sides."""
    pairs = load_elotl("axolotl", SPA, NCI)
    assert len(pairs) == elotl_varieties("axolotl")["nci"] > 1000
    reverse = load_elotl("axolotl", NCI, SPA)
    assert reverse[0] == (pairs[0][1], pairs[0][0])
    assert len(load_elotl("axolotl", SPA, resolve("nah"))) > len(pairs)  # the collective code keeps all


def test_elotl_unknown_variety_and_no_spanish():
    """A variety the corpus lacks names the varieties it has; a pair without Spanish is a usage error."""
    with pytest.raises(InputError, match="no rows for") as info:
        load_elotl("tsunkua", SPA, NCI)
    assert "ote" in str(info.value.hint)
    with pytest.raises(UsageError, match="neither"):
        load_elotl("axolotl", resolve("eng"), NCI)


def test_clean_drops_copies_empties_and_duplicates():
    """Untranslated copies (as in tsunkua), empty sides and duplicate pairs are removed."""
    raw = [("hola", "hola"), ("a  b", "c"), ("a b", "c"), ("", "x"), ("y", " ")]
    assert clean_pairs(raw) == [("a b", "c")]
    tsunkua = load_elotl("tsunkua", SPA, resolve("ote"))
    assert any(a.strip() == b.strip() for a, b in tsunkua)
    assert all(a != b for a, b in clean_pairs(tsunkua))


def test_table_columns_by_code_name_and_explicit(tmp_path: Path):
    """TSV columns are found by ISO code or name; a missing column is one clear error listing columns."""
    tsv = tmp_path / "p.tsv"
    tsv.write_text("Spanish\tnci\tnote\nhola\tniltze\tx\nadiós\tma xiyauh\ty\n", encoding="utf-8")
    assert load_parallel(str(tsv), SPA, NCI) == [("hola", "niltze"), ("adiós", "ma xiyauh")]
    with pytest.raises(InputError, match="column 'es' is not in") as info:
        load_parallel(str(tsv), SPA, NCI, src_column="es")
    assert "Spanish, nci, note" in str(info.value.hint)
    with pytest.raises(InputError, match="no column for English"):
        load_parallel(str(tsv), resolve("eng"), NCI)


def test_jsonl_translation_format(tmp_path: Path):
    """JSONL rows in datasets' translation format are flattened to language columns."""
    path = tmp_path / "p.jsonl"
    rows = [{"translation": {"es": f"frase {i}", "nci": f"tlahtolli {i}"}} for i in range(3)]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert load_parallel(str(path), SPA, NCI)[2] == ("frase 2", "tlahtolli 2")


def test_datasets_directory(tmp_path: Path):
    """A directory saved with datasets.save_to_disk is read with load_from_disk."""
    from datasets import Dataset

    Dataset.from_dict({"spa": ["uno", "dos"], "nci": ["ce", "ome"]}).save_to_disk(str(tmp_path / "ds"))
    assert load_parallel(str(tmp_path / "ds"), SPA, NCI) == [("uno", "ce"), ("dos", "ome")]


def test_two_files_must_be_parallel(tmp_path: Path):
    """Two files with different line counts are rejected with both counts in the message."""
    (tmp_path / "a.txt").write_text("uno\ndos\ntres\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("ce\nome\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"has 3 lines but .* has 2"):
        load_parallel(None, SPA, NCI, src_file=tmp_path / "a.txt", tgt_file=tmp_path / "b.txt")


def test_split_is_seeded_disjoint_and_rejects_empty_test():
    """The split is reproducible, 80/10/10, disjoint; too little data gives no test split: an error."""
    pairs = [(f"s{i}", f"t{i}") for i in range(100)]
    a, b = split_pairs(pairs, 3), split_pairs(pairs, 3)
    assert a == b and (len(a.train), len(a.valid), len(a.test)) == (80, 10, 10)
    assert not set(a.test) & set(a.train) and split_pairs(pairs, 4).test != a.test
    assert len(split_pairs(pairs, 3, max_pairs=50).train) == 40
    with pytest.raises(InputError, match="empty test split"):
        split_pairs(pairs[:5], 0)


def test_conllu_skips_multiword_and_empty_nodes(tmp_path: Path):
    """Multiword tokens and empty nodes are skipped; the syntactic words keep their UPOS."""
    path = tmp_path / "toy.conllu"
    path.write_text(TOY_CONLLU, encoding="utf-8")
    sentences = read_conllu(path)
    assert [s.words for s in sentences] == [("el", "perro", "come"), ("de", "el", "gato")]
    assert sentences[1].tags == ("ADP", "DET", "NOUN")


def test_unknown_upos_names_file_sentence_and_tag(tmp_path: Path):
    """An unknown tag is one error naming the file, the sentence and the tag; legacy tags map on request."""
    path = tmp_path / "bad.conllu"
    path.write_text(TOY_CONLLU.replace("DET\t_\t_\t3", "CONJ\t_\t_\t3"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_conllu(path)
    message = str(info.value)
    assert "bad.conllu" in message and "sentence s2" in message and "'CONJ'" in message
    assert read_conllu(path, legacy_tags=True)[1].tags[1] == "CCONJ"


def test_turkish_treebanks_read_with_legacy_tags():
    """The turkish-treebanks web file reads fully, every tag a UD v2 tag, language Turkish."""
    bank = load_treebank("turkish-treebanks:web", "train")
    assert bank.language.iso3 == "tur" and len(bank.sentences) == 2541
    assert {t for s in bank.sentences for t in s.tags} <= set(UPOS_TAGS)


def test_treebank_language_from_ud_folder(tmp_path: Path):
    """A UD folder gives the language and the split file of the role; an unnamed file asks for --lang."""
    folder = tmp_path / "UD_Erzya-JR"
    folder.mkdir()
    (folder / "myv_jr-ud-test.conllu").write_text(TOY_CONLLU, encoding="utf-8")
    assert load_treebank(str(folder), "test").language.iso3 == "myv"
    (tmp_path / "plain.conllu").write_text(TOY_CONLLU, encoding="utf-8")
    with pytest.raises(UsageError, match="cannot tell the language"):
        load_treebank(str(tmp_path / "plain.conllu"), "test")
    assert load_treebank(str(tmp_path / "plain.conllu"), "test", language="kpv").language.iso3 == "kpv"


# --- metrics -------------------------------------------------------------------------------------------


def test_corpus_scores_match_sacrebleu():
    """BLEU and chrF++ equal sacrebleu's corpus_bleu/corpus_chrf; identical strings score 100."""
    import sacrebleu

    from xlt.downstream.scores import corpus_scores

    refs = ["the cat sat on the mat", "a quick brown fox jumps over the lazy dog"]
    hyps = ["the cat sat on a mat", "the quick brown fox jumped over the dog"]
    bleu, chrf = corpus_scores(hyps, refs)
    assert bleu.score == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs]).score)
    assert chrf.score == pytest.approx(sacrebleu.corpus_chrf(hyps, [refs], word_order=2).score)
    assert 0 < bleu.score < 100 and 0 < chrf.score < 100
    same_bleu, same_chrf = corpus_scores(refs, refs)
    assert same_bleu.score == pytest.approx(100) and same_chrf.score == pytest.approx(100)
    assert "nrefs:1" in bleu.signature and "tok:13a" in bleu.signature
    assert "nrefs:1" in chrf.signature and "nw:2" in chrf.signature
    # corpus level, not an average of sentence scores
    mean_sentence = sum(sacrebleu.sentence_bleu(h, [r]).score for h, r in zip(hyps, refs, strict=True)) / 2
    assert bleu.score != pytest.approx(mean_sentence)


def test_weighted_f1_and_accuracy_by_hand():
    """Weighted F1 on a worked example: class 0 (support 3) F1 0.8, class 1 (support 1) F1 0.667."""
    from xlt.downstream.pos import accuracy, weighted_f1

    gold, pred = [0, 0, 0, 1], [0, 0, 1, 1]
    assert accuracy(gold, pred) == pytest.approx(0.75)
    assert weighted_f1(gold, pred) == pytest.approx((3 * 0.8 + 1 * (2 / 3)) / 4)
    assert weighted_f1(gold, gold) == pytest.approx(1.0)


# --- results -------------------------------------------------------------------------------------------


def test_append_results_replaces_same_key(ws):
    """Re-appending a (task, run, checkpoint, pair, metric, settings) key replaces the row; other keys, and
    the same key under other settings, stay; a file written before `settings` existed still reads."""

    from xlt.contracts.downstream import ScoreRow, append_results, cached_scores, read_results

    def row(metric: str, score: float, checkpoint: str = "step-1", settings: str = "a") -> ScoreRow:
        return ScoreRow(
            "mt", "r", checkpoint, "spa", "nci", metric, score, "sig", 10, "tiny:x", 0, "elotl:axolotl",
            settings=settings,
        )  # fmt: skip

    append_results(ws, [row("bleu", 1.0), row("chrf++", 2.0)])
    append_results(ws, [row("bleu", 3.0), row("bleu", 4.0, "step-2"), row("bleu", 5.0, settings="b")])
    frame = read_results(ws)
    assert len(frame) == 4
    assert cached_scores(ws, "mt", "r", "step-1", "spa", "nci", "a")["bleu"]["score"] == 3.0
    assert cached_scores(ws, "mt", "r", "step-1", "spa", "nci", "b")["bleu"]["score"] == 5.0
    assert not list(ws.results_dir.glob(".downstream.parquet.*.tmp"))
    frame.drop("settings").write_parquet(ws.downstream_path)  # as an older version wrote it
    assert read_results(ws)["settings"].to_list() == [""] * 4


def test_stored_outputs_need_the_same_settings_and_test_set(ws):
    """Translations are read back only for the same system, settings and test-set digest."""
    from xlt.contracts.downstream import SystemOutput, store_output, stored_output

    out = SystemOutput("r", "step-1", "spa", "nci", "s1", "d1", ["a", "b"], "tiny", 5, 5, 1.5)
    store_output(ws, out)
    store_output(ws, SystemOutput("r", "step-1", "spa", "nci", "s1", "d1", ["c", "d"], "tiny", 6, 6, 2.0))
    assert stored_output(ws, "r", "step-1", "spa", "nci", "s1", "d1").hypotheses == ["c", "d"]
    assert stored_output(ws, "r", "step-1", "spa", "nci", "s2", "d1") is None
    assert stored_output(ws, "r", "step-1", "spa", "nci", "s1", "d2") is None


def _run(ws, run_id: str, steps: list[int]) -> None:
    for step in steps:
        path = ws.checkpoints_dir(run_id) / f"step-{step}"
        path.mkdir(parents=True)
        (path / "model.safetensors").write_bytes(b"")
    (ws.run_dir(run_id) / "config.json").write_text(f'{{"run_id": "{run_id}"}}', encoding="utf-8")


def test_model_refs(ws):
    """--run ids give each run's final checkpoint after the reference model; --checkpoints picks by name;
    an unknown run, a checkpoint name no run has, and --checkpoints without --run are refused."""
    from xlt.downstream.checkpoints import identify, model_refs

    _run(ws, "spa-s0", [40, 160])
    _run(ws, "nci-s0", [40, 80])
    ref = identify(str(ws.checkpoints_dir("spa-s0") / "step-40"), ws)
    assert (ref.run_id, ref.checkpoint, ref.name) == ("spa-s0", "step-40", "spa-s0/step-40")
    assert identify("google/mt5-base", ws).run_id == "base"
    refs = model_refs(ws, "base", ["nci-s0", "spa-s0"])
    assert [r.name for r in refs] == ["base", "nci-s0/step-80", "spa-s0/step-160"]
    assert [r.name for r in model_refs(ws, "base", ["spa-s0"], ["step-40"], include_model=False)] == [
        "spa-s0/step-40"
    ]
    with pytest.raises(UsageError, match="--checkpoints"):
        model_refs(ws, "base", None, ["step-40"])
    with pytest.raises(InputError, match="no run 'eng-s0'") as info:
        model_refs(ws, "base", ["eng-s0"])
    assert "nci-s0" in str(info.value.hint)
    with pytest.raises(InputError, match="none of the checkpoints step-7"):
        model_refs(ws, "base", ["spa-s0"], ["step-7"])


def test_pick_pair_follows_workspace_lr_languages(ws):
    """The automatic pair is the elotl corpus of a workspace LR language, else Spanish -> nci."""
    import polars as pl

    from xlt.downstream.mt import pick_pair

    assert pick_pair(ws) == ("elotl:axolotl", "spa", "nci")
    ws.corpus_lang_dir("ote").mkdir(parents=True)
    ws.train_path("ote").write_text("xi\n", encoding="utf-8")
    pl.DataFrame({"iso3": ["ote"], "tier": ["lr"]}).write_parquet(ws.languages_path)
    assert pick_pair(ws) == ("elotl:tsunkua", "spa", "ote")


def test_verdict_says_which_systems_translate():
    """The verdict names a model that beats both baselines as translating, and one that loses to copying the
    source as not, with the chrF++ numbers and p-values of sacrebleu's paired bootstrap."""
    from xlt.contracts.downstream import SystemOutput
    from xlt.downstream.checkpoints import ModelRef
    from xlt.downstream.compare import Comparison
    from xlt.downstream.results import result_from_output
    from xlt.downstream.scores import paired_bootstrap

    refs = [f"in altepetl {i} quimati in tlatoani {i % 7} ihuan {i * 3}" for i in range(60)]
    test = [(r.replace("in altepetl", "la ciudad").replace("tlatoani", "rey"), r) for r in refs]
    systems = {
        "good": refs,
        "bad": ["auh yn auh"] * 60,
        "copy": [a for a, _ in test],
        "most-frequent": [refs[0]] * 60,
    }
    ids = {"good": ("base", "base"), "bad": ("r1", "step-9"), "copy": ("copy", "source"),
           "most-frequent": ("most-frequent", "train")}  # fmt: skip
    results = [
        result_from_output(ModelRef("", *ids[n]), SystemOutput(*ids[n], "spa", "nci", "", "", h), test, "d")
        for n, h in systems.items()
    ]
    named = [(r.ref.name, r.hypotheses) for r in results]  # base, r1/step-9, copy, most-frequent
    intervals, vs_copy = paired_bootstrap(named[2], [named[0], named[1], named[3]], refs, n_samples=200)
    _, vs_frequent = paired_bootstrap(named[3], named[:2], refs, n_samples=200)
    _, vs_reference = paired_bootstrap(named[0], [named[1]], refs, n_samples=200)
    comparison = Comparison(
        results, intervals, {t.system: t for t in vs_copy}, {t.system: t for t in vs_frequent},
        {t.system: t for t in vs_reference}, "",
    )  # fmt: skip
    lines = comparison.verdict()
    assert lines[0].startswith("base translates: chrF++ 100.0 beats copying the source")
    assert (
        lines[1].startswith("r1/step-9 does not beat copying the source")
        and "significantly worse" in lines[1]
    )
    assert not any(line.startswith("No model beats") for line in lines)
    assert lines[-1].startswith("r1/step-9 vs base: chrF++ -") and "worse than base" in lines[-1]
