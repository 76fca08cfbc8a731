"""Decoding bytes to text (UTF-8 first, then the language's legacy code pages) and splitting sentences.

Text that is not UTF-8 is decoded with every code page its language was plausibly written in, and each
result is checked against what the language's text looks like: the characters of its orthography (the
`hyperglot` database, by ISO 639-3 code), else the letters of its script, and a casing check (a text
decoded with the wrong Cyrillic code page comes out as ``пРИВЕТ`` or ``ПРИВЕТ``). The best fit wins;
ties go to the earlier code page of a fixed order (the Windows code page of the language, then ISO 8859,
then DOS, KOI8 and Mac). Statistical detection alone (charset-normalizer) reads short latin-1 French as
cp1250 ("très" -> "trčs"); it is only the last resort, for languages without known code pages.
"""

from __future__ import annotations

import codecs
import functools
import itertools
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from xlt.errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# A decoded text with more control characters than this is binary, whatever a detector says.
_MAX_CONTROL_RATIO = 0.01
# The control characters (Unicode category Cc: U+0000-001F, U+007F-009F) other than \t \n \f \r.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")

# Legacy code pages of each script (ISO 15924), in the order they are tried. The Windows ("ANSI") code
# page comes first: it is what most legacy web and office text used; ISO 8859 next, then DOS, KOI8 and
# Mac code pages (Microsoft, "Code Page Identifiers"; the Python codec names are those of `codecs`).
# latin-1 is not listed: cp1252 decodes every latin-1 text to the same characters.
SCRIPT_CODEPAGES: dict[str, tuple[str, ...]] = {
    "Latn": (
        "cp1252", "iso8859_15", "cp1250", "iso8859_2", "cp1254", "iso8859_9", "cp1257", "iso8859_13",
        "iso8859_4", "iso8859_3", "cp1258", "cp850", "mac_roman",
    ),
    "Cyrl": ("cp1251", "koi8_r", "koi8_u", "cp866", "iso8859_5", "mac_cyrillic"),
    "Grek": ("cp1253", "iso8859_7", "cp737"),
    "Arab": ("cp1256", "iso8859_6", "cp720"),
    "Hebr": ("cp1255", "iso8859_8", "cp862"),
    "Thai": ("cp874", "tis_620"),
    "Jpan": ("shift_jis", "cp932", "euc_jp", "iso2022_jp"),
    "Hans": ("gb18030", "gbk", "gb2312"),
    "Hant": ("big5", "cp950", "big5hkscs"),
    "Kore": ("euc_kr", "cp949", "johab"),
}  # fmt: skip
# Languages whose own Windows code page is not their script's first one (Microsoft's code page per
# language: 1250 Central European, 1254 Turkish, 1257 Baltic, 1258 Vietnamese; KOI8-U for Ukrainian).
LANGUAGE_CODEPAGES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("ces", "slk", "pol", "hun", "slv", "hrv", "bos", "ron", "sqi", "hsb", "dsb", "szl", "csb"),
        ("cp1250", "iso8859_2"),
    ),
    **dict.fromkeys(("tur", "aze", "gag", "crh"), ("cp1254", "iso8859_9")),
    **dict.fromkeys(("lit", "lav", "ltg", "sgs", "est", "liv"), ("cp1257", "iso8859_13", "iso8859_4")),
    "vie": ("cp1258",),
    "mlt": ("iso8859_3",),
    **dict.fromkeys(("ukr", "bel", "rue"), ("cp1251", "koi8_u")),
}
# Unicode character-name prefixes of the letters of a script.
SCRIPT_LETTERS: dict[str, tuple[str, ...]] = {
    "Latn": ("LATIN",),
    "Cyrl": ("CYRILLIC",),
    "Grek": ("GREEK",),
    "Arab": ("ARABIC",),
    "Hebr": ("HEBREW",),
    "Thai": ("THAI",),
    "Jpan": ("CJK", "HIRAGANA", "KATAKANA"),
    "Hans": ("CJK",),
    "Hant": ("CJK",),
    "Kore": ("HANGUL", "CJK"),
    "Armn": ("ARMENIAN",),
    "Geor": ("GEORGIAN",),
    "Deva": ("DEVANAGARI",),
    "Ethi": ("ETHIOPIC",),
}
# Confidence of a decoding: the fit of the best code page and its lead over the next best that gives a
# different text (fractions of the non-ASCII characters that look like the language's text).
HIGH_FIT, HIGH_LEAD = 0.98, 0.05
MEDIUM_FIT, MEDIUM_LEAD = 0.9, 0.02
# Below this fit no code page gives text of the language: the input is refused rather than collected.
MIN_FIT = 0.8
# The plausibility check reads this many characters of each candidate decoding (decoding itself checks
# the whole input).
_SAMPLE_CHARS = 1 << 18
# Letter runs holding a non-ASCII letter; the casing check reads the first _CASING_WORDS of them.
_NON_ASCII_WORD = re.compile(r"[^\W\d_]*[^\W\d_\x00-\x7f][^\W\d_]*")
_CASING_WORDS = 5_000


