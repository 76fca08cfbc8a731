"""WALS- and Glottolog-style names, as typology papers write them, resolve to the right ISO 639-3 code.

The names are written the way WALS (wals.info, "Languages": "Greek (Modern)", "Saami (Northern)",
older English spellings) and Glottolog ("Modern Greek", "North Saami") name languages. Each code was
checked against iso639-lang's reference name and against the Glottolog name that URIEL+'s
``uriel_glottocode_map.csv`` / ``lang_fam_geo.csv`` give the code (printed next to it below where the
spellings differ); `test_every_expected_code_is_current` re-checks the codes on every run.
"""

from __future__ import annotations

import pytest

from xlt import languages as L  # noqa: N812
from xlt.languages.glottolog import glottocode_map

# WALS-style names: "Head (Qualifier)", older and English spellings. (name, iso3)
WALS_STYLE: list[tuple[str, str]] = [
    ("Greek (Modern)", "ell"),
    ("Mordvin (Erzya)", "myv"),
    ("Mordvin (Moksha)", "mdf"),
    ("Saami (Northern)", "sme"),  # ISO Northern Sami, Glottolog North Saami
    ("Saami (Southern)", "sma"),
    ("Saami (Kildin)", "sjd"),
    ("Saami (Skolt)", "sms"),
    ("Saami (Inari)", "smn"),
    ("Saami (Lule)", "smj"),
    ("Arabic (Egyptian)", "arz"),
    ("Arabic (Moroccan)", "ary"),
    ("Arabic (Gulf)", "afb"),
    ("Arabic (Chadian)", "shu"),
    ("Hebrew (Modern)", "heb"),  # Glottolog Modern Hebrew
    ("Armenian (Eastern)", "hye"),  # Glottolog Eastern Armenian
    ("Armenian (Western)", "hyw"),
    ("Kurdish (Central)", "ckb"),
    ("Mari (Meadow)", "mhr"),  # ISO and Glottolog Eastern Mari
    ("Mari (Hill)", "mrj"),  # ISO and Glottolog Western Mari
    ("Oromo (Harar)", "hae"),  # ISO and Glottolog Eastern Oromo
    ("Berber (Middle Atlas)", "tzm"),  # ISO Central Atlas Tamazight
    ("Gaelic (Scots)", "gla"),
    ("Frisian (West)", "fry"),  # ISO and Glottolog Western Frisian
    ("Sorbian (Upper)", "hsb"),
    ("Sorbian (Lower)", "dsb"),
    ("Greenlandic (West)", "kal"),  # ISO and Glottolog Kalaallisut
    ("Yupik (Central)", "esu"),
    ("Cree (Plains)", "crk"),
    ("Quechua (Imbabura)", "qvi"),  # ISO Imbabura Highland Quichua
    ("Quechua (Cuzco)", "quz"),  # ISO Cusco Quechua
    ("Otomí (Mezquital)", "ote"),
    ("Mixtec (Chalcatongo)", "mig"),  # ISO San Miguel El Grande Mixtec
    ("Zoque (Copainalá)", "zoc"),
    ("Dani (Lower Grand Valley)", "dni"),
    ("Arapesh (Mountain)", "ape"),  # ISO and Glottolog Bukiyip
    ("German (Viennese)", "bar"),  # Glottolog: Lower Austria-Vienna Bavarian, under Bavarian
    ("Slovene", "slv"),  # ISO and Glottolog Slovenian
    ("Mandarin", "cmn"),
    ("Cantonese", "yue"),
    ("Hakka", "hak"),
    ("Mon", "mnw"),
    ("Guaraní", "gug"),  # ISO and Glottolog Paraguayan Guaraní
    ("Sesotho", "sot"),  # ISO and Glottolog Southern Sotho
    ("Provençal", "oci"),  # retired ISO code prv; a Glottolog dialect of Occitan
    ("Lak", "lbe"),
    ("Avar", "ava"),  # ISO Avaric
    ("Tuvan", "tyv"),  # ISO and Glottolog Tuvinian
    ("Khalkha", "khk"),  # ISO and Glottolog Halh Mongolian
    ("Abkhaz", "abk"),  # ISO Abkhazian
    ("Lezgian", "lez"),  # ISO Lezghian
    ("Tsez", "ddo"),  # ISO Dido
    ("Chukchi", "ckt"),  # ISO Chukot
    ("Nivkh", "niv"),  # ISO Gilyak, Glottolog Amur Nivkh
    ("Kyrgyz", "kir"),  # ISO and Glottolog Kirghiz
    ("Yakut", "sah"),  # Glottolog Sakha
    ("Meithei", "mni"),  # ISO and Glottolog Manipuri
    ("Lakhota", "lkt"),  # ISO and Glottolog Lakota
    ("Livonian", "liv"),  # ISO and Glottolog Liv
    ("Vepsian", "vep"),  # ISO and Glottolog Veps
    ("Romansch", "roh"),  # ISO and Glottolog Romansh
    ("Serbian-Croatian", "hbs"),
    ("Koyraboro Senni", "ses"),
    ("Ossetic", "oss"),  # ISO Ossetian
    ("Wari'", "pav"),  # ISO Pakaásnovos
    ("Martuthunira", "vma"),  # ISO Martuyhunira
    ("Pirahã", "myp"),
    ("Kabardian", "kbd"),
    ("Chechen", "che"),
    ("Ingush", "inh"),
    ("Hunzib", "huz"),
    ("Archi", "aqc"),
    ("Udi", "udi"),
    ("Basque", "eus"),
    ("Georgian", "kat"),
    ("Udmurt", "udm"),
    ("Komi-Zyrian", "kpv"),
    ("Khanty", "kca"),
    ("Mansi", "mns"),
    ("Nganasan", "nio"),
    ("Nenets", "yrk"),
    ("Selkup", "sel"),
    ("Chuvash", "chv"),
    ("Evenki", "evn"),
    ("Even", "eve"),
    ("Ket", "ket"),
    ("Itelmen", "itl"),
    ("Ainu", "ain"),  # ISO Ainu (Japan)
    ("Burmese", "mya"),
    ("Khmer", "khm"),
    ("Hawaiian", "haw"),
    ("Maori", "mri"),
    ("Fijian", "fij"),
    ("Khoekhoe", "naq"),
    ("Kayardild", "gyd"),
    ("Yidiny", "yii"),
    ("Tiwi", "tiw"),
    ("Yimas", "yee"),
    ("Hmong Njua", "hnj"),
    ("Burushaski", "bsk"),
    ("Mapudungun", "arn"),
    ("Karelian", "krl"),
    ("Votic", "vot"),
    ("Kalmyk", "xal"),
]

