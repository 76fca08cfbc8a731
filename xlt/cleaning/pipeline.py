"""`clean_language`: raw/<source>/<iso3>/*.txt -> corpus/<iso3>/{train,valid}.txt and its report.

Per language, streaming in two passes so that memory does not grow with the corpus:

1. every raw file of every source, in sorted order, batch by batch through the line steps and the
   deduplicator; survivors go to a temporary file (memory: one batch + 8 bytes per unique line);
2. the survivors file once more: the seeded cap and the seeded train/valid split (selection sampling,
   O(1) memory) decide each line; counts of lines, characters, whitespace and subword tokens on the way.

A language is skipped when `corpus/<iso3>/.clean.json` holds the fingerprint of its raw files (path, size,
mtime) and of the options that shape its output; `force` redoes it. Tiers are recomputed on every run
from the stored counts, so changing the thresholds costs nothing.

A failed write (a full disk, a read-only corpus/) stops the run with a `WorkspaceError` naming the
language and the path: languages finished before it keep their files and state, and a re-run resumes.
When no language has a single line left, the run fails with the filters that dropped them.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

from xlt import languages as registry
from xlt.cleaning.dedup import Deduplicator
from xlt.cleaning.filters import LineCleaner
from xlt.cleaning.inputs import TokenCounter, fingerprint, text_problem
from xlt.cleaning.options import STEPS, CleanOptions, LanguageReport
from xlt.cleaning.scripts import known
from xlt.cleaning.split import selection, valid_count
from xlt.errors import InputError, from_os_error
from xlt.progress import NullReporter, Reporter
from xlt.workspace import Workspace, atomic_open, atomic_write_text, tmp_prefix

STATE_FILE = ".clean.json"
BATCH_LINES = 4096


def _batches(handle: Iterator[str]) -> Iterator[list[str]]:
    while batch := list(islice(handle, BATCH_LINES)):
        yield [line[:-1] if line.endswith("\n") else line for line in batch]


def _whitespace_tokens(line: str) -> int:
    return len(line.split())


def _state_path(workspace: Workspace, iso3: str) -> Path:
    return workspace.corpus_lang_dir(iso3) / STATE_FILE


def read_state(workspace: Workspace, iso3: str) -> dict[str, object] | None:
    """The stored `.clean.json` of a language, or None when missing or unreadable."""
    path = _state_path(workspace, iso3)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _up_to_date(workspace: Workspace, iso3: str, fp: str) -> LanguageReport | None:
    state = read_state(workspace, iso3)
    if not state or state.get("fingerprint") != fp:
        return None
    report = LanguageReport.from_json(state["report"])  # type: ignore[arg-type]
    for path, n in (
        (workspace.train_path(iso3), report.train_lines),
        (workspace.valid_path(iso3), report.valid_lines),
    ):
        if n and not path.is_file():
            return None
    report.status = "up to date"
    return report


@contextlib.contextmanager
def writing(path: Path, iso3: str) -> Iterator[None]:
    """Turn an OSError of the block (a write of `path`) into a WorkspaceError naming the language."""
    try:
        yield
    except OSError as exc:
        raise from_os_error(exc, "write", path, f"cleaning {iso3}") from exc


@contextlib.contextmanager
def _scratch(workspace: Workspace, iso3: str, dry_run: bool) -> Iterator[Path]:
    """A temporary survivors file: beside the outputs (same disk), or in the system temp dir for dry runs."""
    directory = Path(tempfile.gettempdir()) if dry_run else workspace.corpus_lang_dir(iso3)
    with writing(directory, iso3):
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=tmp_prefix(directory / f"{iso3}.survivors"), suffix=".tmp", dir=directory
        )
        os.close(fd)
    try:
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            Path(name).unlink()


def _show_progress(reporter: Reporter, task: str, done: int, shown: int) -> int:
    """Advance `task` to `done` units if that is further than `shown`; the units now shown."""
    if done > shown:
        reporter.advance(task, done - shown)
        return done
    return shown


def clean_language(
    workspace: Workspace,
    iso3: str,
    dirs: list[tuple[str, Path]],
    options: CleanOptions,
    tokens: Callable[[], TokenCounter | None] = lambda: None,
    reporter: Reporter | None = None,
) -> LanguageReport:
    """Clean one language from all its sources; write its files unless `options.dry_run`."""
    script = registry.script_of(iso3)
    report = LanguageReport(
        iso3=iso3,
        name=registry.name_of(iso3),
        script=script,
        sources=[source for source, _ in dirs],
        script_filter=options.script and known(script),
    )
    files = [path for _, directory in dirs for path in sorted(directory.glob("*.txt")) if path.is_file()]
    where = ", ".join(f"raw/{source}/{iso3}" for source, _ in dirs)
    if not files:
        return _nothing_to_clean(workspace, report, where, options)
    fp = fingerprint(files, workspace.root, options)
    if not options.force and not options.dry_run and (done := _up_to_date(workspace, iso3, fp)):
        return done
    if not options.dry_run:
        # Temporary files of a killed run (SIGKILL gives atomic_open no chance to clean up).
        for leftover in workspace.corpus_lang_dir(iso3).glob(".*.tmp"):
            with writing(leftover, iso3):
                leftover.unlink(missing_ok=True)
    good = _readable(workspace, report, files)
    reporter = reporter or NullReporter()
    task = f"cleaning {iso3}"
    reporter.start(task, sum(path.stat().st_size for path in good))
    cleaner = LineCleaner(options, script)
    with _scratch(workspace, iso3, options.dry_run) as scratch:
        survivors = _filter_into(scratch, good, workspace, report, cleaner, options, reporter, task)
        _count(report, cleaner, survivors, options)
        with writing(workspace.corpus_lang_dir(iso3), iso3):
            kept_lines = min(survivors, options.cap) if options.cap else survivors
            _split(workspace, report, scratch, survivors, kept_lines, options, tokens)
    reporter.finish(task)
    return _finish(workspace, report, fp, where, options)


def _nothing_to_clean(
    workspace: Workspace, report: LanguageReport, where: str, options: CleanOptions
) -> LanguageReport:
    """A language folder without text files: skipped, and what an earlier run wrote for it removed."""
    iso3 = report.iso3
    report.status = "empty"
    report.warnings.append(f"{iso3}: no .txt files in {where}; skipped")
    if not options.dry_run:  # outputs of an earlier run no longer match raw/
        for stale in (workspace.train_path(iso3), workspace.valid_path(iso3), _state_path(workspace, iso3)):
            with writing(stale, iso3):
                stale.unlink(missing_ok=True)
    return report


def _readable(workspace: Workspace, report: LanguageReport, files: list[Path]) -> list[Path]:
    """The files that hold text; the others become warnings in the report."""
    good: list[Path] = []
    for path in files:
        if problem := text_problem(path):
            report.warnings.append(f"{report.iso3}: skipped {path.relative_to(workspace.root)}: {problem}")
        else:
            good.append(path)
    return good


def _filter_into(
    scratch: Path,
    files: list[Path],
    workspace: Workspace,
    report: LanguageReport,
    cleaner: LineCleaner,
    options: CleanOptions,
    reporter: Reporter,
    task: str,
) -> int:
    """Stream every file through the line steps and the deduplicator into `scratch`; lines written."""
    dedup = Deduplicator() if options.dedup else None
    out_dir = scratch.parent if options.dry_run else workspace.corpus_lang_dir(report.iso3)
    survivors = done_bytes = finished_bytes = shown = 0
    total_bytes = sum(path.stat().st_size for path in files)
    # Raw files are opened with _read (an InputError), so an OSError here is a write of the scratch.
    with writing(out_dir, report.iso3), scratch.open("w", encoding="utf-8", newline="\n") as out:
        for path in files:
            with _read(path, workspace) as handle:
                for batch in _batches(handle):
                    report.lines_in += len(batch)
                    kept = cleaner.clean(batch)
                    if dedup is not None:
                        kept, duplicates = dedup.filter(kept)
                        for line in duplicates:
                            cleaner.drop("dedup", line)
                    if kept:
                        out.write("\n".join(kept) + "\n")
                        survivors += len(kept)
                    done_bytes += sum(len(line) + 1 for line in batch)  # characters: close enough
                    shown = _show_progress(reporter, task, min(done_bytes, total_bytes), shown)
            finished_bytes += path.stat().st_size
            done_bytes = finished_bytes
    return survivors


def _count(report: LanguageReport, cleaner: LineCleaner, survivors: int, options: CleanOptions) -> None:
    """What each step dropped and changed, examples of drops, and the lines the cap removes."""
    report.dropped = {step: cleaner.dropped[step] for step in ("blank", *STEPS) if cleaner.dropped[step]}
    report.changed = {step: cleaner.changed[step] for step in STEPS if cleaner.changed[step]}
    report.examples = {step: cleaner.examples[step] for step in report.dropped if step in cleaner.examples}
    if options.cap and survivors > options.cap:
        report.dropped["cap"] = survivors - options.cap


def _finish(
    workspace: Workspace, report: LanguageReport, fp: str, where: str, options: CleanOptions
) -> LanguageReport:
    """Say why a language ended empty, and (unless a dry run) record its state for the next run."""
    iso3 = report.iso3
    if report.lines == 0:
        report.status = "empty"
        if report.lines_in:
            report.warnings.append(
                f"{iso3}: every line was filtered out ({report.lines_in} lines in {where})"
            )
        else:
            report.warnings.append(f"{iso3}: no readable text in {where}")
    if options.dry_run:
        report.status = "dry run"
        return report
    with writing(workspace.corpus_lang_dir(iso3), iso3):
        if report.lines == 0:
            for stale in (workspace.train_path(iso3), workspace.valid_path(iso3)):
                stale.unlink(missing_ok=True)
        state = {"fingerprint": fp, "report": report.to_json()}
        atomic_write_text(
            _state_path(workspace, iso3), json.dumps(state, indent=1, ensure_ascii=False) + "\n"
        )
    return report


@contextlib.contextmanager
def _read(path: Path, workspace: Workspace) -> Iterator[Iterator[str]]:
    """A raw file opened for reading; failing to open it is an InputError naming it."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        where = path.relative_to(workspace.root) if path.is_relative_to(workspace.root) else path
        raise InputError(
            f"cannot read {where}: {exc.strerror}", "check the file and its permissions"
        ) from exc
    with handle:
        yield handle


