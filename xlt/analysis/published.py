"""Import matrices produced elsewhere (a paper's tables) into xlt's formats.

* A **perplexity matrix**: a wide CSV (first column the HR language, one column per LR language, cells
  perplexities; empty cells are skipped) and the zero-shot perplexities, as JSON
  ``{LR: {"zero_shot": value, ...}}`` (or ``{LR: value}``) or a CSV with columns ``lr,zero_shot``.
  Output rows follow ARCHITECTURE.md: run_id ``published`` with checkpoint ``final`` for the matrix,
  run_id ``base`` (checkpoint ``base``) for zero-shot.
* An **overlap matrix** of the same shape: the share of each LR corpus's tokens found in the HR corpus
  (0..1; percentages are recognised), stored as ``analysis/overlap_imported.parquet`` and used as the
  ``overlap_tokens`` feature by the correlations and the ranker.

Languages are read names first (:mod:`xlt.analysis.wide`); the matrix is sanity-checked
(:mod:`xlt.analysis.import_checks`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from xlt.analysis.import_checks import matrix_warnings, nan_cells, repeated_rows
from xlt.analysis.wide import Names, listed, read_csv_cells, read_wide
from xlt.contracts.perplexity import RESULT_SCHEMA, conform
from xlt.errors import InputError, UsageError
from xlt.languages import NameOverrides

PUBLISHED_RUN = "published"
SCHEMA = RESULT_SCHEMA  # the long results format of results/perplexity.parquet


@dataclass
class Imported:
    """What was imported, and what could not be resolved (kept under its given name) or looks wrong."""

    table: pl.DataFrame | None = None  # long results rows
    overlap: pl.DataFrame | None = None  # hr_lang, lr_lang, overlap_tokens, source
    unknown: list[str] = field(default_factory=list)
    missing_zero_shot: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.unknown:
            out.append(
                f"kept {len(self.unknown)} language name(s) the registry cannot resolve as given: "
                + ", ".join(self.unknown)
            )
        if self.missing_zero_shot:
            out.append(
                "no zero-shot perplexity (their gains stay null): " + ", ".join(self.missing_zero_shot)
            )
        return out + self.checks


def _number(value: object, where: str) -> float | None:
    """A cell as a float; None for an empty or NaN cell; InputError for text that is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{where}: {value!r} is not a number", hint="cells must be numbers") from None
    return None if math.isnan(number) else number


def _perplexity(value: object, where: str) -> float | None:
    number = _number(value, where)
    if number is not None and (number <= 0 or math.isinf(number)):
        raise InputError(f"{where}: perplexity {value!r} is not positive and finite", hint="fix the cell")
    return number


def read_zero_shot(path: Path, names: Names | None = None) -> dict[str, float]:
    """{LR code (or name as written, if unresolved): zero-shot perplexity} from JSON or lr,zero_shot CSV."""
    names = names or Names()
    if not path.is_file():
        raise InputError(f"zero-shot file not found: {path}", hint="pass --zero-shot with a JSON or CSV file")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(
                f"{path} is not valid JSON: {exc}", hint='expected {"LR": {"zero_shot": 12.3}}'
            ) from None
        if not isinstance(data, dict):
            raise InputError(
                f"{path}: expected an object keyed by LR language", hint='{"LR": {"zero_shot": 1.0}}'
            )
        out: dict[str, float] = {}
        for lang, entry in data.items():
            value = entry.get("zero_shot") if isinstance(entry, dict) else entry
            number = _perplexity(value, f"{path} [{lang}]")
            if number is not None:
                out[names(lang)] = number
        return out
    frame = read_csv_cells(path, "zero-shot file")
    cols = {c.strip().lower(): c for c in frame.columns}
    if "zero_shot" not in cols:
        raise InputError(f"{path}: expected columns lr,zero_shot", hint="or give a JSON file")
    lang_col = cols.get("lr") or cols.get("lr_lang") or frame.columns[0]
    zs = cols["zero_shot"]
    return {
        names(row[lang_col]): n
        for i, row in enumerate(frame.iter_rows(named=True))
        if row[lang_col] and (n := _perplexity(row[zs], f"{path} row {i + 2}")) is not None
    }


def _rows(
    hr: list[str | None], lr: list[str], ppl: np.ndarray, run: str, model: str, seed: int
) -> pl.DataFrame:
    base = run == "base"
    return pl.DataFrame(
        {
            "run_id": [run] * len(lr),
            "hr_lang": hr,
            "checkpoint": ["base" if base else "final"] * len(lr),
            "step": [0 if base else None] * len(lr),
            "lr_lang": lr,
            "perplexity": ppl,
            "loss": np.log(ppl),
            "n_tokens": [None] * len(lr),
            "model": [model] * len(lr),
            "eval_seed": [seed] * len(lr),
        },
        schema={k: v for k, v in SCHEMA.items() if not k.startswith("example_")},
    ).pipe(conform, "the imported matrix")  # no per-example losses: the optional columns stay null