@dataclass(frozen=True)
class Decoded:
    """A decoded text, the encoding it was read in, and (when not UTF-8) what the report should say."""

    text: str
    encoding: str
    note: str | None = None


@dataclass(frozen=True)
class _Fit:
    encoding: str
    text: str
    fit: float
    checked: int  # non-ASCII characters checked


def decode(data: bytes, origin: str, iso3: str | None = None) -> Decoded:
    """The text of `data`, the encoding it was read in, and a note on how sure that is.

    UTF-8 (with or without BOM) and BOM-marked UTF-16/32 are taken as they are. Anything else is decoded
    with the legacy code pages of `iso3` (the language the reader took from the file name or metadata)
    and the most plausible result is kept; without a language, charset-normalizer guesses (low
    confidence). Undecodable or binary input, or input that gives no text of the language in any
    plausible code page, raises `InputError`.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(_check_text(data.decode(encoding), origin), encoding)
            except UnicodeDecodeError:
                break
    try:
        return Decoded(_check_text(data.decode("utf-8"), origin), "utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if iso3 is None:
        return _detect(data, origin)
    return _by_language(data, origin, iso3, first_bad)


def _detect(data: bytes, origin: str) -> Decoded:
    """charset-normalizer's guess, for input whose language is not known."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(
            f"{origin}: not UTF-8, and no text encoding could be detected",
            hint="convert it to UTF-8 (e.g. iconv -f CP1251 -t UTF-8) or leave it out",
        )
    note = (
        f"not UTF-8, decoded as {best.encoding} (low confidence: language unknown, "
        "statistical detection only; convert the file to UTF-8 to be sure)"
    )
    return Decoded(_check_text(str(best), origin), best.encoding, f"{origin}: {note}")


def candidates(iso3: str, script: str | None) -> list[str]:
    """Code pages to try for a language, in order (the language's own first, then its script's)."""
    order = [*LANGUAGE_CODEPAGES.get(iso3, ()), *SCRIPT_CODEPAGES.get(script or "", ())]
    return list(dict.fromkeys(codecs.lookup(name).name for name in order))


def _by_language(data: bytes, origin: str, iso3: str, first_bad: int) -> Decoded:
    from xlt.languages import name_of, script_of

    script = script_of(iso3)
    expected = expected_characters(iso3)
    names = candidates(iso3, script)
    fits: list[_Fit] = []
    for encoding in names:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        fits.append(_fit(encoding, text, expected, script))
    if not names:  # a script without known code pages: statistical detection, then the same check
        guess = _detect(data, origin)
        fits.append(_fit(guess.encoding, guess.text, expected, script))
    name = name_of(iso3)
    what = f"{name} ({script})" if script else name
    if not fits:
        raise InputError(
            f"{origin}: not UTF-8 (byte {first_bad}), and no {what} code page decodes it",
            hint="convert it to UTF-8 (e.g. iconv -f CP1251 -t UTF-8) or leave it out",
        )
    # Stable sort: among equal fits the earlier code page of the order wins.
    ranked = sorted(fits, key=lambda f: -f.fit)
    best = ranked[0]
    if best.fit < MIN_FIT:
        raise InputError(
            f"{origin}: not UTF-8, and no encoding gives {what} text (best: {best.encoding}, "
            f"{best.fit:.0%} of {best.checked} non-ASCII characters plausible)",
            hint=f"convert it to UTF-8, or check that it is {name} text",
        )
    rival = next((f for f in ranked[1:] if f.text != best.text), None)
    lead = best.fit - rival.fit if rival else 1.0
    if best.fit >= HIGH_FIT and lead >= HIGH_LEAD:
        level = "high"
    elif best.fit >= MEDIUM_FIT and lead >= MEDIUM_LEAD:
        level = "medium"
    else:
        level = "low"
    basis = "orthography" if expected else "script"
    against = f"; next best {rival.encoding} {rival.fit:.0%}" if rival else ""
    note = (
        f"not UTF-8, decoded as {best.encoding} ({level} confidence: {best.fit:.0%} of "
        f"{best.checked} non-ASCII characters fit the {name} {basis}{against})"
    )
    return Decoded(_check_text(best.text, origin), best.encoding, f"{origin}: {note}")


