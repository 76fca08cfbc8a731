"""UD treebanks for POS tagging: CoNLL-U files read with `conllu`, UPOS checked against UD v2.

Multiword tokens and empty nodes are skipped; a CoNLL-U row without ten fields or an unknown tag is one
`InputError` naming the file and sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xlt.downstream.readers import read_text
from xlt.errors import InputError, UsageError
from xlt.languages import Language, lookup, resolve

# The 17 universal POS tags of UD v2 (universaldependencies.org/u/pos/).
UPOS_TAGS: tuple[str, ...] = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)  # fmt: skip

# Tags of older tagsets, mapped only when asked (turkish-treebanks uses them): CONJ is UD v1's name for
# CCONJ (UD v2 release notes); PRT and "." are PART and PUNCT in the Google universal tagset (Petrov et
# al. 2012); ONOM (onomatopoeia) is INTJ in the UD guidelines; AFFIX (a stray bound morpheme) becomes X.
LEGACY_UPOS: dict[str, str] = {"CONJ": "CCONJ", "PRT": "PART", ".": "PUNCT", "ONOM": "INTJ", "AFFIX": "X"}


@dataclass(frozen=True)
class TaggedSentence:
    """The syntactic words of one sentence and their UPOS tags."""

    sent_id: str
    words: tuple[str, ...]
    tags: tuple[str, ...]


def read_conllu(path: Path, *, legacy_tags: bool = False) -> list[TaggedSentence]:
    """Sentences of a CoNLL-U file: multiword tokens and empty nodes skipped, UPOS checked.

    An unknown tag is one `InputError` naming the file, the sentence and the tag.
    """
    from xlt.sources.conllu import read_sentences

    if not path.is_file():
        raise InputError(f"treebank {path} does not exist")
    known = set(UPOS_TAGS)
    sentences: list[TaggedSentence] = []
    # read_sentences checks every row (ten fields) and names file:line; conllu parses the fields.
    for index, tokenlist in enumerate(read_sentences(read_text(path), str(path)), 1):
        sent_id = tokenlist.metadata.get("sent_id") or f"#{index}"
        words: list[str] = []
        tags: list[str] = []
        for token in tokenlist:
            if not isinstance(token["id"], int):  # (1, '-', 2) multiword, (1, '.', 1) empty node
                continue
            tag = token["upos"] or "_"
            if legacy_tags:
                tag = LEGACY_UPOS.get(tag, tag)
            if tag not in known:
                raise InputError(
                    f"{path}: sentence {sent_id}: unknown UPOS tag {tag!r} (word {token['form']!r})",
                    "UD v2 has 17 tags: "
                    + " ".join(UPOS_TAGS)
                    + ("" if legacy_tags else "; --legacy-tags maps UD v1/Petrov tags"),
                )
            words.append(token["form"])
            tags.append(tag)
        if words:
            sentences.append(TaggedSentence(sent_id, tuple(words), tuple(tags)))
    if not sentences:
        raise InputError(f"treebank {path} has no sentences")
    return sentences


TURKISH_TREEBANKS = ("web", "wiki")


def turkish_treebank_path(name: str) -> Path:
    """A CoNLL-U file of the `turkish-treebanks` package (``web`` or ``wiki``)."""
    from importlib.metadata import PackageNotFoundError, distribution

    if name not in TURKISH_TREEBANKS:
        raise InputError(f"unknown turkish-treebanks file {name!r}", "choose web or wiki")
    try:
        path = Path(str(distribution("turkish-treebanks").locate_file(f"data/{name}.conllu")))
    except PackageNotFoundError as exc:
        raise InputError("turkish-treebanks is not installed", "pip install 'xlt[sample]'") from exc
    if not path.is_file():
        raise InputError(f"turkish-treebanks has no {path}")
    return path


@dataclass(frozen=True)
class Treebank:
    """Sentences of one treebank (one or more files) and their language."""

    spec: str
    language: Language
    sentences: list[TaggedSentence]


def _language_of_treebank(path: Path) -> Language | None:
    for part in (path, *path.parents):
        if part.name.startswith("UD_"):
            from xlt.languages import from_ud_folder

            return from_ud_folder(part.name)
    prefix = path.name.split("_", 1)[0].split("-", 1)[0]  # tr_imst-ud-train.conllu -> tr
    return lookup(prefix) if 2 <= len(prefix) <= 3 else None


def load_treebank(
    spec: str, role: str, *, language: str | None = None, legacy_tags: bool = False
) -> Treebank:
    """A treebank by spec: ``turkish-treebanks[:web|:wiki]``, a ``.conllu`` file, or a UD folder.

    For a folder, `role` (``train`` or ``test``) picks ``*-ud-<role>.conllu`` when present, else every
    ``.conllu`` file in it. The language is `language`, else the UD folder or file name.
    """
    if spec.startswith("turkish-treebanks"):
        names = [spec.split(":", 1)[1]] if ":" in spec else list(TURKISH_TREEBANKS)
        paths = [turkish_treebank_path(name) for name in names]
        lang = resolve(language) if language else resolve("tur")
        legacy_tags = True  # its tags are Petrov/UD v1 style (NOTES.md)
    else:
        path = Path(spec).expanduser()
        if path.is_dir():
            paths = sorted(path.glob(f"*-ud-{role}.conllu")) or sorted(path.glob("*.conllu"))
            if not paths:
                raise InputError(f"no .conllu files in {path}")
        elif path.is_file():
            paths = [path]
        else:
            raise InputError(
                f"treebank {spec!r} not found", "give a .conllu file, a UD folder or turkish-treebanks"
            )
        found = resolve(language) if language else _language_of_treebank(paths[0])
        if found is None:
            raise UsageError(
                f"cannot tell the language of {paths[0]}",
                f"name it with --{role}-lang (e.g. --{role}-lang kpv)",
            )
        lang = found
    sentences = [s for p in paths for s in read_conllu(p, legacy_tags=legacy_tags)]
    return Treebank(spec=spec, language=lang, sentences=sentences)
