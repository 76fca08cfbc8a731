"""`clean_workspace`: every language of raw/ (or those asked for) through :func:`clean_language`, then the
tiers and corpus/languages.parquet, under the corpus lock (:mod:`xlt.locks`).

Languages not cleaned this time keep their stored row, so the table always covers the corpus. A failed
write stops the run (finished languages stay on disk; a re-run resumes); a language that cannot be read
becomes a warning; no line left in any language is an error naming the filters that dropped them.
"""

from __future__ import annotations

import os
from pathlib import Path

from xlt import languages as registry
from xlt.cleaning.inputs import TokenCounter, discover, load_tokenizer
from xlt.cleaning.options import CleanOptions, CleanReport, LanguageReport
from xlt.cleaning.pipeline import clean_language, read_state, writing
from xlt.cleaning.tiers import languages_frame, tier_of
from xlt.contracts.languages import write_languages
from xlt.errors import InputError, WorkspaceError, XltError
from xlt.locks import exclusive
from xlt.progress import Reporter
from xlt.workspace import Workspace


def _code(value: str, found: dict[str, list[tuple[str, Path]]]) -> str:
    """A language as given (ISO 639-3 code of raw/, or any name or code the registry resolves)."""
    if value in found:
        return value
    language = registry.lookup(value)
    return language.iso3 if language else value


def _selected(
    ws: Workspace, found: dict[str, list[tuple[str, Path]]], options: CleanOptions, warnings: list[str]
) -> list[str]:
    """The languages to clean: all of raw/, or those of `options.languages` that raw/ has (the others
    become warnings; none at all is an error)."""
    if not options.languages:
        return sorted(found)
    wanted = list(dict.fromkeys(_code(value, found) for value in options.languages))
    missing = [code for code in wanted if code not in found]
    if len(missing) == len(wanted):
        raise InputError(
            f"no raw text for {', '.join(missing)} under {ws.raw_dir}",
            f"collect it first, or choose among: {', '.join(sorted(found))}",
        )
    warnings += [f"{code}: no raw text under {ws.raw_dir}; skipped" for code in missing]
    return [code for code in wanted if code in found]


def _kept(ws: Workspace, languages: set[str]) -> list[LanguageReport]:
    """The stored reports of languages not cleaned this time (status `kept`)."""
    kept = []
    for iso3 in sorted(languages):
        state = read_state(ws, iso3)
        if state and "report" in state:
            stored = LanguageReport.from_json(state["report"])  # type: ignore[arg-type]
            stored.status = "kept"
            kept.append(stored)
    return kept


class _LazyTokenizer:
    """The subword counter of `--tokenizer`, loaded when a language first needs it (None without one)."""

    def __init__(self, spec: str | None) -> None:
        self.spec = spec
        self.counter: TokenCounter | None = None

    def __call__(self) -> TokenCounter | None:
        if self.spec is not None and self.counter is None:
            self.counter = load_tokenizer(self.spec)
        return self.counter


def clean_workspace(
    workspace: Workspace | str | os.PathLike[str],
    options: CleanOptions | None = None,
    reporter: Reporter | None = None,
) -> CleanReport:
    """Clean every language of raw/ (or `options.languages`) into corpus/ and write languages.parquet.

    Bad inputs (an empty language directory, a binary or undecodable file, a language whose every line is
    filtered out) become warnings in the report; the other languages are still processed.
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace.resolve(workspace)
    options = options or CleanOptions()
    options.validate()
    with exclusive(ws.corpus_lock, "corpus/", enabled=not options.dry_run):
        return _clean(ws, options, reporter)


def _clean(ws: Workspace, options: CleanOptions, reporter: Reporter | None) -> CleanReport:
    """The body of :func:`clean_workspace`, under the corpus lock."""
    found = discover(ws)
    if not found:
        raise WorkspaceError(f"no raw text under {ws.raw_dir}", "run `xlt collect` first")
    warnings: list[str] = []
    selected = _selected(ws, found, options, warnings)

    tokens = _LazyTokenizer(options.tokenizer)
    reports: list[LanguageReport] = []
    for iso3 in selected:
        try:
            report = clean_language(ws, iso3, found[iso3], options, tokens, reporter)
        except (InputError, WorkspaceError):
            # The tokenizer or an unreadable raw file; or a failed write (a full disk, a read-only
            # corpus/): every later language would fail the same way. Finished languages stay on disk.
            raise
        except (XltError, OSError) as exc:
            warnings.append(f"{iso3}: {exc}; skipped")
            continue
        warnings += report.warnings
        reports.append(report)

    # Languages not selected this time keep their stored row, so the table always covers the corpus.
    table_reports = reports + _kept(ws, set(found) - {r.iso3 for r in reports})
    for report in table_reports:
        report.tier = tier_of(report.tokens, options.hr_min_tokens, options.lr_min_tokens)
    if not any(report.lines for report in table_reports):
        raise _nothing_left(table_reports, warnings)

    path = None
    if not options.dry_run:
        path = ws.languages_path
        with writing(path, "the languages table"):
            write_languages(ws, languages_frame(table_reports))
    return CleanReport(languages=reports, warnings=warnings, languages_path=path, options=options)


def _nothing_left(reports: list[LanguageReport], warnings: list[str]) -> InputError:
    """Every language ended with no line: say how many lines came in and which steps dropped them."""
    lines_in = sum(r.lines_in for r in reports)
    dropped: dict[str, int] = {}
    for report in reports:
        for step, count in report.dropped.items():
            dropped[step] = dropped.get(step, 0) + count
    steps = ", ".join(f"{step} {count:,}" for step, count in sorted(dropped.items(), key=lambda kv: -kv[1]))
    why = f"; dropped by {steps}" if steps else (f"; {warnings[0]}" if warnings else "")
    return InputError(
        f"no language has any line left after cleaning "
        f"({len(reports)} language(s), {lines_in:,} lines in{why})",
        "loosen the filters (e.g. --min-words 1, --min-chars 1, --no-script, --no-dedup) or collect more "
        "text; `xlt clean --dry-run --verbose` shows the dropped lines",
    )
