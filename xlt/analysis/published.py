"""Import a perplexity matrix produced elsewhere (e.g. a paper's table) into xlt's long results format.

Input: a wide CSV (first column the HR language, one column per LR language, cells perplexities; empty
cells are skipped) and the zero-shot perplexities, as JSON ``{LR: {"zero_shot": value, ...}}`` (or
``{LR: value}``) or a CSV with columns ``lr,zero_shot``. Output rows follow ARCHITECTURE.md: run_id
``published`` with checkpoint ``final`` for the matrix, run_id ``base`` (checkpoint ``base``) for zero-shot.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from xlt.contracts.perplexity import RESULT_SCHEMA
from xlt.errors import InputError

PUBLISHED_RUN = "published"
SCHEMA = RESULT_SCHEMA  # the long results format of results/perplexity.parquet


@dataclass
class Imported:
    """The long table and what could not be resolved (kept under its given name)."""

    table: pl.DataFrame
    unknown: list[str] = field(default_factory=list)
    missing_zero_shot: list[str] = field(default_factory=list)

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
        return out


class _Names:
    """Resolve names to ISO 639-3 with the registry; remember what it cannot resolve."""

    def __init__(self) -> None:
        self.unknown: list[str] = []

    def __call__(self, name: str) -> str:
        from xlt.languages import lookup

        text = str(name).strip()
        found = lookup(text)
        if found is None:
            if text not in self.unknown:
                self.unknown.append(text)
            return text
        return found.iso3


def _number(value: object, where: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: {value!r} is not a number", hint="cells must be perplexities") from exc
    if math.isnan(number):
        return None
    if number <= 0 or math.isinf(number):
        raise InputError(f"{where}: perplexity {value!r} is not positive and finite", hint="fix the cell")
    return number


def read_zero_shot(path: Path) -> dict[str, float]:
    """{LR name: zero-shot perplexity} from JSON or a CSV with columns lr,zero_shot."""
    if not path.is_file():
        raise InputError(f"zero-shot file not found: {path}", hint="pass --zero-shot with a JSON or CSV file")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path} is not valid JSON: {exc}", hint='expected {"LR": {"zero_shot": 12.3}}'
            ) from exc
        if not isinstance(data, dict):
            raise InputError(
                f"{path}: expected an object keyed by LR language", hint='{"LR": {"zero_shot": 1.0}}'
            )
        out: dict[str, float] = {}
        for lang, entry in data.items():
            value = entry.get("zero_shot") if isinstance(entry, dict) else entry
            number = _number(value, f"{path} [{lang}]")
            if number is not None:
                out[str(lang)] = number
        return out
    frame = pl.read_csv(path, infer_schema=False)
    cols = {c.strip().lower(): c for c in frame.columns}
    if "zero_shot" not in cols or len(frame.columns) < 2:
        raise InputError(f"{path}: expected columns lr,zero_shot", hint="or give a JSON file")
    lang_col = cols.get("lr") or cols.get("lr_lang") or frame.columns[0]
    zs = cols["zero_shot"]
    return {
        str(row[lang_col]): n
        for i, row in enumerate(frame.iter_rows(named=True))
        if (n := _number(row[zs], f"{path} row {i + 2}")) is not None
    }


def import_published(
    wide_csv: Path, zero_shot: Path, model: str = PUBLISHED_RUN, eval_seed: int = 0
) -> Imported:
    """The published matrix + zero-shot as long perplexity rows (see module docstring)."""
    if not wide_csv.is_file():
        raise InputError(f"matrix file not found: {wide_csv}", hint="pass a wide CSV: HR column, one per LR")
    frame = pl.read_csv(wide_csv, infer_schema=False)
    if len(frame.columns) < 2 or frame.is_empty():
        raise InputError(
            f"{wide_csv}: expected an HR column and at least one LR column", hint="check the CSV"
        )
    names = _Names()
    hr_col, lr_cols = frame.columns[0], frame.columns[1:]
    rows: list[dict[str, object]] = []

    def row(run: str, hr: str | None, checkpoint: str, lr: str, ppl: float) -> dict[str, object]:
        return {
            "run_id": run, "hr_lang": hr, "checkpoint": checkpoint, "step": None, "lr_lang": lr,
            "perplexity": ppl, "loss": math.log(ppl), "n_tokens": None, "model": model,
            "eval_seed": eval_seed,
        }  # fmt: skip

    for i, record in enumerate(frame.iter_rows(named=True)):
        hr_name = record[hr_col]
        if hr_name is None or not str(hr_name).strip():
            continue
        hr = names(hr_name)
        for lr_name in lr_cols:
            ppl = _number(record[lr_name], f"{wide_csv} row {i + 2}, column {lr_name}")
            if ppl is not None:
                rows.append(row(PUBLISHED_RUN, hr, "final", names(lr_name), ppl))
    for lr_name, ppl in read_zero_shot(zero_shot).items():
        rows.append(row("base", None, "base", names(lr_name), ppl))
    table = pl.DataFrame(rows, schema=SCHEMA).with_columns(
        pl.when(pl.col("run_id") == "base").then(0).otherwise(pl.col("step")).alias("step")
    )
    trained = set(table.filter(pl.col("run_id") != "base")["lr_lang"])
    with_zs = set(table.filter(pl.col("run_id") == "base")["lr_lang"])
    return Imported(table, names.unknown, sorted(trained - with_zs))


def import_into(target: Path, wide_csv: Path, zero_shot: Path | None, force: bool = False) -> Imported:
    """Import a published matrix (:func:`import_published`) and write it to `target` (a results file).

    Refuses to replace an existing file without `force`, and needs the zero-shot perplexities: gains are
    measured against them.
    """
    from xlt.contracts.perplexity import write_results
    from xlt.errors import UsageError

    if zero_shot is None:
        raise UsageError("gains need the zero-shot perplexities", "add --zero-shot ZS.json (or ZS.csv)")
    if target.exists() and not force:
        raise UsageError(f"{target} exists", "add --force to replace it, or --out another file")
    imported = import_published(wide_csv, zero_shot)
    write_results(imported.table, target)
    return imported
