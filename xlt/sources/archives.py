"""Walk inputs safely: loose files, directories, zip and tar archives, read in memory (never extracted).

Archive members whose paths would escape an extraction target (``../x``, absolute paths, drive
letters), links, devices and oversized members are refused and reported; a truncated or corrupt
archive is reported after yielding the members that could be read before the damage.
"""

from __future__ import annotations

import bz2
import gzip
import os
import re
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from xlt.sources.base import Skipped, Unit

# No single text member of these corpora comes near this; larger ones are refused (zip bombs).
MAX_MEMBER_BYTES = 1 << 30

TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
ZIP_SUFFIXES = (".zip",)

Accept = Callable[[str], bool]


def is_archive(path: Path) -> bool:
    """A zip or tar archive, by name."""
    name = path.name.lower()
    return name.endswith(ZIP_SUFFIXES + TAR_SUFFIXES)


def unsafe_member_reason(name: str) -> str | None:
    """Why a member name may not be used, or None when it stays inside its archive."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        return f"absolute member path {name!r} refused"
    if ".." in PurePosixPath(posix).parts:
        return f"member path {name!r} escapes the archive, refused"
    return None


def iter_units(inputs: list[str], accept: Accept, what: str) -> Iterator[Unit | Skipped]:
    """Every unit under `inputs` whose (member) name `accept`s, plus a Skipped per problem.

    `what` names the wanted files in messages ("EXMARaLDA .exb files").
    """
    for raw in inputs:
        path = Path(raw)
        if not path.exists():
            yield Skipped(str(path), "no such file or directory")
        elif path.is_dir():
            found = False
            for item in _walk(path, accept, what):
                found = found or isinstance(item, Unit)
                yield item
            if not found:
                yield Skipped(str(path), f"no {what} (or archives holding them) found in this directory")
        else:
            yield from _from_file(path, accept, what, explicit=True, hints=(path.parent.name,))


def _walk(root: Path, accept: Accept, what: str) -> Iterator[Unit | Skipped]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        base = Path(dirpath)
        hints = tuple(reversed(base.relative_to(root.parent).parts))
        for name in sorted(filenames):
            yield from _from_file(base / name, accept, what, explicit=False, hints=hints)


def _from_file(
    path: Path, accept: Accept, what: str, *, explicit: bool, hints: tuple[str, ...]
) -> Iterator[Unit | Skipped]:
    lower = path.name.lower()
    if lower.endswith(ZIP_SUFFIXES):
        yield from _zip_units(path, accept, what, hints)
    elif lower.endswith(TAR_SUFFIXES):
        yield from _tar_units(path, accept, what, hints)
    elif accept(path.name):
        yield Unit(str(path), read=lambda p=path: _decompress(p.name, p.read_bytes()), hint_names=hints)
    elif explicit:
        yield Skipped(str(path), f"not one of the {what} this source reads")


def _decompress(name: str, data: bytes) -> bytes:
    """Undo a .gz/.bz2 compression of a single file (wikiextractor --compress, mC4 .json.gz)."""
    lower = name.lower()
    if lower.endswith(".bz2"):
        return bz2.decompress(data)
    if lower.endswith(".gz"):
        return gzip.decompress(data)
    return data


def _zip_units(path: Path, accept: Accept, what: str, hints: tuple[str, ...]) -> Iterator[Unit | Skipped]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        yield Skipped(str(path), f"corrupt or truncated zip archive ({exc})")
        return
    with archive:
        found = False
        for info in archive.infolist():
            if info.is_dir():
                continue
            origin = f"{path}!{info.filename}"
            reason = unsafe_member_reason(info.filename)
            mode = info.external_attr >> 16
            if reason is None and stat.S_ISLNK(mode):
                reason = "symbolic link member refused"
            if reason is None and info.file_size > MAX_MEMBER_BYTES:
                reason = f"member of {info.file_size:,} bytes is larger than {MAX_MEMBER_BYTES:,}, refused"
            if reason is not None:
                yield Skipped(origin, reason)
                continue
            if not accept(PurePosixPath(info.filename).name):
                continue
            found = True
            member_hints = (*reversed(PurePosixPath(info.filename).parent.parts), path.name, *hints)
            yield Unit(
                origin,
                read=lambda i=info: _decompress(i.filename, _read_zip(archive, i)),
                hint_names=member_hints,
            )
        if not found:
            yield Skipped(str(path), f"no {what} in this archive")


def _read_zip(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    # ZipFile.read checks the CRC; a cut-off member raises BadZipFile/EOFError, reported by the caller.
    return archive.read(info)


def _tar_units(path: Path, accept: Accept, what: str, hints: tuple[str, ...]) -> Iterator[Unit | Skipped]:
    found = False
    count = 0
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                count += 1
                origin = f"{path}!{member.name}"
                if member.isdir():
                    continue
                reason = unsafe_member_reason(member.name)
                if reason is None and (member.issym() or member.islnk()):
                    reason = f"link member ({member.name} -> {member.linkname}) refused"
                elif reason is None and not member.isfile():
                    reason = "special file member (device, fifo) refused"
                elif reason is None and member.size > MAX_MEMBER_BYTES:
                    reason = f"member of {member.size:,} bytes is larger than {MAX_MEMBER_BYTES:,}, refused"
                if reason is not None:
                    yield Skipped(origin, reason)
                    continue
                if not accept(PurePosixPath(member.name).name):
                    continue
                handle = archive.extractfile(member)
                if handle is None:  # pragma: no cover - isfile() members always have data
                    continue
                data = _decompress(member.name, handle.read())
                found = True
                member_hints = (*reversed(PurePosixPath(member.name).parent.parts), path.name, *hints)
                yield Unit(origin, read=lambda d=data: d, hint_names=member_hints)
    except (tarfile.TarError, EOFError, OSError) as exc:
        where = f" after {count - 1} member(s)" if count > 1 else ""
        yield Skipped(str(path), f"corrupt or truncated tar archive{where} ({exc or type(exc).__name__})")
        return
    if not found:
        yield Skipped(str(path), f"no {what} in this archive")
