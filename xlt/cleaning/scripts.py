"""Which Unicode script a letter belongs to, and whether a line is written in the expected one.

The Unicode Script property comes from the `regex` module (``\\p{Script=Cyrl}``, ISO 15924 codes as
Unicode's property value aliases; https://github.com/mrabarnett/mrab-regex), which Python's `re` and
`unicodedata` lack. `benchmarks/bench_script_filter.py` measures it against the name-prefix tables xlt
used before: the same decisions, and several times faster to build and to run.
"""

from __future__ import annotations

import functools

import regex

# Writing systems made of several Unicode scripts (ISO 15924 composite codes).
COMPOSITE_SCRIPTS: dict[str, tuple[str, ...]] = {
    "Jpan": ("Hira", "Kana", "Hani"),
    "Kore": ("Hang", "Hani"),
    "Hans": ("Hani",),
    "Hant": ("Hani",),
    "Hanb": ("Hani", "Bopo"),
}
# Scripts without letters of their own, which no language is "written in" for this filter.
_NOT_A_SCRIPT = frozenset({"Zyyy", "Zinh", "Zzzz", "Zxxx", "Zmth", "Zsym", "Zsye"})

_CATEGORY = {"L": r"\p{L}", "M": r"\p{M}"}


@functools.lru_cache(maxsize=4)
def not_in_categories(majors: str) -> regex.Pattern[str]:
    """A pattern matching runs of characters outside the major categories (e.g. "L" or "LM")."""
    return regex.compile("[^" + "".join(_CATEGORY[major] for major in majors) + "]+")


def letters_only(line: str) -> str:
    """The letters of a line, in order (whitespace dropped first: fewer regex matches, much faster)."""
    return not_in_categories("L").sub("", "".join(line.split()))


def _members(script: str) -> tuple[str, ...]:
    return COMPOSITE_SCRIPTS.get(script, (script,))


@functools.lru_cache(maxsize=256)
def known(script: str | None) -> bool:
    """Whether the script filter can check lines of this ISO 15924 script (Unicode knows the code)."""
    if script is None or script in _NOT_A_SCRIPT:
        return False
    try:
        script_letters(script)
    except regex.error:
        return False
    return True


@functools.lru_cache(maxsize=64)
def script_letters(script: str) -> regex.Pattern[str]:
    """A pattern matching runs of letters of `script` (composite codes included); regex.error when
    Unicode has no such script."""
    return regex.compile("[" + "".join(rf"\p{{Script={code}}}" for code in _members(script)) + "]+")


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
