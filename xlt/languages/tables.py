"""The few labels kept by hand: what no maintained table (ISO 639, CLDR, Glottolog) says.

Keys of `NAME_OVERRIDES` and `WALS_NAMES` are written as people write the names; lookups fold case,
accents and separators (:func:`xlt.languages.names.fold`), so "Guarani" finds "Guaraní".
"""

from __future__ import annotations

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

# WALS spellings (wals.info, "Languages") that neither ISO 639-3 nor Glottolog (as URIEL+ ships it)
# spells this way, and that the rules in names.py (reordering "X (Y)", folding accents, North/Northern)
# do not reach. Each maps to the ISO 639-3 code WALS itself gives the language.
WALS_NAMES: dict[str, str] = {
    "Slovene": "slv",  # ISO and Glottolog: Slovenian
    "Mandarin": "cmn",  # ISO and Glottolog: Mandarin Chinese
    "Cantonese": "yue",  # ISO and Glottolog: Yue Chinese
    "Hakka": "hak",  # ISO and Glottolog: Hakka Chinese
    "Min Nan": "nan",  # ISO: Min Nan Chinese
    "Sesotho": "sot",  # ISO and Glottolog: Southern Sotho
    "Tuvan": "tyv",  # ISO and Glottolog: Tuvinian
    "Khalkha": "khk",  # ISO and Glottolog: Halh Mongolian
    "Nivkh": "niv",  # ISO: Gilyak; Glottolog: Amur Nivkh
    "Meithei": "mni",  # ISO and Glottolog: Manipuri
    "Lakhota": "lkt",  # ISO and Glottolog: Lakota
    "Livonian": "liv",  # ISO and Glottolog: Liv
    "Koyraboro Senni": "ses",  # ISO and Glottolog: Koyraboro Senni Songhai
    "Serbian-Croatian": "hbs",  # WALS's one entry for the Serbo-Croatian macrolanguage
    "Romansch": "roh",  # ISO and Glottolog: Romansh
    "Vepsian": "vep",  # ISO and Glottolog: Veps
    "Meadow Mari": "mhr",  # ISO and Glottolog: Eastern Mari (WALS: "Mari (Meadow)")
    "Hill Mari": "mrj",  # ISO and Glottolog: Western Mari (WALS: "Mari (Hill)")
    "Mountain Arapesh": "ape",  # ISO and Glottolog: Bukiyip (WALS: "Arapesh (Mountain)")
    "Gaelic (Scots)": "gla",  # ISO and Glottolog: Scottish Gaelic
    "Greenlandic (West)": "kal",  # ISO and Glottolog: Kalaallisut
    "Quechua (Cuzco)": "quz",  # ISO and Glottolog: Cusco Quechua
    "Quechua (Imbabura)": "qvi",  # ISO and Glottolog: Imbabura Highland Quichua
    "Berber (Middle Atlas)": "tzm",  # ISO: Central Atlas Tamazight; Glottolog: Central Moroccan Berber
    "Oromo (Harar)": "hae",  # ISO and Glottolog: Eastern Oromo
    "Mixtec (Chalcatongo)": "mig",  # ISO and Glottolog: San Miguel El Grande Mixtec
    # WALS's "Guaraní" is the Paraguayan variety (its ISO code gug); the ISO macrolanguage `grn`
    # ("Guarani") stays reachable by its code.
    "Guaraní": "gug",
}

# Qualifiers that name a dialect rather than a language. "German (Viennese)": Glottolog classifies
# Viennese ("Lower Austria-Vienna Bavarian", vien1238) under Bavarian, and ISO 639-3 `bar` covers the
# Austrian dialects, so it maps to `bar`, not to Standard German `deu` (a corpus of Viennese speech is
# not Standard German text). Any other "X (dialect)" that nothing resolves falls back to X with a note.
DIALECT_NAMES: dict[str, str] = {
    "German (Viennese)": "bar",
    "German (Bavarian)": "bar",
    "German (Swiss)": "gsw",
    "German (Zürich)": "gsw",
    "German (Bernese)": "gsw",
    "Arabic (Classical)": "arb",  # ISO has no Classical Arabic code; Standard Arabic is its modern form
}

# Retired codes whose ISO 639 remedy names the successor only in prose (iso639-lang's `ret_remedy`):
# "mo" -- "leaving ro and ron ... the current language identifiers ... for the variant of the Romanian
# language also known as Moldavian"; "sh" -- "considered a macrolanguage ... in ISO 639-3" (hbs).
RETIRED_TARGETS: dict[str, str] = {"mo": "ron", "sh": "hbs"}

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