# Glottolog names as URIEL+'s lang_fam_geo.csv spells them (name, iso3 from uriel_glottocode_map.csv).
GLOTTOLOG_STYLE: list[tuple[str, str]] = [
    ("Modern Greek", "ell"),
    ("North Saami", "sme"),
    ("South Saami", "sma"),
    ("Skolt Saami", "sms"),
    ("Kildin Saami", "sjd"),
    ("Halh Mongolian", "khk"),
    ("Tuvinian", "tyv"),
    ("Modern Hebrew", "heb"),
    ("Eastern Armenian", "hye"),
    ("Central Moroccan Berber", "tzm"),
    ("Sakha", "sah"),
    ("Amur Nivkh", "niv"),
    ("Gilit Mesopotamian Arabic", "acm"),
    ("Standard Indonesian", "ind"),
    ("Central Khmer", "khm"),
    ("Yidiñ", "yii"),
    ("Eastern Mari", "mhr"),
    ("Western Mari", "mrj"),
    ("Nama (Namibia)", "naq"),
    ("Iron Ossetian", "oss"),
    ("Liv", "liv"),
    ("Yue Chinese", "yue"),
    ("Central Alaskan Yupik", "esu"),
    ("Kazym-Berezover-Suryskarer Khanty", "kca"),
    ("Northern Mansi", "mns"),
    ("West Itelmen", "itl"),
    ("Hokkaido Ainu", "ain"),
    ("Tundra Nenets", "yrk"),
    ("Oirad-Kalmyk-Darkhat", "xal"),
    ("Serbian-Croatian-Bosnian", "hbs"),
    ("Ionic-Attic Ancient Greek", "grc"),
    ("Northern Tosk Albanian", "als"),
    ("Bukiyip", "ape"),
    ("San Miguel El Grande Mixtec", "mig"),
    ("Paraguayan Guaraní", "gug"),
    ("Southern Sotho", "sot"),
    ("Mandarin Chinese", "cmn"),
    ("Egyptian Arabic", "arz"),
    ("Lower Austria-Vienna Bavarian", "bar"),  # a Glottolog dialect: the language above it
]


