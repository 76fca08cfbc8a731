"""Which Unicode script a letter belongs to, and whether a line is written in the expected one.

Python's `unicodedata` has no Script property, but every letter's character name starts with its
script's name (``LATIN SMALL LETTER A``, ``CYRILLIC CAPITAL LETTER ZHE``, ``CJK UNIFIED IDEOGRAPH-4E00``).
The table below maps ISO 15924 codes (what `xlt.languages.script_of` returns) to those name prefixes;
the letters of a script are collected once, turned into a compiled character class, and counted with
`re` at C speed. Scripts missing from the table are "unknown": the script filter is skipped for them.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

# ISO 15924 code -> prefixes of Unicode character names (Unicode Standard, Scripts.txt names).
SCRIPT_PREFIXES: dict[str, tuple[str, ...]] = {
    "Latn": ("LATIN", "FULLWIDTH LATIN"),
    "Cyrl": ("CYRILLIC",),
    "Grek": ("GREEK",),
    "Armn": ("ARMENIAN",),
    "Hebr": ("HEBREW",),
    "Arab": ("ARABIC",),
    "Syrc": ("SYRIAC",),
    "Thaa": ("THAANA",),
    "Nkoo": ("NKO",),
    "Deva": ("DEVANAGARI",),
    "Beng": ("BENGALI",),
    "Guru": ("GURMUKHI",),
    "Gujr": ("GUJARATI",),
    "Orya": ("ORIYA",),
    "Taml": ("TAMIL",),
    "Telu": ("TELUGU",),
    "Knda": ("KANNADA",),
    "Mlym": ("MALAYALAM",),
    "Sinh": ("SINHALA",),
    "Thai": ("THAI",),
    "Laoo": ("LAO",),
    "Tibt": ("TIBETAN",),
    "Mymr": ("MYANMAR",),
    "Khmr": ("KHMER",),
    "Mong": ("MONGOLIAN",),
    "Geor": ("GEORGIAN",),
    "Hang": ("HANGUL", "HALFWIDTH HANGUL"),
    "Hira": ("HIRAGANA",),
    "Kana": ("KATAKANA", "HALFWIDTH KATAKANA", "KATAKANA-HIRAGANA"),
    "Hani": ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"),
    "Bopo": ("BOPOMOFO",),
    "Yiii": ("YI",),
    "Ethi": ("ETHIOPIC",),
    "Tfng": ("TIFINAGH",),
    "Vaii": ("VAI",),
    "Cher": ("CHEROKEE",),
    "Cans": ("CANADIAN SYLLABICS",),
    "Olck": ("OL CHIKI",),
    "Copt": ("COPTIC",),
    "Goth": ("GOTHIC",),
    "Runr": ("RUNIC",),
    "Ogam": ("OGHAM",),
}

# Writing systems made of several Unicode scripts (ISO 15924 composite codes).
COMPOSITE_SCRIPTS: dict[str, tuple[str, ...]] = {
    "Jpan": ("Hira", "Kana", "Hani"),
    "Kore": ("Hang", "Hani"),
    "Hans": ("Hani",),
    "Hant": ("Hani",),
    "Hanb": ("Hani", "Bopo"),
}


@functools.lru_cache(maxsize=1)
def _categories() -> dict[str, list[int]]:
    """Code points of letters (L*) and combining marks (M*), built once (~0.3 s)."""
    found: dict[str, list[int]] = {"L": [], "M": []}
    for cp in range(sys.maxunicode + 1):
        major = unicodedata.category(chr(cp))[0]
        if major in found:
            found[major].append(cp)
    return found


@functools.lru_cache(maxsize=4)
def not_in_categories(majors: str) -> re.Pattern[str]:
    """A pattern matching runs of characters outside the major categories (e.g. "L" or "LM").

    One negated character class compiles to a bitmap in `re`, which scans several times faster than
    `[\\W\\d_]` or an alternation.
    """
    codepoints = sorted(cp for major in majors for cp in _categories()[major])
    return re.compile(f"[^{_char_class(codepoints)}]+")


def letters_only(line: str) -> str:
    """The letters of a line, in order (whitespace dropped first: fewer regex matches, much faster)."""
    return not_in_categories("L").sub("", "".join(line.split()))


def known(script: str | None) -> bool:
    """Whether the script filter can check lines of this ISO 15924 script."""
    return script is not None and (script in SCRIPT_PREFIXES or script in COMPOSITE_SCRIPTS)


def _matches(name: str, prefix: str) -> bool:
    return name.startswith(prefix) and (len(name) == len(prefix) or name[len(prefix)] in " -")


@functools.lru_cache(maxsize=1)
def _letter_scripts() -> dict[int, str]:
    """Every letter code point -> its ISO 15924 code, for the scripts of the table (built once, ~0.5 s)."""
    by_first_word: dict[str, list[tuple[str, str]]] = {}
    for code, prefixes in SCRIPT_PREFIXES.items():
        for prefix in prefixes:
            by_first_word.setdefault(prefix.split()[0].split("-")[0], []).append((prefix, code))
    table: dict[int, str] = {}
    for cp in _categories()["L"]:
        name = unicodedata.name(chr(cp), "")
        candidates = by_first_word.get(name.split(" ", 1)[0].split("-", 1)[0])
        if not candidates:
            continue
        for prefix, code in sorted(candidates, key=lambda item: -len(item[0])):
            if _matches(name, prefix):
                table[cp] = code
                break
    return table


def _char_class(codepoints: list[int]) -> str:
    """A regex character class body for sorted code points, as ranges."""
    parts: list[str] = []
    start = prev = codepoints[0]
    for cp in [*codepoints[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(
            re.escape(chr(start)) if start == prev else f"{re.escape(chr(start))}-{re.escape(chr(prev))}"
        )
        start = prev = cp
    return "".join(parts)


@functools.lru_cache(maxsize=64)
def script_letters(script: str) -> re.Pattern[str]:
    """A pattern matching runs of letters of `script` (composite codes included)."""
    members = set(COMPOSITE_SCRIPTS.get(script, (script,)))
    codepoints = sorted(cp for cp, code in _letter_scripts().items() if code in members)
    if not codepoints:
        raise ValueError(f"no letters known for script {script!r}")
    return re.compile(f"[{_char_class(codepoints)}]+")


class ScriptCheck:
    """Decides whether a line is mostly written in another script than the language's.

    A line is wrong-script when more than half of its letters belong to other scripts. Letters of a word
    that contains at least one letter of the expected script all count as expected: Cyrillic-script
    corpora often mix Latin look-alikes into words (Komi ``i``, OCR confusions), and such words are the
    language's own. Lines without letters are not this filter's business (the length filter sees them).
    """

    def __init__(self, script: str) -> None:
        self.script = script
        self.latin = script == "Latn"
        self._letters = script_letters(script)

    def wrong(self, line: str) -> bool:
        """True when most letters of `line` are in another script."""
        if line.isascii():
            # ASCII letters are Latin: right for Latin languages, wrong elsewhere when there are any.
            return not self.latin and any(c.isalpha() for c in line)
        letters = letters_only(line)
        total = len(letters)
        if total == 0:
            return False
        other = len(self._letters.sub("", letters))
        if other * 2 <= total:
            return False
        if other == total:
            return True
        # Close call with some expected letters: count mixed words as the language's own.
        other = 0
        for word in line.split():
            word_letters = letters_only(word)
            if word_letters and not self._letters.search(word_letters):
                other += len(word_letters)
        return other * 2 > total
