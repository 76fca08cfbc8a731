"""What each source calls a language: UD folders, Wikipedia and mC4 codes, HSE prefixes, HZSK labels."""

from __future__ import annotations

import re

from xlt.languages.core import Language, code_language
from xlt.languages.resolution import lookup, resolve
from xlt.languages.tables import MC4_OVERRIDES, WIKI_OVERRIDES


def from_ud_folder(folder: str) -> Language:
    """``UD_Komi_Zyrian-Lattice`` -> kpv (the part before the first hyphen is the language's name)."""
    name = re.sub(r"^UD_", "", folder.strip("/").split("/")[-1])
    language_part = name.split("-", 1)[0]
    return resolve(language_part.replace("_", " "), where=f"UD treebank {folder!r}", prefer="name")


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
            if word.lower() in ignore or len(word) <= 3:
                continue
            found = lookup(word, prefer="name")
            if found is not None:
                return found
    return None
