"""Line-level cleaning steps, script detection, duplicate keys, seeded selection and tiers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from xlt.cleaning import CleanOptions, tier_of
from xlt.cleaning.dedup import Deduplicator, HashSet, dedup_key
from xlt.cleaning.filters import LineCleaner, length_ok, normalise_nfc, strip_controls, strip_markup
from xlt.cleaning.scripts import ScriptCheck, known
from xlt.cleaning.split import selection, valid_count


def test_nfc_composes():
    """Decomposed e + combining acute becomes the single code point é."""
    assert normalise_nfc("cafe\u0301") == "caf\u00e9"
    assert normalise_nfc("plain") == "plain"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\ufeffbom at start", "bom at start"),
        ("zero\u200bwidth space", "zerowidth space"),
        ("bell\x07 and\x1b escape", "bell and escape"),
        ("c1\x85next\x9fline", "c1 nextline"),  # NEL is whitespace, U+009F a C1 control
        ("tabs\tand\u00a0nbsp\u3000ideographic  spaces ", "tabs and nbsp ideographic spaces"),
        ("line\u2028separator", "line separator"),
        ("bidi \u200eLRM\u202b embed\u202c", "bidi LRM embed"),
        ("soft\u00adhyphen", "softhyphen"),
    ],
)
def test_strip_controls(raw, clean):
    """Controls, zero-width and format characters go; every whitespace run becomes one space."""
    assert strip_controls(raw) == clean


def test_strip_controls_keeps_zwnj():
    """ZWNJ is part of Persian orthography and stays."""
    assert strip_controls("می\u200cخواهم") == "می\u200cخواهم"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<p>Hello <b>bold</b> world</p>", "Hello bold world"),
        ("a <br/> b <!-- note --> c", "a b c"),
        ("Fish &amp; chips &#233;t&eacute;", "Fish & chips été"),
        ("before {{cite web|url=x}} after", "before after"),
        ("nested {{outer|{{inner}}}} done", "nested done"),
        ("see [[Moscow|the capital]] and [[Kazan]]", "see the capital and Kazan"),
        ("[[Category:Towns]] text stays", "text stays"),
        ("[https://example.org the site] is up", "the site is up"),
        ("visit https://example.org/a?b=c or www.example.com today", "visit or today"),
        ("write to someone.name@example.co.uk now", "write to now"),
        ("'''bold''' and ''italic''", "bold and italic"),
        ("no markup here, 3 < 4", "no markup here, 3 < 4"),
    ],
)
def test_strip_markup(raw, clean):
    """Tags, entities, templates, wiki/external links, URLs, e-mails and wiki quotes are removed."""
    assert strip_markup(raw) == clean


def test_length_paper_rule():
    """The paper keeps lines with more than one word and more than one character; long lines go."""
    options = CleanOptions(max_chars=20)
    assert not length_ok("a", options)
    assert not length_ok("oneword", options)
    assert length_ok("a b", options)
    assert length_ok("x" * 9 + " " + "y" * 10, options)  # exactly 20 characters
    assert not length_ok("x" * 10 + " " + "y" * 10, options)  # 21 characters


def test_script_check_cyrillic():
    """In a Cyrillic corpus, English lines go; Cyrillic lines with Latin names or look-alikes stay."""
    check = ScriptCheck("Cyrl")
    assert check.wrong("This is an English sentence.")
    assert check.wrong("The word мир is Russian")  # mostly Latin letters
    assert not check.wrong("Москва — столица России")
    assert not check.wrong("Мы смотрели фильм Star Wars вчера вечером")
    # Komi written with Latin i inside Cyrillic words: mixed words count as the language's own.
    assert not check.wrong("Mi вoлiм тaнi ыждiд")
    assert not check.wrong("2024 — 15 %")  # no letters: not this filter's business


def test_script_check_latin_and_composites():
    """Latin corpora drop Cyrillic/Greek lines; Japanese accepts kana and kanji together."""
    latin = ScriptCheck("Latn")
    assert not latin.wrong("Ñandutí está aquí")
    assert latin.wrong("Это русский текст")
    assert latin.wrong("Αυτό είναι ελληνικά")
    japanese = ScriptCheck("Jpan")
    assert not japanese.wrong("これは日本語の文です")
    assert japanese.wrong("this is not Japanese")
    assert known("Cyrl") and known("Kore") and not known(None) and not known("Zzzz")


def test_cleaner_skips_script_filter_when_unknown():
    """A language without a known script gets no script filter (nothing dropped for script)."""
    cleaner = LineCleaner(CleanOptions(), None)
    assert cleaner.script_check is None
    assert cleaner.clean(["Это строка текста", "this line too"]) == ["Это строка текста", "this line too"]
    assert cleaner.dropped["script"] == 0


def test_cleaner_counts_each_step():
    """Each dropped line is counted once, under the step that dropped it; switched-off steps do nothing."""
    lines = ["", "\u200b\u200b", "<br>", "one", "Good line here", "English only here", "Хорошая строка тут"]
    cleaner = LineCleaner(CleanOptions(), "Cyrl")
    assert cleaner.clean(lines) == ["Хорошая строка тут"]
    assert dict(cleaner.dropped) == {"blank": 1, "controls": 1, "markup": 1, "length": 1, "script": 2}
    assert cleaner.examples["script"] == ["Good line here", "English only here"]
    off = LineCleaner(CleanOptions(markup=False, length=False, script=False), "Cyrl")
    assert off.clean(["<br>", "one"]) == ["<br>", "one"]


def test_dedup_key_near_duplicates():
    """Case, punctuation, digits and spacing do not make a line new; combining marks do."""
    assert dedup_key("Hello, World! 2024") == dedup_key("hello world")
    assert dedup_key("नमस्ते") != dedup_key("नमस्त")  # the virama is a combining mark: kept
    assert dedup_key("1990") != dedup_key("2001")  # no letters: the text itself is the key
    assert dedup_key("Ёлка, ёлка!") == dedup_key("ёлка ёлка") == "ёлкаёлка".encode()
    assert dedup_key("Straße") == dedup_key("STRASSE")  # casefold, not lower


def test_deduplicator_across_batches():
    """The first occurrence wins, within a batch and across batches."""
    dedup = Deduplicator()
    assert dedup.filter(["a b", "A, b!", "c d"]) == (["a b", "c d"], ["A, b!"])
    assert dedup.filter(["c d.", "e f", "e  f"]) == (["e f"], ["c d.", "e  f"])
    assert dedup.filter(["g h"]) == (["g h"], [])


def test_hashset_matches_python_set():
    """The compact hash set gives the same answers as a Python set on random batches."""
    rng = np.random.default_rng(0)
    store, reference = HashSet(), set()
    for _ in range(60):
        batch = rng.integers(0, 5_000, rng.integers(0, 400)).astype(np.uint64)
        fresh = store.add(batch)
        expected = []
        for value in batch.tolist():
            expected.append(value not in reference)
            reference.add(value)
        assert fresh.tolist() == expected
    assert len(store) == len(reference)
    assert store.nbytes == 8 * len(reference)


def test_selection_exact_and_seeded():
    """Selection sampling picks exactly k of n, the same for the same seed, differently for another."""
    picks = list(selection(1000, 137, 0, "eng", "cap"))
    assert sum(picks) == 137 and len(picks) == 1000
    assert picks == list(selection(1000, 137, 0, "eng", "cap"))
    assert picks != list(selection(1000, 137, 1, "eng", "cap"))
    assert picks != list(selection(1000, 137, 0, "rus", "cap"))
    assert all(selection(5, 9, 0))


def test_selection_is_uniform():
    """Every position is picked about k/n of the time (a biased sampler would favour one end)."""
    counts = np.zeros(20)
    for seed in range(2000):
        counts += np.array(list(selection(20, 5, seed)))
    assert np.all(np.abs(counts / 2000 - 0.25) < 0.04)


def test_valid_count():
    """90/10 split rounding; at least one valid line from two lines on; none for a single line."""
    assert valid_count(1000, 0.1) == 100
    assert valid_count(15, 0.1) == 2
    assert valid_count(2, 0.1) == 1
    assert valid_count(1, 0.1) == 0
    assert valid_count(100, 0.0) == 0


@pytest.mark.parametrize(
    ("tokens", "tier"),
    [(0, "excluded"), (9_999, "excluded"), (10_000, "lr"), (349_999, "lr"), (350_000, "hr"), (10**9, "hr")],
)
def test_tier_paper_thresholds(tokens, tier):
    """HR from 350k whitespace tokens, LR from 10k, excluded below (paper's thresholds, inclusive)."""
    assert tier_of(tokens) == tier


def test_tier_custom_thresholds():
    """Thresholds are parameters (the demo uses small ones)."""
    assert tier_of(500, hr_min_tokens=500, lr_min_tokens=50) == "hr"
    assert tier_of(499, hr_min_tokens=500, lr_min_tokens=50) == "lr"
    assert tier_of(49, hr_min_tokens=500, lr_min_tokens=50) == "excluded"


def test_random_lines_never_crash():
    """Random Unicode soup goes through every step without errors."""
    rng = random.Random(0)
    alphabet = "aZ <>&;{}[]|:/@.'\u200b\ufeff\x00\x85\u0301Яж日本ा\t"
    lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(2000)]
    for script in ("Latn", "Cyrl", None):
        kept = LineCleaner(CleanOptions(), script).clean(lines)
        assert all(line == line.strip() and "\n" not in line for line in kept)
