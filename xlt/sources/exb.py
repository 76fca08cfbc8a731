"""`hzsk`: EXMARaLDA basic transcriptions (.exb), loose or inside the zip archives HZSK distributes.

Only transcription text is kept: a sentence-level transcription tier (INEL's ``ts``) when a speaker
has one, else the speaker's transcription tier (``type="t"``, e.g. ``tx`` words or ``v`` utterances)
with its events joined into utterances along the ``<common-timeline>``. Annotation tiers (``type="a"``:
``mb``, ``mp``, ``ge``, ``ps``, …), description tiers (``type="d"``) and free translations (``fr``,
``fe``, ``fg``, …) never enter the text.

Language: each speaker's ``<languages-used>`` (then ``<l1>``), else a language named in the project or
transcription name or an archive/folder name, else ``--lang``. Files are parsed with entity
resolution, DTD loading and network access off; files that declare entities are refused. The structure
the EXMARaLDA basic-transcription DTD requires (``<head>``, ``<basic-body>`` with a
``<common-timeline>``, events on its points) is checked, and a violation names the file and line.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from xlt.errors import InputError, UnknownLanguageError
from xlt.languages import Language, from_hzsk
from xlt.sources.archives import iter_units
from xlt.sources.base import Chunk, ReadContext, Skipped, Unit

# Sentence-level transcription tiers (INEL corpora: ts = "transcription, sentence"; INEL's flextext2exb
# conversion writes them with type="d", so the type is not required to be "t").
SENTENCE_CATEGORIES = frozenset({"ts", "sentence", "utterance", "utt"})
# Free and literal translations into other languages (INEL: fr Russian, fe English, fg German,
# fh Hungarian, ltr literal Russian), never part of the language's text whatever their type says.
TRANSLATION_CATEGORIES = frozenset({"fr", "fe", "fg", "fh", "ft", "ltr", "lit", "trans", "translation"})
# Preferred word/utterance transcription tiers, in order, when a speaker has several type="t" tiers.
TRANSCRIPTION_PREFERENCE = ("tx", "v", "tr", "orth", "text")

_SENTENCE_FINAL = re.compile(r"[.!?…]+[\"'»”)\]]*\s*$")
# Non-verbal and editorial markup inside events: ((XXX)) unintelligible, ((unknown)), ((LAUGH)) (INEL
# and HIAT conventions write them in double parentheses).
_DOUBLE_PARENS = re.compile(r"\(\([^()]*\)\)")


def units(inputs: list[str], ctx: ReadContext) -> Iterable[Unit | Skipped]:
    """Every .exb file or archive member under the inputs."""
    return iter_units(inputs, lambda name: name.lower().endswith(".exb"), "EXMARaLDA .exb files")


def parse(unit: Unit, ctx: ReadContext) -> list[Chunk]:
    """Utterances of one transcription, one chunk per language of its speakers."""
    root = parse_xml(unit.data(), unit.origin)
    transcript = read_transcription(root, unit.origin)
    corpus_language = _corpus_language((*transcript.corpus_names, *unit.hint_names))
    by_language: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for speaker, utterances in transcript.utterances.items():
        if not utterances:
            continue
        language = _speaker_language(
            transcript.speakers.get(speaker, ([], [])), corpus_language, ctx, unit, speaker
        )
        by_language[language.iso3].extend(utterances)
    stem = re.sub(r"\.exb$", "", unit.origin.replace("\\", "/").split("/")[-1], flags=re.IGNORECASE)
    return [
        Chunk(iso3, [text for _, text in sorted(items, key=lambda pair: pair[0])], name=stem)
        for iso3, items in sorted(by_language.items())
    ]


# --- XML ------------------------------------------------------------------------------------------

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)


def parse_xml(data: bytes, origin: str):
    """The root element of an XML document, parsed without expanding or fetching anything."""
    from lxml import etree

    probe = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: look for declarations in the decoded text
        probe = data.decode("utf-16", errors="replace").encode("utf-8")
    if _ENTITY_DECL.search(probe):
        raise InputError(
            f"{origin}: declares XML entities (<!ENTITY>), refused: they are never expanded or fetched",
            hint="EXMARaLDA files need no entities; export the transcription again",
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        where = f"{origin}:{exc.lineno}" if exc.lineno else origin
        raise InputError(
            f"{where}: malformed XML ({exc.msg})", hint="check that the file is complete"
        ) from exc
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise InputError(f"{origin}: declares XML entities, refused")
    return root


@dataclass
class Transcription:
    """What one .exb says: speakers' languages, names to infer a language from, utterances per speaker."""

    speakers: dict[str, tuple[list[str], list[str]]]  # id -> (languages-used, L1)
    corpus_names: list[str]
    utterances: dict[str, list[tuple[int, str]]]  # speaker -> (timeline position, text)


