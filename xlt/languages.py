"""One language identity: an ISO 639-3 code and a display name, from whatever a source calls it.

Codes and names come from the maintained `iso639-lang` library (ISO 639-1/2/3/5 codes and every
English reference name); scripts from CLDR likely-subtags via `langcodes`. Only genuine exceptions are
kept by hand below: names that UD, Wikipedia and mC4 use but ISO 639 does not, and scripts that CLDR
does not know for Siberian minority languages.

Every source maps its own labels here, in one place:

* HZSK/EXMARaLDA ``<language lang="...">`` attributes and corpus names   -> :func:`from_hzsk`
* UD treebank folder names (``UD_Komi_Zyrian-Lattice``)                    -> :func:`from_ud_folder`
* Wikipedia language editions (``kv``, ``be-tarask``, ``zh-min-nan``)      -> :func:`from_wiki_code`
* HSE corpus archives (``kpv_web_corpus.zip``)                             -> :func:`from_hse_name`
* mC4 configs (``iw``, ``ru-Latn``)                                        -> :func:`from_mc4_config`
* names and codes as people type them (``English``, ``eng``, ``en``)      -> :func:`resolve`
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass

from xlt.errors import UnknownLanguageError

# Names used by UD, HZSK and researchers that ISO 639 spells differently (checked against iso639-lang 2.6).
NAME_OVERRIDES: dict[str, str] = {
    "ancient greek": "grc",
    "greek": "ell",
    "modern greek": "ell",
    "north sami": "sme",
    "komi zyrian": "kpv",
    "komi permyak": "koi",
    "old east slavic": "orv",
    "old french": "fro",
    "western armenian": "hyw",
    "south levantine arabic": "ajp",
    "classical chinese": "lzh",
    "mbya guarani": "gun",
    "nahuatl": "nah",  # ISO 639-5 collective code, as Wikipedia and mC4 use it
    "otomi": "oto",  # ISO 639-5 collective code
    "mixtec": "mix",  # individual codes per variety exist; this is the one the generic name maps to
    "kildin sami": "sjd",
    "ingrian": "izh",
    "nenets": "yrk",
    "tundra nenets": "yrk",
    "chinese": "zho",
    "persian": "fas",
    "kurmanji": "kmr",
}

# Wikipedia language-edition codes that are not ISO 639 codes (meta.wikimedia.org "List of Wikipedias").
WIKI_OVERRIDES: dict[str, str] = {
    "kv": "kpv",  # the Komi edition is written in Komi-Zyrian, not the macrolanguage
    "simple": "eng",
    "als": "gsw",
    "bat-smg": "sgs",
    "be-tarask": "bel",
    "be-x-old": "bel",
    "fiu-vro": "vro",
    "zh-min-nan": "nan",
    "zh-yue": "yue",
    "zh-classical": "lzh",
    "roa-rup": "rup",
    "roa-tara": "nap",
    "map-bms": "jav",
    "nds-nl": "nds",
    "cbk-zam": "cbk",
    "eml": "egl",
    "no": "nob",
    "sh": "hbs",
    "mo": "ron",
}

# mC4 config names that are not plain ISO codes (the `-Latn` romanised configs keep the language).
MC4_OVERRIDES: dict[str, str] = {"iw": "heb", "fil": "fil", "zh": "zho"}

# Scripts CLDR has no likely-subtag for (it would guess Latin); these are written in Cyrillic today.
SCRIPT_OVERRIDES: dict[str, str] = {
    "nio": "Cyrl",  # Nganasan
    "sel": "Cyrl",  # Selkup
    "evn": "Cyrl",  # Evenki
    "dlg": "Cyrl",  # Dolgan
    "ket": "Cyrl",  # Ket
    "yrk": "Cyrl",  # Tundra Nenets
    "enf": "Cyrl",  # Forest Enets
    "enh": "Cyrl",  # Tundra Enets
    "xas": "Cyrl",  # Kamas
    "kca": "Cyrl",  # Khanty
    "mns": "Cyrl",  # Mansi
    "eve": "Cyrl",  # Even
    "ckt": "Cyrl",  # Chukchi
    "itl": "Cyrl",  # Itelmen
    "sjd": "Cyrl",  # Kildin Sami
    "grc": "Grek",  # CLDR's likely script for Ancient Greek is Cypriot syllabary
    # Mesoamerican languages of the sample corpus: Latin orthographies, unknown to CLDR
    **dict.fromkeys(
        ["nah", "nci", "azz", "nhm", "nhn", "nhw", "nhe", "nhi", "oto", "ote", "ots", "otz"], "Latn"
    ),
    **dict.fromkeys(
        ["mix", "xtm", "xtn", "mie", "mit", "mim", "mig", "mxb", "mxv", "jmx", "mih", "miz", "mpm", "mza"],
        "Latn",
    ),
}


@dataclass(frozen=True, order=True)
class Language:
    """A language as xlt names it in every path and column."""

    iso3: str
    name: str

    @property
    def script(self) -> str | None:
        """ISO 15924 code of the usual script (e.g. ``Latn``, ``Cyrl``), or None when unknown."""
        return script_of(self.iso3)

    @property
    def iso1(self) -> str | None:
        """The ISO 639-1 two-letter code, if the language has one."""
        lang = _lang(self.iso3)
        return (lang.pt1 or None) if lang is not None else None

    def __str__(self) -> str:
        return f"{self.name} ({self.iso3})"


def _lang(value: str):  # type: ignore[no-untyped-def]
    """iso639.Lang for a code or name, or None."""
    from iso639 import Lang
    from iso639.exceptions import InvalidLanguageValue

    try:
        return Lang(value)
    except (InvalidLanguageValue, ValueError, TypeError):
        return None


def _from_lang(lang) -> Language | None:  # type: ignore[no-untyped-def]
    code = lang.pt3 or lang.pt5 or lang.pt2t or lang.pt2b
    return Language(code, lang.name) if code else None


@functools.lru_cache(maxsize=4096)
def lookup(value: str) -> Language | None:
    """The language a code or name stands for, or None. Case- and separator-insensitive."""
    text = value.strip()
    if not text:
        return None
    key = re.sub(r"[\s_]+", " ", text).strip().lower()
    if key in NAME_OVERRIDES:
        return code_language(NAME_OVERRIDES[key])
    candidates = [text, text.lower(), text.title(), key, key.title(), key.replace(" ", "-").title()]
    if len(text) <= 3:  # codes are lower-case in ISO 639; names are not
        candidates = [text.lower(), *candidates]
    for candidate in dict.fromkeys(candidates):
        lang = _lang(candidate)
        if lang is not None and (found := _from_lang(lang)) is not None:
            return found
    folded = _name_index().get(key)
    return code_language(folded) if folded else None


def code_language(iso3: str) -> Language:
    """The Language of a code known to be valid (used for overrides)."""
    lang = _lang(iso3)
    if lang is None:
        raise UnknownLanguageError(f"internal: {iso3!r} is not an ISO 639 code")
    return Language(iso3, lang.name)


@functools.lru_cache(maxsize=1)
def _name_index() -> dict[str, str]:
    """Lower-cased reference names (also without parenthesised qualifiers) -> code."""
    from iso639 import iter_langs

    index: dict[str, str] = {}
    for lang in iter_langs():
        code = lang.pt3 or lang.pt5
        if not code:
            continue
        name = lang.name.lower()
        index.setdefault(name, code)
        index.setdefault(re.sub(r"\s*\(.*?\)", "", name).strip(), code)
    return index


def suggestions(value: str, n: int = 3) -> list[str]:
    """Close matches among ISO 639 names, for an error message."""
    key = re.sub(r"[\s_]+", " ", value).strip().lower()
    names = list(_name_index()) + list(NAME_OVERRIDES)
    return difflib.get_close_matches(key, names, n=n, cutoff=0.75)


def resolve(value: str, where: str | None = None) -> Language:
    """The language of a code or name as a person types it; a clear error with suggestions otherwise."""
    found = lookup(value)
    if found is not None:
        return found
    close = suggestions(value)
    hint = (
        "did you mean " + ", ".join(repr(c.title()) for c in close) + "?"
        if close
        else "use an ISO 639-3 code (e.g. kpv) or an English name (e.g. Komi-Zyrian)"
    )
    place = f" in {where}" if where else ""
    raise UnknownLanguageError(f"unknown language {value!r}{place}", hint)


def resolve_many(values: str | list[str] | None) -> list[Language]:
    """Comma-separated or listed names/codes -> languages (empty for None)."""
    if values is None:
        return []
    items = values.split(",") if isinstance(values, str) else values
    return [resolve(item) for item in items if item.strip()]


def name_of(iso3: str) -> str:
    """Display name for a code; the code itself when ISO 639 does not know it."""
    found = lookup(iso3)
    return found.name if found else iso3


@functools.lru_cache(maxsize=1024)
def script_of(iso3: str) -> str | None:
    """Usual script of a language (CLDR likely subtags), or None where CLDR would only guess."""
    if iso3 in SCRIPT_OVERRIDES:
        return SCRIPT_OVERRIDES[iso3]
    import langcodes
    from langcodes.data_dicts import LIKELY_SUBTAGS

    try:
        tag = langcodes.Language.get(langcodes.standardize_tag(iso3))
    except (ValueError, LookupError):
        return None
    maximized = tag.maximize()
    if tag.language not in LIKELY_SUBTAGS and maximized.territory == "US":
        return None  # CLDR fell back to 'und' -> Latin/US, which is a guess, not a fact
    return maximized.script


# --- what each source calls a language -------------------------------------------------------------


def from_ud_folder(folder: str) -> Language:
    """``UD_Komi_Zyrian-Lattice`` -> kpv (the part before the first hyphen is the language)."""
    name = re.sub(r"^UD_", "", folder.strip("/").split("/")[-1])
    language_part = name.split("-", 1)[0]
    return resolve(language_part.replace("_", " "), where=f"UD treebank {folder!r}")


def from_wiki_code(code: str) -> Language:
    """A Wikipedia edition code (``kv``, ``be-tarask``) -> ISO 639-3."""
    key = code.strip().lower().removesuffix("wiki")
    if key in WIKI_OVERRIDES:
        return code_language(WIKI_OVERRIDES[key])
    return resolve(key, where="Wikipedia language code")


def from_hse_name(filename: str) -> Language:
    """``kpv_web_corpus.zip`` / ``udm_vk_corpus.json`` -> the ISO 639-3 prefix."""
    stem = filename.strip("/").split("/")[-1]
    prefix = re.split(r"[_.\-]", stem, maxsplit=1)[0]
    return resolve(prefix, where=f"HSE corpus {filename!r}")


def from_mc4_config(config: str) -> Language:
    """An mC4 config (``es``, ``iw``, ``ru-Latn``) -> ISO 639-3."""
    base = config.strip().split("-", 1)[0].lower()
    if base in MC4_OVERRIDES:
        return code_language(MC4_OVERRIDES[base])
    return resolve(base, where="mC4 config")


def to_mc4_config(language: Language) -> str:
    """The mC4 config name for a language (its ISO 639-1 code where it has one)."""
    reverse = {v: k for k, v in MC4_OVERRIDES.items()}
    return reverse.get(language.iso3) or language.iso1 or language.iso3


def to_wiki_code(language: Language) -> str:
    """The Wikipedia edition code of a language (ISO 639-1 where it exists, else ISO 639-3)."""
    return language.iso1 or language.iso3


def from_hzsk(lang_attr: str | None = None, corpus_name: str | None = None) -> Language | None:
    """An EXMARaLDA ``lang`` attribute, else a language name inside an HZSK corpus/project name.

    Corpus names look like ``NganasanSpokenCorpus``, ``INEL Selkup Corpus``, ``Kamas corpus``: each
    capitalised word is tried as a language name. Returns None when neither says anything.
    """
    if lang_attr and lang_attr.strip():
        return resolve(lang_attr.strip(), where="EXMARaLDA <language lang=...>")
    if corpus_name:
        words = re.findall(r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[a-z]{4,}", corpus_name)
        ignore = {"corpus", "spoken", "language", "languages", "inel", "hzsk", "project", "texts", "the"}
        for word in words:
            if word.lower() in ignore:
                continue
            found = lookup(word)
            if found is not None and len(word) > 3:
                return found
    return None
