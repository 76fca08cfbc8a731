"""Downstream data: parallel corpora for MT and UD treebanks for POS tagging.

Parallel data comes from

* ``elotl:axolotl`` (Spanish–Nahuatl), ``elotl:tsunkua`` (Spanish–Otomí), ``elotl:kolo`` (Spanish–Mixtec):
  the CSVs the `elotl` package ships (no header; see NOTES.md), filtered to the requested variety;
* a local ``.tsv``/``.csv`` (with a header) or ``.jsonl`` file, or a directory saved with
  ``datasets.save_to_disk``, with one column per language (or a ``translation`` dict column);
* two line-aligned files (``--src-file``/``--tgt-file``);
* the hub (``allenai/nllb``, pair configs such as ``spa_Latn-nah_Latn``, as in the paper), for machines
  with a network.

Treebanks are CoNLL-U files read with `conllu`; multiword tokens and empty nodes are skipped and the
UPOS column is checked against the 17 UD v2 tags.

Every reader checks structure and names the place of a fault: a TSV/CSV row with more or fewer fields
than the header, a quote that swallows the following lines, a JSONL line that is not an object or lacks
a language's column, a CoNLL-U row without ten fields (``file:line`` in each message).
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from xlt.errors import InputError, UsageError
from xlt.languages import Language, lookup, resolve

Pair = tuple[str, str]

# --- elotl ------------------------------------------------------------------------------------------

# Column layout of the CSVs shipped in elotl/corpora (no header), checked against elotl 0.1 files:
# axolotl: spa, nah, variant, document, iso;  tsunkua: spa, oto, variant, doc, pdf, id;  kolo: spa, mix,
# variant, doc.  The LR variety is the `iso` column (axolotl) or the code in parentheses in `variant`.
ELOTL_CORPORA: dict[str, str] = {"axolotl": "nah", "tsunkua": "oto", "kolo": "mix"}
_PAREN_CODE = re.compile(r"\(([a-z]{3})\)")


def _elotl_rows(name: str) -> list[list[str]]:
    from importlib.resources import files

    try:
        text = (files("elotl.corpora") / f"{name}.csv").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise InputError(
            f"elotl corpus {name!r} is not installed", "pip install 'xlt[sample]' (or pip install elotl)"
        ) from exc
    return [row for row in csv.reader(io.StringIO(text)) if len(row) >= 3]


def _elotl_code(name: str, row: list[str]) -> str | None:
    if name == "axolotl":
        return (row[4].strip() or None) if len(row) > 4 else None
    found = _PAREN_CODE.search(row[2])
    return found.group(1) if found else None


def elotl_varieties(name: str) -> Counter[str]:
    """Rows per LR variety code in an elotl corpus (rows without a code are not counted)."""
    return Counter(code for row in _elotl_rows(name) if (code := _elotl_code(name, row)))


def elotl_corpus_for(iso3: str) -> str | None:
    """The elotl corpus that has Spanish parallel text for a language code, or None."""
    for name, collective in ELOTL_CORPORA.items():
        if iso3 == collective or iso3 in elotl_varieties(name):
            return name
    return None


def load_elotl(name: str, src: Language, tgt: Language) -> list[Pair]:
    """Spanish–LR pairs of one elotl corpus, in the requested direction, filtered to the LR variety.

    The collective code (``nah``, ``oto``, ``mix``) keeps every row of the corpus.
    """
    if name not in ELOTL_CORPORA:
        raise InputError(f"unknown elotl corpus {name!r}", f"choose one of {', '.join(ELOTL_CORPORA)}")
    if "spa" not in {src.iso3, tgt.iso3}:
        raise UsageError(
            f"elotl:{name} is Spanish–{ELOTL_CORPORA[name]} text; neither {src} nor {tgt} is Spanish",
            "use --src spa or --tgt spa",
        )
    lr = tgt if src.iso3 == "spa" else src
    rows = _elotl_rows(name)
    if lr.iso3 != ELOTL_CORPORA[name]:
        rows = [row for row in rows if _elotl_code(name, row) == lr.iso3]
    if not rows:
        counts = ", ".join(f"{c} ({n})" for c, n in elotl_varieties(name).most_common())
        raise InputError(
            f"elotl:{name} has no rows for {lr}",
            f"its varieties are {counts}; or use {ELOTL_CORPORA[name]} for all of them",
        )
    pairs = [(row[0], row[1]) for row in rows]
    return pairs if src.iso3 == "spa" else [(b, a) for a, b in pairs]


# --- files and datasets -----------------------------------------------------------------------------


def _column_for(lang: Language, columns: list[str], explicit: str | None, where: str, flag: str) -> str:
    """The column that holds a language: the one named, else its ISO 639-3 code, name or ISO 639-1 code."""
    if explicit is not None:
        if explicit not in columns:
            raise InputError(
                f"column {explicit!r} is not in {where}", f"its columns are {', '.join(columns) or 'none'}"
            )
        return explicit
    by_lower = {c.lower(): c for c in columns}
    for candidate in (lang.iso3, lang.name, lang.iso1):
        if candidate and candidate.lower() in by_lower:
            return by_lower[candidate.lower()]
    for column in columns:  # e.g. FLORES-style `spa_Latn`, or a name the registry resolves
        found = lookup(column.split("_")[0])
        if found is not None and found.iso3 == lang.iso3:
            return column
    raise InputError(
        f"no column for {lang} in {where}",
        f"its columns are {', '.join(columns) or 'none'}; name one with {flag}",
    )


def _flatten_translation(records: list[dict]) -> list[dict]:
    """`{"translation": {"es": ..., "nah": ...}}` rows (datasets' translation format) -> flat rows."""
    if records and isinstance(records[0].get("translation"), dict):
        return [{**{k: v for k, v in r.items() if k != "translation"}, **r["translation"]} for r in records]
    return records


def read_text(path: Path) -> str:
    """A UTF-8 text file; unreadable or not UTF-8 is one `InputError` naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"{path}: cannot be read ({exc.strerror})", "check the path and its permissions"
        ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}:{line}: not UTF-8 (byte {exc.start})",
            "convert it to UTF-8, e.g. iconv -f LATIN1 -t UTF-8",
        ) from exc


def _read_records(path: Path) -> list[tuple[str, dict]]:
    """(where, row) of a TSV/CSV (with header), JSONL file or `datasets` directory; `where` is file:line."""
    if path.is_dir():
        from datasets import Dataset, concatenate_datasets, load_from_disk

        try:
            loaded = load_from_disk(str(path))
        except (FileNotFoundError, ValueError) as exc:
            raise InputError(f"{path} is not a saved `datasets` directory: {exc}") from exc
        table = loaded if isinstance(loaded, Dataset) else concatenate_datasets(list(loaded.values()))
        rows = _flatten_translation(table.to_list())
        return [(f"{path} row {i}", row) for i, row in enumerate(rows, 1)]
    suffix = path.suffix.lower()
    if suffix in {".tsv", ".csv", ".txt"}:
        return _read_delimited(path, read_text(path), "," if suffix == ".csv" else "\t")
    if suffix in {".jsonl", ".json"}:
        return _read_jsonl(path, read_text(path))
    raise InputError(
        f"{path}: unknown parallel data format {suffix!r}", "use .tsv, .csv, .jsonl or a directory"
    )


def _read_delimited(path: Path, text: str, delimiter: str) -> list[tuple[str, dict]]:
    """Rows of a TSV/CSV with a header, each checked to have as many fields as the header."""
    kind = "CSV" if delimiter == "," else "TSV"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[str, dict]] = []
    header: list[str] | None = None
    start = 1
    try:
        for row in reader:
            first, start = start, reader.line_num + 1  # a quoted field may span lines
            if not row:
                continue
            where = f"{path}:{first}"
            spanned = reader.line_num - first
            if spanned and any("\n" in field for field in row):
                raise InputError(
                    f"{where}: a quote opens a field that runs over {spanned + 1} lines (to line "
                    f"{reader.line_num})",
                    'remove the stray " or quote the whole field ("" for a quote inside it)',
                )
            if header is None:
                header = [name.strip() for name in row]
                repeated = sorted({name for name in header if header.count(name) > 1})
                if repeated:
                    raise InputError(f"{where}: column {repeated[0]!r} appears twice in the header")
                continue
            if len(row) != len(header):
                n = len(row)
                raise InputError(
                    f"{where}: {n} field{'s' if n != 1 else ''}, the header has {len(header)} "
                    f"({', '.join(header)})",
                    f"every {kind} row needs one field per column; fix or remove the row",
                )
            records.append((where, dict(zip(header, row, strict=True))))
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: not valid {kind} ({exc})") from exc
    return records


def _read_jsonl(path: Path, text: str) -> list[tuple[str, dict]]:
    """Objects of a JSON-lines file; a line that is not a JSON object is an error naming it."""
    records: list[tuple[str, dict]] = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not JSON ({exc.msg})", "one JSON object per line") from exc
        except RecursionError as exc:
            raise InputError(f"{where}: JSON nested too deeply", "one JSON object per line") from exc
        if not isinstance(value, dict):
            raise InputError(
                f"{where}: a JSON {type(value).__name__}, not an object", "one JSON object per line"
            )
        records.append((where, value))
    flat = _flatten_translation([record for _, record in records])
    return [(where, record) for (where, _), record in zip(records, flat, strict=True)]


def load_table(
    path: Path, src: Language, tgt: Language, src_column: str | None = None, tgt_column: str | None = None
) -> list[Pair]:
    """Pairs from a file or `datasets` directory with one column per language."""
    if not path.exists():
        raise InputError(f"parallel data {path} does not exist")
    records = _read_records(path)
    if not records:
        raise InputError(f"{path} has no rows")
    columns = list(records[0][1])
    a = _column_for(src, columns, src_column, str(path), "--src-column")
    b = _column_for(tgt, columns, tgt_column, str(path), "--tgt-column")
    if a == b:
        raise InputError(
            f"{src} and {tgt} both map to column {a!r} in {path}", "name them with --src/tgt-column"
        )
    pairs: list[Pair] = []
    for where, record in records:
        for column in (a, b):
            if column not in record:
                raise InputError(
                    f"{where}: no {column!r} field (the first row has {', '.join(columns)})",
                    "every row needs both languages' fields",
                )
        pairs.append((str(record[a] or ""), str(record[b] or "")))
    return pairs


def load_two_files(src_file: Path, tgt_file: Path) -> list[Pair]:
    """Pairs from two line-aligned text files; different line counts are an error."""
    for path in (src_file, tgt_file):
        if not path.is_file():
            raise InputError(f"parallel file {path} does not exist")
    src_lines = read_text(src_file).splitlines()
    tgt_lines = read_text(tgt_file).splitlines()
    if len(src_lines) != len(tgt_lines):
        raise InputError(
            f"{src_file} has {len(src_lines)} lines but {tgt_file} has {len(tgt_lines)}: not parallel",
            "the two files must be line-aligned translations of each other",
        )
    return list(zip(src_lines, tgt_lines, strict=True))


def nllb_config(src: Language, tgt: Language) -> str:
    """The allenai/nllb pair config of two languages (FLORES-200 style ``spa_Latn-nah_Latn``)."""
    codes = sorted(f"{lang.iso3}_{lang.script or 'Latn'}" for lang in (src, tgt))
    return "-".join(codes)


def load_hub(name: str, src: Language, tgt: Language) -> list[Pair]:  # pragma: no cover - needs a network
    """Pairs of a hub dataset (``allenai/nllb`` pair configs, as in the paper)."""
    from datasets import load_dataset

    try:
        table = load_dataset(name, nllb_config(src, tgt), split="train")
    except Exception as exc:
        raise InputError(
            f"could not load {name} ({nllb_config(src, tgt)}) from the hub: {exc}",
            "this needs a network; offline, use elotl:axolotl or a local file",
        ) from exc
    records = _flatten_translation(table.to_list())
    columns = list(records[0]) if records else []
    a = _column_for(src, columns, None, name, "--src-column")
    b = _column_for(tgt, columns, None, name, "--tgt-column")
    return [(str(r[a]), str(r[b])) for r in records]


def load_parallel(
    spec: str | None,
    src: Language,
    tgt: Language,
    *,
    src_column: str | None = None,
    tgt_column: str | None = None,
    src_file: Path | None = None,
    tgt_file: Path | None = None,
) -> list[Pair]:
    """Raw pairs of any supported source (not yet cleaned or split)."""
    if src_file is not None or tgt_file is not None:
        if src_file is None or tgt_file is None or spec is not None:
            raise UsageError("give both --src-file and --tgt-file, and no --pair", "or one --pair source")
        return load_two_files(src_file, tgt_file)
    if spec is None:
        raise UsageError(
            "no parallel data given", "use --pair elotl:axolotl, a file, or --src-file/--tgt-file"
        )
    if spec.startswith("elotl:"):
        return load_elotl(spec.split(":", 1)[1], src, tgt)
    path = Path(spec).expanduser()
    if path.exists() or path.suffix:
        return load_table(path, src, tgt, src_column, tgt_column)
    if spec.startswith("hf:") or "/" in spec:
        return load_hub(spec.removeprefix("hf:"), src, tgt)
    raise InputError(
        f"parallel data {spec!r} not found", "use elotl:axolotl, a file path, or a hub dataset id"
    )


def clean_pairs(pairs: Iterable[Pair]) -> list[Pair]:
    """Strip whitespace; drop empty sides, untranslated copies (source == target) and exact duplicates.

    Duplicates are dropped before splitting so that no test sentence is also a training sentence; copies
    occur in tsunkua, where some rows repeat the Spanish in the Otomí column (NOTES.md).
    """
    seen: set[Pair] = set()
    kept: list[Pair] = []
    for a, b in pairs:
        pair = (" ".join(a.split()), " ".join(b.split()))
        if not pair[0] or not pair[1] or pair[0] == pair[1] or pair in seen:
            continue
        seen.add(pair)
        kept.append(pair)
    return kept


@dataclass(frozen=True)
class Splits:
    """A seeded train/valid/test split of parallel pairs."""

    train: list[Pair]
    valid: list[Pair]
    test: list[Pair]


def split_pairs(
    pairs: list[Pair],
    seed: int,
    *,
    max_pairs: int | None = 60_000,
    valid_fraction: float = 0.1,
    test_fraction: float = 0.1,
    where: str = "the parallel data",
) -> Splits:
    """Shuffle with `seed`, cap at `max_pairs` (the paper's 60,000), split 80/10/10 by default."""
    order = list(pairs)
    random.Random(seed).shuffle(order)
    if max_pairs is not None:
        order = order[:max_pairs]
    n_test = int(len(order) * test_fraction)
    n_valid = int(len(order) * valid_fraction)
    if n_test == 0:
        raise InputError(
            f"{where} gives an empty test split ({len(order)} usable pairs × {test_fraction})",
            "use more parallel data (at least 10 pairs) or a larger test fraction",
        )
    test, valid, train = order[:n_test], order[n_test : n_test + n_valid], order[n_test + n_valid :]
    if not train:
        raise InputError(f"{where} leaves no training pairs", "use more parallel data or --zero-shot")
    return Splits(train=train, valid=valid, test=test)


# --- UD treebanks -----------------------------------------------------------------------------------

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
