"""Walk inputs safely: loose files, directories, zip and tar archives, read in memory (never extracted).

Archive members whose paths would escape an extraction target (``../x``, absolute paths, drive
letters), links, devices and oversized members are refused and reported; a truncated or corrupt
archive is reported after yielding the members that could be read before the damage. A zip cut off
before its central directory (an interrupted download) is read member by member from its local headers
with `stream-unzip`; a damaged member (CRC mismatch, cut-off data) is reported by archive and member.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import lzma
import os
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from xlt.errors import InputError
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
        yield Unit(str(path), read=functools.partial(_read_file, path), hint_names=hints)
    elif explicit:
        yield Skipped(str(path), f"not one of the {what} this source reads")


def _read_file(path: Path) -> bytes:
    """The bytes of a loose input file (decompressed); a special file or a read error is an InputError."""
    if not path.is_file():
        raise InputError(f"{path}: not a regular file (a device, pipe or socket)", "pass regular files")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"{path}: cannot be read ({exc.strerror})", "check the file and its permissions"
        ) from exc
    return _decompress(path.name, data, str(path))


def _decompress(name: str, data: bytes, origin: str) -> bytes:
    """Undo a .gz/.bz2 compression of a single file (wikiextractor --compress, mC4 .json.gz)."""
    lower = name.lower()
    kind = "bzip2" if lower.endswith(".bz2") else "gzip" if lower.endswith(".gz") else None
    if kind is None:
        return data
    try:
        return bz2.decompress(data) if kind == "bzip2" else gzip.decompress(data)
    except (EOFError, OSError, ValueError, zlib.error, lzma.LZMAError) as exc:
        raise InputError(
            f"{origin}: truncated or damaged {kind} data ({exc})",
            hint=f"download it again, or test it with `{'bzip2' if kind == 'bzip2' else 'gzip'} -t`",
        ) from exc


def _zip_units(path: Path, accept: Accept, what: str, hints: tuple[str, ...]) -> Iterator[Unit | Skipped]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError):
        # No central directory (a cut-off download): read what the local headers still hold.
        yield from _salvage_zip(path, accept, what, hints)
        return
    except OSError as exc:
        yield Skipped(str(path), f"cannot be read ({exc.strerror or exc})")
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
                read=functools.partial(_read_zip_member, archive, info, origin),
                hint_names=member_hints,
            )
        if not found:
            yield Skipped(str(path), f"no {what} in this archive")


def _read_zip(archive: zipfile.ZipFile, info: zipfile.ZipInfo, origin: str) -> bytes:
    """A member's bytes; ZipFile.read checks the CRC-32, and every failure names the member."""
    try:
        return archive.read(info)
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc):
            raise InputError(
                f"{origin}: damaged member (its CRC-32 check failed)",
                hint="download the archive again, or test it with `unzip -t`",
            ) from exc
        raise InputError(f"{origin}: damaged member ({exc})", hint="download the archive again") from exc
    except (EOFError, zlib.error, lzma.LZMAError, OSError) as exc:
        raise InputError(
            f"{origin}: truncated or damaged member data", hint="download the archive again"
        ) from exc
    except RuntimeError as exc:  # zipfile's "File ... is encrypted, password required for extraction"
        raise InputError(
            f"{origin}: encrypted member (needs a password)", hint="extract it yourself and pass the files"
        ) from exc
    except NotImplementedError as exc:  # "That compression method is not supported"
        raise InputError(
            f"{origin}: unsupported compression method ({exc})", hint="re-pack the archive with deflate"
        ) from exc


def _salvage_zip(path: Path, accept: Accept, what: str, hints: tuple[str, ...]) -> Iterator[Unit | Skipped]:
    """Members of a zip without a (complete) central directory, from its local headers, in order.

    The members before the damage are yielded; the damage is one Skipped naming the member it is in.
    """
    from stream_unzip import TruncatedDataError, UnzipError, stream_unzip

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                yield block

    read: list[str] = []
    current: str | None = None
    found = False
    try:
        for raw_name, _size, data in stream_unzip(chunks()):
            current = _member_name(raw_name)
            item = _salvaged_member(path, current, data, accept, hints)
            if not current.endswith("/"):
                read.append(current)
            current = None
            found |= isinstance(item, Unit)
            if item is not None:
                yield item
    except TruncatedDataError:
        yield _salvage_failure(path, current, read, None)
        return
    except (UnzipError, ValueError, EOFError, zlib.error) as exc:
        yield _salvage_failure(path, current, read, exc)
        return
    if not found:
        yield Skipped(str(path), f"no {what} in this archive (it has no central directory: cut off?)")


