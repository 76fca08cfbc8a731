"""Where things live in a workspace, and atomic writes.

Layout (see ARCHITECTURE.md)::

    raw/<source>/<iso3>/*.txt, raw/<source>/manifest.parquet      collect
    corpus/<iso3>/{train,valid}.txt, corpus/languages.parquet      clean
    tokenizers/<name>/                                            pretrain (tiny model)
    models/base/                                                  pretrain --base (embedded base model)
    runs/<run_id>/{config.json,events.jsonl,checkpoints/step-N/}   pretrain
    results/{perplexity,downstream}.parquet                       evaluate, downstream
    analysis/                                                     analyze
    cache/                                                        tokenized datasets, eval masks

Every writer writes to a temporary name in the same directory and renames, so a killed command never
leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from xlt import faults
from xlt.errors import as_os_error, from_os_error

if TYPE_CHECKING:
    import polars as pl

DEFAULT_WORKSPACE = "xlt-workspace"
ENV_WORKSPACE = "XLT_WORKSPACE"


@dataclass(frozen=True)
class Workspace:
    """Paths of one workspace; creating the object touches nothing on disk."""

    root: Path

    @classmethod
    def resolve(cls, path: str | os.PathLike[str] | None = None) -> Workspace:
        """`path`, else `$XLT_WORKSPACE`, else `./xlt-workspace`."""
        chosen = path or os.environ.get(ENV_WORKSPACE) or DEFAULT_WORKSPACE
        return cls(Path(chosen).expanduser().absolute())

    # collect
    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    def raw_source_dir(self, source: str) -> Path:
        return self.raw_dir / source

    def raw_lang_dir(self, source: str, iso3: str) -> Path:
        return self.raw_dir / source / iso3

    def manifest_path(self, source: str) -> Path:
        return self.raw_dir / source / "manifest.parquet"

    # clean
    @property
    def corpus_dir(self) -> Path:
        return self.root / "corpus"

    def corpus_lang_dir(self, iso3: str) -> Path:
        return self.corpus_dir / iso3

    def train_path(self, iso3: str) -> Path:
        return self.corpus_dir / iso3 / "train.txt"

    def valid_path(self, iso3: str) -> Path:
        return self.corpus_dir / iso3 / "valid.txt"

    @property
    def languages_path(self) -> Path:
        return self.corpus_dir / "languages.parquet"

    # pretrain
    @property
    def tokenizers_dir(self) -> Path:
        return self.root / "tokenizers"

    def tokenizer_dir(self, name: str) -> Path:
        return self.tokenizers_dir / name

    @property
    def base_model_dir(self) -> Path:
        """The workspace's embedded base model (`xlt pretrain --base`)."""
        return self.root / "models" / "base"

    @property
    def base_run_dir(self) -> Path:
        """Events, config and checkpoints of the base model's own pretraining (kept out of runs/)."""
        return self.root / "models" / "base-run"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    def run_dir(self, run_id: str) -> Path:
        return self.runs_dir / run_id

    def checkpoints_dir(self, run_id: str) -> Path:
        return self.runs_dir / run_id / "checkpoints"

    # evaluate, downstream
    @property
    def results_dir(self) -> Path:
        return self.root / "results"

    @property
    def perplexity_path(self) -> Path:
        return self.results_dir / "perplexity.parquet"

    @property
    def downstream_path(self) -> Path:
        return self.results_dir / "downstream.parquet"

    # analyze
    @property
    def analysis_dir(self) -> Path:
        return self.root / "analysis"

    # caches (tokenized corpora, fixed evaluation masks)
    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    # locks (xlt.locks): one process at a time on each of these
    @property
    def results_lock(self) -> Path:
        """Held while results/perplexity.parquet or its baselines are written (`xlt evaluate`)."""
        return self.results_dir / ".perplexity.lock"

    @property
    def corpus_lock(self) -> Path:
        """Held while `xlt clean` writes corpus/."""
        return self.corpus_dir / ".lock"

    @property
    def analysis_lock(self) -> Path:
        """Held while `xlt analyze` writes analysis/."""
        return self.analysis_dir / ".lock"

    def raw_lock(self, source: str) -> Path:
        """Held while `xlt collect SOURCE` writes raw/<source>/."""
        return self.raw_dir / source / ".lock"

    @staticmethod
    def run_lock(run_dir: Path) -> Path:
        """Held while a run is trained (`xlt pretrain`); beside the run directory, which a restart deletes."""
        return run_dir.parent / f".{run_dir.name}.lock"

    def run_ids(self) -> list[str]:
        """Runs that have a config.json, sorted by name."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(p.parent.name for p in self.runs_dir.glob("*/config.json"))


# Errors that can only mean "this write failed", wherever in a writer's block they come from.
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside `path`; on success rename it over `path`, on error delete it.

    A failed write (full disk, read-only or missing directory, no permission) is a WorkspaceError naming
    `path` and the fix; the temporary file is gone and an existing `path` is untouched.
    """
    if mode not in {"w", "wb"}:
        raise ValueError("atomic_open writes whole files: mode must be 'w' or 'wb'")
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sweep_dead_tmp(target.parent)
        fd, tmp = tempfile.mkstemp(prefix=tmp_prefix(target), suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise from_os_error(exc, "write", target) from exc
    if mode == "w":
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "\n")
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(0o666 & ~_umask())  # mkstemp creates 0600; finished files follow the umask
        faults.point("write")
        Path(tmp).replace(target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        if (os_error := as_os_error(exc)) is not None and os_error.errno in _WRITE_ERRNOS:
            raise from_os_error(os_error, "write", target) from exc
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 text atomically."""
    with atomic_open(path, "w") as handle:
        handle.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write bytes atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def write_parquet(frame: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a polars DataFrame to parquet atomically."""
    with atomic_open(path, "wb") as handle:
        frame.write_parquet(handle)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Build a directory under a temporary name; rename it into place when the block succeeds.

    Failed writes become a WorkspaceError naming `path`, as in :func:`atomic_open`.
    """
    import shutil

    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sweep_dead_tmp(target.parent)
        tmp = Path(tempfile.mkdtemp(prefix=tmp_prefix(target), suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise from_os_error(exc, "write", target) from exc
    try:
        yield tmp
        faults.point("write")
        if target.exists():
            shutil.rmtree(target)
        tmp.replace(target)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if (os_error := as_os_error(exc)) is not None and os_error.errno in _WRITE_ERRNOS:
            raise from_os_error(os_error, "write", target) from exc
        raise


# Temporaries are named `.<target>.<host>-<pid>.<random>.tmp`, so that a later writer can tell those of a
# process that died (killed mid-write) from those of one still writing, e.g. another task of a sweep
# filling the same cache: only the first are removed (`sweep_dead_tmp`).
_HOST = re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname()) or "host"
_OWNER = re.compile(r"\.(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)\.[^.]+\.tmp$")
_swept: set[Path] = set()


def tmp_prefix(target: Path) -> str:
    """The name prefix of a temporary for `target` (see `sweep_dead_tmp`)."""
    return f".{target.name}.{_HOST}-{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def sweep_dead_tmp(directory: Path) -> list[Path]:
    """Remove the temporaries in `directory` of writers on this host that no longer run (once a process).

    Called by every atomic writer before its first write into a directory: a killed command leaves no
    temporary behind for longer than its next run, whatever it was writing (caches included).
    """

    folder = directory.absolute()
    if folder in _swept:
        return []
    _swept.add(folder)
    removed = []
    with contextlib.suppress(OSError):
        for path in folder.glob(".*.tmp"):
            owner = _OWNER.search(path.name)
            if owner is None or owner["host"] != _HOST or _alive(int(owner["pid"])):
                continue
            _remove(path)
            removed.append(path)
    return removed


def _remove(path: Path) -> None:
    """Delete a temporary file or directory (never through a link)."""
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def lock_leftovers(lock: Path) -> list[tuple[Path, str]]:
    """Where a killed holder of `lock` may have left atomic-writer temporaries: (directory, glob) pairs.

    :func:`xlt.locks.exclusive` sweeps them once it holds the lock, so no writer of those names can be
    running. The results lock covers only the perplexity and baseline files (``downstream.parquet`` in the
    same folder has its own lock); a directory lock (``corpus/.lock``, ``analysis/.lock``,
    ``raw/<source>/.lock``) covers its folder and the folders one level below (``corpus/<lang>/``); a lock
    ``.<name>.lock`` beside one target (a run, a tokenizer) covers that target's ``.<name>.*.tmp`` only
    (what is inside a run is swept by the run's own writer, :mod:`xlt.training.setup`).
    """
    folder = lock.parent
    if lock.name == ".perplexity.lock":
        parts = folder / "perplexity.parts"
        return [(folder, ".perplexity.*.tmp"), (folder, ".baselines.*.tmp"), (parts, ".*.tmp")]
    if lock.name != ".lock":  # `.<name>.lock` guards one target `<name>`: its own temporaries only
        return [(folder, lock.name.removesuffix(".lock") + ".*.tmp")]
    if not folder.is_dir():
        return []
    below = sorted(d for d in folder.iterdir() if d.is_dir() and not d.name.startswith("."))
    return [(folder, ".*.tmp"), *((d, ".*.tmp") for d in below)]


def sweep_stale_tmp(directory: str | os.PathLike[str], pattern: str = ".*.tmp") -> list[Path]:
    """Remove what killed atomic writers left in `directory` (not below it); the paths removed.

    `atomic_open` and `atomic_dir` write under ``.<name>.<random>.tmp`` beside their target (the resume
    state writer, :mod:`xlt.training.state`, under ``.state-<step>.tmp``); a SIGKILL mid-write leaves that
    name behind for good (a checkpoint folder is tens of MB). Only hidden names ending in ``.tmp`` are
    ever removed: `pattern` must start with ``.`` and end with ``.tmp``. Call it where no other writer of
    the same targets can be running (at the start of the one writer of a run, on its main process).
    """

    if not (pattern.startswith(".") and pattern.endswith(".tmp")):
        raise ValueError(f"sweep_stale_tmp removes hidden .tmp names only, not {pattern!r}")
    root = Path(directory)
    if not root.is_dir():
        return []
    removed = []
    for path in sorted(root.glob(pattern)):
        _remove(path)
        removed.append(path)
    return removed