def _fit(encoding: str, text: str, expected: frozenset[str] | None, script: str | None) -> _Fit:
    """How much of a decoded text looks like the language: its non-ASCII characters and its casing."""
    sample = text[:_SAMPLE_CHARS]
    prefixes = SCRIPT_LETTERS.get(script or "")
    good = bad = 0.0
    # Distinct characters with their counts (Counter runs in C): the check is per character, not per
    # occurrence, so a long input costs little more than a short one.
    for ch, count in Counter(sample).items():
        if ch < "\x80" or ch.isspace():
            continue
        category = unicodedata.category(ch)
        if category[0] in "LM":
            ok = _expected(ch, expected) if expected else _in_script(ch, prefixes)
            good, bad = (good + count, bad) if ok else (good, bad + count)
        elif category in {"Cc", "Cn", "Co", "Cs"} or ch == "\ufffd" or "\u2500" <= ch <= "\u259f":
            bad += count  # controls, unassigned, private use, box drawing: never in running text
        elif category in {"So", "Sk", "Sm", "No"}:
            bad += 0.25 * count  # symbols occur in text, but runs of them are what a wrong code page gives
    checked = int(good + bad)
    if good + bad == 0:
        return _Fit(encoding, text, 1.0, 0)
    words = [w for w in itertools.islice(_NON_ASCII_WORD.finditer(sample), _CASING_WORDS)]
    odd = sum(_odd_casing(w.group()) for w in words)
    casing = 1.0 - odd / len(words) if words else 1.0
    return _Fit(encoding, text, good / (good + bad) * casing, checked)


def _odd_casing(word: str) -> float:
    """0 for "привет" and "Привет", 0.5 for an all-capitals word, 1 for anything else ("пРИВЕТ")."""
    if word.islower() or (word[:1].isupper() and (len(word) == 1 or word[1:].islower())):
        return 0.0
    return 0.5 if word.isupper() else 1.0


def _expected(ch: str, expected: frozenset[str]) -> bool:
    if ch in expected or ch.lower() in expected or ch.upper() in expected:
        return True
    parts = unicodedata.normalize("NFD", ch)
    return len(parts) > 1 and all(p in expected or p < "\x80" or p.lower() in expected for p in parts)


def _in_script(ch: str, prefixes: tuple[str, ...] | None) -> bool:
    if prefixes is None:
        return True
    return unicodedata.name(ch, "").startswith(prefixes)


@functools.lru_cache(maxsize=256)
def expected_characters(iso3: str) -> frozenset[str] | None:
    """Letters and marks of a language's orthographies (base and auxiliary), or None when unknown.

    From the hyperglot database (Rosetta Type, Apache-2.0), which lists the characters of about 800
    languages by ISO 639-3 code, including the minority languages of Russia this project reads.
    """
    try:
        from hyperglot.language import Language
    except ImportError:  # pragma: no cover - a dependency; without it the script check remains
        return None
    logging.getLogger("hyperglot").setLevel(logging.CRITICAL)  # it logs gaps of its data as errors
    try:
        # inherit=False: hyperglot's inheriting loader writes a cache file into the working directory.
        language = Language(iso3, inherit=False)
    except (KeyError, ValueError):
        return None
    chars: set[str] = set()
    for orthography in _orthographies(language):
        for attribute in ("base_chars", "auxiliary_chars", "base_marks", "auxiliary_marks"):
            try:
                chars.update(str(ch) for ch in getattr(orthography, attribute))
            except (KeyError, ValueError, TypeError):
                continue
    return frozenset(chars) or None


def _orthographies(language: object) -> Iterable[object]:
    try:
        return list(language["orthographies"])  # type: ignore[index]
    except (KeyError, TypeError):
        return []


def _check_text(text: str, origin: str) -> str:
    """Refuse binary data that happened to decode."""
    if not text:
        return text
    control = len(_CONTROL.findall(text))
    if control / len(text) > _MAX_CONTROL_RATIO:
        raise InputError(f"{origin}: binary data, not text", hint="leave it out of the inputs")
    return text


# Sentence ends: terminal punctuation (plus closing quotes/brackets), whitespace, then something that
# starts a sentence (an upper-case letter, a digit, an opening quote or dash).
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])[\"'»”’)\]]*\s+")
_OPENERS = set("\"'«„“‘([¿¡—–-")


def split_sentences(text: str) -> list[str]:
    """Lines of `text`, each split further at sentence ends; whitespace collapsed, empties dropped."""
    out: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        start = 0
        for match in _SENTENCE_END.finditer(line):
            nxt = line[match.end() : match.end() + 1]
            if nxt and (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
                piece = line[start : match.end()].strip()
                if piece:
                    out.append(piece)
                start = match.end()
        tail = line[start:].strip()
        if tail:
            out.append(tail)
    return out