def import_published(
    wide_csv: Path,
    zero_shot: Path,
    model: str = PUBLISHED_RUN,
    eval_seed: int = 0,
    overrides: NameOverrides | None = None,
) -> Imported:
    """The published matrix + zero-shot as long perplexity rows (see module docstring)."""
    names = Names(overrides)
    wide = read_wide(wide_csv, names, _perplexity, "matrix file")
    zs = read_zero_shot(zero_shot, names)
    cells = wide.long("perplexity")
    table = pl.concat(
        [
            _rows(
                cells["hr_lang"].to_list(),
                cells["lr_lang"].to_list(),
                cells["perplexity"].to_numpy(),
                PUBLISHED_RUN,
                model,
                eval_seed,
            ),
            _rows(
                [None] * len(zs),
                list(zs),
                np.array(list(zs.values()), dtype=np.float64),
                "base",
                model,
                eval_seed,
            ),
        ]
    )
    trained = set(cells["lr_lang"].to_list())
    return Imported(
        table, None, names.unknown, sorted(trained - set(zs)), matrix_warnings(wide, zs), names.notes
    )


def _share(value: object, where: str) -> float | None:
    number = _number(value, where)
    if number is not None and not 0 <= number <= 100:
        raise InputError(f"{where}: overlap {value!r} is not a share (0..1) or a percentage", hint="fix it")
    return number


def import_overlap(path: Path, overrides: NameOverrides | None = None) -> Imported:
    """A wide HR × LR overlap matrix as (hr_lang, lr_lang, overlap_tokens, source) rows."""
    names = Names(overrides)
    wide = read_wide(path, names, _share, "overlap file")
    checks = [w for w in (repeated_rows(wide), nan_cells(wide)) if w]
    finite = wide.values[np.isfinite(wide.values)]
    if finite.size and finite.max() > 1:
        wide.values = wide.values / 100
        checks.append(f"{path}: values up to {finite.max():g} read as percentages (divided by 100)")
    frame = wide.long("overlap_tokens").with_columns(source=pl.lit(str(path)))
    return Imported(None, frame, names.unknown, [], checks, names.notes)


def import_into(
    target: Path,
    wide_csv: Path | None,
    zero_shot: Path | None,
    force: bool = False,
    overlap: Path | None = None,
    overlap_target: Path | None = None,
    overrides: NameOverrides | None = None,
) -> Imported:
    """Import a published matrix (:func:`import_published`) into `target` (a results file) and/or an
    overlap matrix (:func:`import_overlap`) into `overlap_target`.

    Refuses to replace an existing file without `force`; a matrix needs its zero-shot perplexities.
    """
    from xlt.contracts.perplexity import write_results
    from xlt.workspace import write_parquet

    if wide_csv is None and overlap is None:
        raise UsageError("nothing to import", "give a MATRIX.csv (with --zero-shot) and/or --overlap FILE")
    if wide_csv is not None and zero_shot is None:
        raise UsageError("gains need the zero-shot perplexities", "add --zero-shot ZS.json (or ZS.csv)")
    for path, given in ((target, wide_csv), (overlap_target, overlap)):
        if given is not None and path is not None and path.exists() and not force:
            raise UsageError(f"{path} exists", "add --force to replace it, or --out another file")
    imported = Imported()
    if wide_csv is not None and zero_shot is not None:
        imported = import_published(wide_csv, zero_shot, overrides=overrides)
    if overlap is not None and overlap_target is not None:
        shares = import_overlap(overlap, overrides)
        imported.overlap = shares.overlap
        imported.unknown += [n for n in shares.unknown if n not in imported.unknown]
        imported.checks += shares.checks + _coverage(imported, overlap)
        imported.notes.update(shares.notes)
    if imported.table is not None:
        write_results(imported.table, target)
    if imported.overlap is not None and overlap_target is not None:
        write_parquet(imported.overlap, overlap_target)
    return imported


def _coverage(imported: Imported, path: Path) -> list[str]:
    """A warning when the overlap matrix lacks pairs of the perplexity matrix."""
    if imported.table is None or imported.overlap is None:
        return []
    cells = imported.table.filter(pl.col("run_id") == PUBLISHED_RUN).select("hr_lang", "lr_lang")
    lacking = cells.join(imported.overlap, on=["hr_lang", "lr_lang"], how="anti")
    if lacking.is_empty():
        return []
    pairs = [f"{h}/{r}" for h, r in lacking.head(5).iter_rows()]
    return [f"{path}: no overlap for {lacking.height} of {cells.height} matrix cells ({listed(pairs)})"]