def _split(
    workspace: Workspace,
    report: LanguageReport,
    scratch: Path,
    survivors: int,
    kept_lines: int,
    options: CleanOptions,
    tokens: Callable[[], TokenCounter | None],
) -> None:
    """Pass 2: cap and split the survivors; write train/valid atomically; count chars and tokens."""
    if kept_lines == 0:
        return
    iso3 = report.iso3
    counter = _SubwordCount(tokens())
    with contextlib.ExitStack() as stack:
        train = valid = None
        if not options.dry_run:
            train = stack.enter_context(atomic_open(workspace.train_path(iso3)))
            valid = stack.enter_context(atomic_open(workspace.valid_path(iso3)))
        keep = selection(survivors, kept_lines, options.seed, iso3, "cap")
        to_valid = selection(
            kept_lines, valid_count(kept_lines, options.valid_fraction), options.seed, iso3, "valid"
        )
        with scratch.open(encoding="utf-8") as handle:
            for raw in (raw for raw in handle if next(keep)):
                line, is_valid = raw[:-1], next(to_valid)
                report.valid_lines += is_valid
                report.train_lines += not is_valid
                if (out := valid if is_valid else train) is not None:
                    out.write(raw)
                report.chars += len(line)
                report.tokens += _whitespace_tokens(line)
                counter.add(line)
    report.mt5_tokens = counter.total()


class _SubwordCount:
    """Subword tokens of lines, counted in batches by an (m)T5 tokenizer; nothing without one."""

    def __init__(self, counter: TokenCounter | None) -> None:
        self.counter, self.pending, self.counted = counter, list[str](), 0

    def add(self, line: str) -> None:
        if self.counter is not None:
            self.pending.append(line)
            if len(self.pending) >= 1024:
                self.counted += self.counter(self.pending)
                self.pending.clear()

    def total(self) -> int | None:
        return None if self.counter is None else self.counted + self.counter(self.pending)