def test_the_lists_are_long_enough() -> None:
    """At least 80 WALS-style names and 30 Glottolog names are checked."""
    assert len(WALS_STYLE) >= 80 and len(GLOTTOLOG_STYLE) >= 30
    assert len({name for name, _ in WALS_STYLE + GLOTTOLOG_STYLE}) == len(WALS_STYLE) + len(GLOTTOLOG_STYLE)


@pytest.mark.parametrize(("name", "iso3"), WALS_STYLE + GLOTTOLOG_STYLE)
def test_name_first(name: str, iso3: str) -> None:
    """Each name, read from a name column, is its language."""
    assert L.resolve_name(name).iso3 == iso3


def test_every_expected_code_is_current() -> None:
    """Every expected code is a current ISO 639-3 code, and URIEL+ maps most of them to a Glottocode."""
    codes = {iso3 for _, iso3 in WALS_STYLE + GLOTTOLOG_STYLE}
    assert all(L.code_lookup(code) is not None and L.code_lookup(code).iso3 == code for code in codes)
    mapped = set(glottocode_map().values())
    assert len(codes & mapped) / len(codes) > 0.95


def test_code_first_agrees_except_where_a_name_is_a_code() -> None:
    """Read codes first, the names give the same codes, except Mon and Lak; as typed (capitalised, so
    names), every one of them does."""
    differ = {
        name for name, iso3 in WALS_STYLE + GLOTTOLOG_STYLE if L.resolve(name, prefer="code").iso3 != iso3
    }
    assert differ == {"Mon", "Lak"}
    assert L.resolve("Mon", prefer="code").iso3 == "mon" and L.resolve("Lak", prefer="code").iso3 == "ksp"
    assert all(L.resolve(name).iso3 == iso3 for name, iso3 in WALS_STYLE + GLOTTOLOG_STYLE)
    assert L.resolve("mon").iso3 == "mon" and L.resolve("lak").iso3 == "ksp"  # lower case: codes


def test_accents_case_and_separators_do_not_matter() -> None:
    """Guarani/GUARANÍ, greek  (modern), saami_(northern), Komi Zyrian all resolve the same."""
    assert L.resolve_name("GUARANI").iso3 == L.resolve_name("guaraní").iso3 == "gug"
    assert L.resolve_name("greek  ( modern )").iso3 == "ell"
    assert L.resolve_name("saami_(northern)").iso3 == "sme"
    assert L.resolve_name("Provencal").iso3 == "oci"
    assert L.resolve_name("Wari’").iso3 == "pav"  # typographic apostrophe


def test_mon_is_a_name_first_and_both_readings_are_visible() -> None:
    """resolve_name('Mon') is mnw; explain() of the code-first reading names the other one."""
    assert L.resolve("Mon", prefer="name") == L.resolve_name("Mon")
    code_first = L.explain("Mon", prefer="code")
    assert code_first.language.iso3 == "mon"
    assert any("mnw" in note for note in code_first.notes)
    name_first = L.explain("Mon", prefer="name")
    assert name_first.language.iso3 == "mnw" and any("mon" in note for note in name_first.notes)


def test_dialect_qualifier_falls_back_to_its_head_with_a_note() -> None:
    """An unknown qualifier keeps the head language and says so; a known dialect names its language."""
    found = L.explain("German (Schwäbischer Wald)", prefer="name")
    assert found.language.iso3 == "deu"
    assert any("qualifier ignored" in note for note in found.notes)
    assert L.resolve_name("Quechua (Huallaga)").iso3 == "que"  # the macrolanguage, noted
    dialect = L.explain("Torne Saami", prefer="name")  # a Glottolog dialect of North Saami
    assert dialect.language.iso3 == "sme" and "dialect" in dialect.notes[0]


def test_ambiguous_name_is_an_error_listing_the_readings() -> None:
    """A name that one table gives two codes is not guessed: the error lists both."""
    from xlt.errors import UnknownLanguageError
    from xlt.languages.names import LATER_TIERS, name_index

    ambiguous = [
        key
        for tier in LATER_TIERS
        for key, entry in name_index().tier(tier).items()
        if len(entry.codes) > 1 and L.lookup(key, prefer="name") is None
    ]
    assert ambiguous, "URIEL+/ISO have names with two codes; one of them should reach this test"
    with pytest.raises(UnknownLanguageError, match="names several languages") as info:
        L.resolve_name(ambiguous[0])
    assert str(info.value).count("(") >= 3  # the value, and at least two 'Name (code)' readings