def _salvaged_member(
    path: Path, name: str, data: Iterator[bytes], accept: Accept, hints: tuple[str, ...]
) -> Unit | Skipped | None:
    """One member read from its local header: a Unit, a Skipped with the reason, or None (a folder, or a
    file this source does not read). Its data is always drained: the next member's header follows it."""
    parts: list[bytes] = []
    size = 0
    reason = None if name.endswith("/") else unsafe_member_reason(name)
    wanted = not name.endswith("/") and reason is None and accept(PurePosixPath(name).name)
    for block in data:
        size += len(block)
        if wanted and size <= MAX_MEMBER_BYTES:
            parts.append(block)
    if name.endswith("/"):
        return None
    origin = f"{path}!{name}"
    if reason is None and size > MAX_MEMBER_BYTES:
        reason = f"member of {size:,} bytes is larger than {MAX_MEMBER_BYTES:,}, refused"
    if reason is not None:
        return Skipped(origin, reason)
    if not wanted:
        return None
    body = b"".join(parts)
    member_hints = (*reversed(PurePosixPath(name).parent.parts), path.name, *hints)
    return Unit(origin, read=functools.partial(_decompress, name, body, origin), hint_names=member_hints)


def _salvage_failure(path: Path, current: str | None, read: list[str], exc: BaseException | None) -> Skipped:
    """Where and how a damaged zip ended: a truncation (`exc` None) or damage, after the members `read`."""
    where = f"{path}!{current}" if current else str(path)
    if exc is None:
        after = f" after {len(read)} member(s)" if read else ""
        inside = "this member" if current else "a member header"
        return Skipped(
            where,
            f"truncated zip archive: it ends inside {inside}{after}; "
            "the members before it were read (download it again to get the rest)",
        )
    if not read and current is None:
        return Skipped(str(path), f"not a zip archive, or damaged at its start ({_describe(exc)})")
    return Skipped(where, f"damaged zip archive ({_describe(exc)}); the members before it were read")


def _read_zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, origin: str) -> bytes:
    return _decompress(info.filename, _read_zip(archive, info, origin), origin)


def _member_name(raw: bytes) -> str:
    # Zip names are UTF-8 when flagged (APPNOTE 4.4.4 bit 11), else CP437; stream-unzip gives the bytes.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp437")


def _describe(exc: BaseException) -> str:
    """A library exception as words: its message, else its class name spelled out."""
    text = str(exc).strip()
    if text:
        return text
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type(exc).__name__).lower()


def _tar_member_reason(member: tarfile.TarInfo) -> str | None:
    """Why a tar member is not read (a dangerous name, a link, a special file, too large), or None."""
    if (reason := unsafe_member_reason(member.name)) is not None:
        return reason
    if member.issym() or member.islnk():
        return f"link member ({member.name} -> {member.linkname}) refused"
    if not member.isfile():
        return "special file member (device, fifo) refused"
    if member.size > MAX_MEMBER_BYTES:
        return f"member of {member.size:,} bytes is larger than {MAX_MEMBER_BYTES:,}, refused"
    return None


def _tar_units(path: Path, accept: Accept, what: str, hints: tuple[str, ...]) -> Iterator[Unit | Skipped]:
    found = False
    count = 0
    current: str | None = None  # the member whose data is being read
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                count += 1
                origin = f"{path}!{member.name}"
                if member.isdir():
                    continue
                if (reason := _tar_member_reason(member)) is not None:
                    yield Skipped(origin, reason)
                    continue
                if not accept(PurePosixPath(member.name).name):
                    continue
                handle = archive.extractfile(member)
                if handle is None:  # pragma: no cover - isfile() members always have data
                    continue
                current = member.name
                raw = handle.read()
                current = None
                try:
                    data = _decompress(member.name, raw, origin)
                except InputError as exc:
                    yield Skipped(origin, exc.message.removeprefix(f"{origin}: "))
                    continue
                found = True
                member_hints = (*reversed(PurePosixPath(member.name).parent.parts), path.name, *hints)
                yield Unit(origin, read=functools.partial(bytes, data), hint_names=member_hints)
    except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
        if current is not None:
            yield Skipped(
                f"{path}!{current}",
                f"truncated or damaged tar archive: it ends inside this member ({_describe(exc)}); "
                "the members before it were read (download it again to get the rest)",
            )
        else:
            where = f" after {count - 1} member(s)" if count > 1 else ""
            yield Skipped(str(path), f"corrupt or truncated tar archive{where} ({_describe(exc)})")
        return
    if not found:
        yield Skipped(str(path), f"no {what} in this archive")
