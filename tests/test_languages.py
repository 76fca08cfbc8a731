"""The language registry: every source's labels onto ISO 639-3."""

from __future__ import annotations

import pytest

from xlt import languages as L  # noqa: N812
from xlt.errors import UnknownLanguageError


@pytest.mark.parametrize(
    ("query", "iso3"),
    [
        ("English", "eng"),
        ("eng", "eng"),
        ("en", "eng"),
        ("Komi-Zyrian", "kpv"),
        ("komi zyrian", "kpv"),
        ("KPV", "kpv"),
        ("Nganasan", "nio"),
        ("Chichewa", "nya"),
        ("Nyanja", "nya"),
        ("Spanish", "spa"),
        ("ger", "deu"),
    ],
)
def test_resolve_names_and_codes(query, iso3):
    """Names and codes as researchers type them resolve to ISO 639-3."""
    assert L.resolve(query).iso3 == iso3


@pytest.mark.parametrize(
    ("folder", "iso3"),
    [
        ("UD_Komi_Zyrian-Lattice", "kpv"),
        ("UD_Erzya-JR", "myv"),
        ("UD_Ancient_Greek-PROIEL", "grc"),
        ("UD_North_Sami-Giella", "sme"),
        ("UD_Turkish-IMST", "tur"),
        ("UD_Scottish_Gaelic-ARCOSG", "gla"),
    ],
)
def test_ud_folders(folder, iso3):
    """UD treebank folder names map onto the language before the hyphen."""
    assert L.from_ud_folder(folder).iso3 == iso3


def test_wiki_hse_mc4_hzsk():
    """Each source's own label maps onto the same identity."""
    assert L.from_wiki_code("kv").iso3 == "kpv"
    assert L.from_wiki_code("be-tarask").iso3 == "bel"
    assert L.from_wiki_code("zh-min-nan").iso3 == "nan"
    assert L.from_hse_name("kpv_web_corpus.zip").iso3 == "kpv"
    assert L.from_hse_name("udm_vk_corpus.zip").iso3 == "udm"
    assert L.from_mc4_config("ru-Latn").iso3 == "rus"
    assert L.from_mc4_config("iw").iso3 == "heb"
    assert L.to_mc4_config(L.resolve("Spanish")) == "es"
    assert L.from_hzsk("nio").iso3 == "nio"
    assert L.from_hzsk(None, "NganasanSpokenCorpus").iso3 == "nio"
    assert L.from_hzsk(None, "INEL Selkup Corpus").iso3 == "sel"
    assert L.from_hzsk(None, None) is None


def test_unknown_language_suggests():
    """An unknown name is a clear error that suggests close matches."""
    with pytest.raises(UnknownLanguageError) as info:
        L.resolve("Komi Zyrain")
    assert "Komi" in str(info.value)


def test_scripts():
    """Scripts come from CLDR, with hand overrides where CLDR only guesses."""
    assert L.script_of("rus") == "Cyrl"
    assert L.script_of("kpv") == "Cyrl"
    assert L.script_of("nio") == "Cyrl"
    assert L.script_of("spa") == "Latn"
    assert L.script_of("zzj") in {
        None,
        "Latn",
        "Hani",
        "Hans",
    }  # Zuojiang Zhuang: whatever CLDR says, no crash