def read_transcription(root, origin: str) -> Transcription:
    """Speakers, names and utterances (in timeline order) of a basic-transcription element."""
    if root.tag != "basic-transcription":
        raise InputError(
            f"{origin}: not an EXMARaLDA basic transcription (root element <{root.tag}>)",
            hint="pass .exb files saved by EXMARaLDA (segmented .exs files: export a basic transcription)",
        )
    for path in ("head", "basic-body", "basic-body/common-timeline"):
        if root.find(path) is None:
            element = path.split("/")[-1]
            raise InputError(
                f"{origin}:{root.sourceline}: <basic-transcription> has no <{element}>, which EXMARaLDA "
                "requires (not an EXMARaLDA basic transcription, or an incomplete one)",
                hint="export the transcription again from EXMARaLDA",
            )
    speakers: dict[str, tuple[list[str], list[str]]] = {}
    for speaker in root.iterfind("head/speakertable/speaker"):
        used = [lang.get("lang", "") for lang in speaker.iterfind("languages-used/language")]
        first = [lang.get("lang", "") for lang in speaker.iterfind("l1/language")]
        speakers[speaker.get("id", "")] = ([c for c in used if c.strip()], [c for c in first if c.strip()])
    names = [
        (element.text or "").strip()
        for element in root.iterfind("head/meta-information/*")
        if element.tag in {"project-name", "transcription-name"}
    ]
    timeline = {
        tli.get("id"): index for index, tli in enumerate(root.iterfind("basic-body/common-timeline/tli"))
    }
    tiers: dict[str, list] = defaultdict(list)
    for tier in root.iterfind("basic-body/tier"):
        tiers[tier.get("speaker") or ""].append(tier)
    utterances = {speaker: _speaker_utterances(found, timeline, origin) for speaker, found in tiers.items()}
    return Transcription(speakers, [n for n in names if n], utterances)


def _category(tier) -> str:
    return (tier.get("category") or "").strip().lower()


def _speaker_utterances(tiers: list, timeline: dict[str, int], origin: str) -> list[tuple[int, str]]:
    """Utterances of one speaker: a sentence tier's events, else events of a transcription tier joined."""
    usable = [t for t in tiers if _category(t) not in TRANSLATION_CATEGORIES and t.get("type") != "a"]
    sentence = [t for t in usable if _category(t) in SENTENCE_CATEGORIES]
    if sentence:
        return [(start, text) for start, _end, text in _events(sentence[0], timeline, origin) if text.strip()]
    transcription = [t for t in usable if t.get("type") == "t"]
    if not transcription:
        return []
    rank = {name: i for i, name in enumerate(TRANSCRIPTION_PREFERENCE)}
    tier = min(transcription, key=lambda t: rank.get(_category(t), len(rank)))
    return _join_events(_events(tier, timeline, origin))


def _events(tier, timeline: dict[str, int], origin: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of a tier's events in timeline order."""
    events = []
    for event in tier.iterfind("event"):
        start, end = timeline.get(event.get("start")), timeline.get(event.get("end"))
        if start is None or end is None:
            raise InputError(
                f"{origin}:{event.sourceline}: event {event.get('start')}-{event.get('end')} of tier "
                f"{tier.get('id')} points outside the common timeline",
                hint="every event's start and end must be a <tli> of <common-timeline>",
            )
        events.append((start, end, _DOUBLE_PARENS.sub(" ", event.text or "")))
    events.sort(key=lambda e: (e[0], e[1]))
    return events


def _join_events(events: list[tuple[int, int, str]]) -> list[tuple[int, str]]:
    """Word/segment events -> utterances: a gap in the timeline or sentence-final punctuation ends one."""
    out: list[tuple[int, str]] = []
    start, parts, last_end = -1, "", None
    for ev_start, ev_end, text in events:
        if parts and (ev_start != last_end or _SENTENCE_FINAL.search(parts)):
            out.append((start, " ".join(parts.split())))
            parts = ""
        if not parts:
            start = ev_start
        # Event texts carry their own trailing space by convention; words without one stay separate.
        joiner = "" if (not parts or parts[-1].isspace() or text[:1].isspace()) else " "
        parts += joiner + text
        last_end = ev_end
    if parts.strip():
        out.append((start, " ".join(parts.split())))
    return [(s, t) for s, t in out if t]


# --- language ------------------------------------------------------------------------------------


def _corpus_language(names: Iterable[str]) -> Language | None:
    for name in names:
        try:
            found = from_hzsk(corpus_name=name)
        except UnknownLanguageError:
            found = None
        if found is not None:
            return found
    return None


def _speaker_language(
    codes: tuple[list[str], list[str]],
    corpus: Language | None,
    ctx: ReadContext,
    unit: Unit,
    speaker: str,
) -> Language:
    """languages-used (the corpus language first if listed), L1, corpus/archive name, --lang."""
    used, first = codes
    resolved: list[Language] = []
    unknown: list[str] = []
    for code in [*used, *first]:
        try:
            found = from_hzsk(code)
        except UnknownLanguageError:
            unknown.append(code)
            continue
        if found is not None and found not in resolved:
            resolved.append(found)
    if corpus is not None and corpus in resolved:
        return corpus
    if resolved:
        return resolved[0]
    if corpus is not None:
        return corpus
    if ctx.lang is not None:
        return ctx.lang
    said = f"unknown language code(s) {', '.join(map(repr, unknown))}" if unknown else "no <languages-used>"
    raise InputError(
        f"{unit.origin}: no language for speaker {speaker or '(none)'}: {said}, "
        "and no language in the project, transcription or archive name",
        hint="pass --lang with the language of the transcriptions",
    )
