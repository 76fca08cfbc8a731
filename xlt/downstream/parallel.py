"""Parallel corpora for MT: load pairs from any supported source, clean them, split them once.

Pairs come from

* ``elotl:axolotl`` (Spanish–Nahuatl), ``elotl:tsunkua`` (Spanish–Otomí), ``elotl:kolo`` (Spanish–Mixtec):
  the CSVs the `elotl` package ships (no header; see NOTES.md), filtered to the requested variety;
* a local ``.tsv``/``.csv`` (with a header) or ``.jsonl`` file, or a directory saved with
  ``datasets.save_to_disk``, with one column per language (or a ``translation`` dict column), read by
  :mod:`xlt.downstream.readers`;
* two line-aligned files (``--src-file``/``--tgt-file``);
* the hub (``allenai/nllb``, pair configs such as ``spa_Latn-nah_Latn``, as in the paper), for machines
  with a network.
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from xlt.downstream.readers import flatten_translation, read_records, read_text
from xlt.errors import InputError, UsageError
from xlt.languages import Language, lookup

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


def packaged_pair(src: Language, tgt: Language) -> str:
    """The elotl corpus spec (``elotl:axolotl``) holding Spanish parallel text for this pair."""
    other = tgt if src.iso3 == "spa" else src
    name = elotl_corpus_for(other.iso3) if "spa" in {src.iso3, tgt.iso3} else None
    if name is None:
        raise InputError(
            f"no packaged parallel text for {src}–{tgt}",
            "elotl ships Spanish–Nahuatl/Otomí/Mixtec varieties; for other pairs give --pair FILE",
        )
    return f"elotl:{name}"


def load_elotl(name: str, src: Language, tgt: Language) -> list[Pair]:
    """Spanish–LR pairs of one elotl corpus, in the requested direction, filtered to the LR variety.

    The collective code (``nah``, ``oto``, ``mix``) keeps every row of the corpus.
    """
    if name not in ELOTL_CORPORA:
        raise InputError(f"unknown elotl corpus {name!r}", f"choose one of {', '.join(ELOTL_CORPORA)}")
    if "spa" not in {src.iso3, tgt.iso3}:
        raise UsageError(
            f"elotl:{name} is Spanish–{ELOTL_CORPORA[name]} text; neither {src} nor {tgt} is Spanish",
            "use --src-lang spa or --tgt-lang spa",
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


def load_table(
    path: Path, src: Language, tgt: Language, src_column: str | None = None, tgt_column: str | None = None
) -> list[Pair]:
    """Pairs from a file or `datasets` directory with one column per language."""
    if not path.exists():
        raise InputError(f"parallel data {path} does not exist")
    records = read_records(path)
    if not records:
        raise InputError(f"{path} has no rows")
    columns = list(records[0][1])
    a = _column_for(src, columns, src_column, str(path), "--src-column")
    b = _column_for(tgt, columns, tgt_column, str(path), "--tgt-column")
    if a == b:
        raise InputError(
            f"{src} and {tgt} both map to column {a!r} in {path}",
            "name them with --src-column and --tgt-column",
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
    records = flatten_translation(table.to_list())
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
