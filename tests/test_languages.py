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


# --- retired codes, and nothing but UnknownLanguageError ----------------------------------------


@pytest.mark.parametrize(
    ("code", "iso3"),
    [
        ("lak", "ksp"),
        ("prv", "oci"),
        ("PRV", "oci"),
        ("mol", "ron"),
        ("mo", "ron"),
        ("scc", "srp"),
        ("iw", "heb"),
    ],
)
def test_retired_codes_map_to_their_replacement_with_a_note(code: str, iso3: str) -> None:
    """A retired ISO 639 code is its replacement, and explain() says why."""
    assert L.resolve(code).iso3 == iso3
    found = L.explain(code)
    assert found.via == "retired ISO 639 code"
    assert any("retired ISO 639 code" in note and iso3 in note for note in found.notes)


def test_retired_names_and_split_codes() -> None:
    """'Provençal' (a retired name) is Occitan; a split code is an error naming its successors."""
    assert L.resolve("Provençal").iso3 == "oci"
    with pytest.raises(UnknownLanguageError, match=r"split.*aiw, gyl"):
        L.resolve("aiz")  # Aari, split into aiw and gyl in 2008
    assert L.name_of("prv") == L.name_of("oci")


def test_iso639_tables_are_where_the_registry_reads_them() -> None:
    """iso639-lang still keeps its tables as `Lang` class attributes (read for speed and retired codes)."""
    from iso639 import Lang

    assert {"pt1", "pt3", "pt5", "name"} <= set(Lang._data)  # type: ignore[attr-defined]
    assert Lang._deprecated["id"]["lak"]["change_to"] == "ksp"  # type: ignore[attr-defined]
    assert "Greek, Modern (1453-)" in Lang._other_names["Modern Greek (1453-)"]  # type: ignore[attr-defined]


ODD = ["", " ", "(", ")", "()", "X ()", "(Y)", "\x00", "\ud800", "a" * 5000, "UD_", "Lak (", "a (b) (c)"]


def _calls():
    """Every public entry point that takes a string."""
    return [
        L.resolve,
        L.resolve_name,
        L.explain,
        L.from_ud_folder,
        L.from_hse_name,
        L.from_wiki_code,
        L.from_mc4_config,
        L.from_hzsk,
        lambda v: L.from_hzsk(None, v),
        lambda v: L.resolve_many(v),
        lambda v: L.resolve(v, prefer="name"),
    ]


def _only_unknown(value: str, calls: list | None = None) -> None:
    for call in calls or _calls():
        try:
            call(value)
        except UnknownLanguageError as exc:
            assert "\n" not in str(exc)
    assert L.lookup(value) is None or isinstance(L.lookup(value), L.Language)
    assert isinstance(L.name_of(value), str)
    assert L.script_of(value) is None or isinstance(L.script_of(value), str)
    assert isinstance(L.suggestions(value), list)


@pytest.mark.parametrize("value", ODD)
def test_odd_strings_raise_only_unknown_language(value: str) -> None:
    """Empty, bracket-only, NUL, lone surrogate, huge, half-qualified: a result or UnknownLanguageError."""
    _only_unknown(value)


def test_no_string_makes_the_registry_raise_anything_else() -> None:
    """Hypothesis: any text (surrogates, combining marks, brackets): a Language or UnknownLanguageError."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    alphabet = st.characters(blacklist_categories=())  # every code point, surrogates included
    nameish = st.builds(
        lambda head, qual: f"{head} ({qual})", st.text(alphabet, max_size=12), st.text(alphabet, max_size=12)
    )
    codeish = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-() ", min_size=1, max_size=4)

    calls = [L.resolve, L.resolve_name, L.explain, L.from_ud_folder, lambda v: L.from_hzsk(None, v)]

    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.one_of(st.text(alphabet, max_size=40), nameish, codeish))
    def check(value: str) -> None:
        _only_unknown(value, calls)

    check()


def test_non_strings_are_unknown_not_type_errors() -> None:
    """None or a number where a name belongs is an UnknownLanguageError too."""
    for value in (None, 3, b"eng"):
        with pytest.raises(UnknownLanguageError):
            L.resolve(value)  # type: ignore[arg-type]
        assert L.lookup(value) is None  # type: ignore[arg-type]


def _clear_registry_caches() -> None:
    from xlt.languages import glottolog, names, resolution

    for cached in (
        glottolog.glottocode_map,
        glottolog.languoids,
        names.name_index,
        resolution._search,
        resolution._suggestion_keys,
    ):
        cached.cache_clear()


def test_without_urielplus_files_iso_names_still_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the URIEL+ files cannot be read, ISO names and codes work and Glottolog-only names are unknown."""
    from xlt.languages import glottolog

    _clear_registry_caches()
    monkeypatch.setattr(glottolog, "_rows", lambda name: [])
    try:
        assert L.resolve_name("Greek (Modern)").iso3 == "ell"
        assert L.resolve_name("Arabic (Egyptian)").iso3 == "arz"
        assert L.resolve("prv").iso3 == "oci"
        with pytest.raises(UnknownLanguageError):
            L.resolve_name("Gilit Mesopotamian Arabic")  # a Glottolog name only
    finally:
        monkeypatch.undo()
        _clear_registry_caches()
    assert L.resolve_name("Gilit Mesopotamian Arabic").iso3 == "acm"
