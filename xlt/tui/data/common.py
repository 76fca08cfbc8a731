"""What every TUI reader shares: the app's configuration, change stamps of files, language labels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from xlt.errors import XltError
from xlt.languages import name_of
from xlt.workspace import Workspace

Clock = Callable[[], datetime]
Stamp = tuple[int, int] | None
# Opens a file with the system viewer; returns False when there is none (the TUI then says where it is).
Opener = Callable[[Path], bool]


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def system_opener(path: Path) -> bool:
    """Open `path` with xdg-open (Linux) or open (macOS) in the background; False when neither exists or
    there is no display to show it on (an SSH session to a cluster's login node)."""
    import os
    import shutil
    import subprocess
    import sys

    command = shutil.which("open") if sys.platform == "darwin" else shutil.which("xdg-open")
    if command is None or (sys.platform != "darwin" and not os.environ.get("DISPLAY")):
        return False
    try:
        subprocess.Popen([command, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class TuiConfig:
    """What the app needs: where to read, how often, when a silent run counts as stale, the clock."""

    workspace: Workspace
    refresh_s: float = 2.0
    # A run that wrote no event for 10 minutes is probably dead (a step of mt5-base on one GPU takes
    # well under a second, and evaluations are logged as they finish).
    stale_after_s: float = 600.0
    clock: Clock = utc_now
    opener: Opener = field(default=system_opener)


def file_stamp(path: Path) -> Stamp:
    """(mtime_ns, size) of a file, or None when it does not exist: cheap change detection."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def display_name(iso3: str | None) -> str:
    """Language display name; '' for a missing code, the value itself when it is not a known code (an
    imported matrix keeps names the registry could not resolve as given)."""
    if not iso3:
        return ""
    try:
        return name_of(iso3)
    except (XltError, LookupError, ValueError):  # a value the registry cannot parse is shown as itself
        return iso3


def other_name(iso3: str | None) -> str:
    """The name to show beside a code, or '' when it would only repeat it ("Slovene (Slovene)")."""
    name = display_name(iso3)
    return "" if not iso3 or name.casefold() == iso3.casefold() else name


def lang_label(iso3: str | None, width: int | None = None) -> str:
    """``Spanish (spa)``; just the value when it has no other name (``Slovene``, not Slovene (Slovene)).

    With `width`, a long name is cut (``Western Malayo-Polyn… (pqw)``) so that the code stays visible.
    """
    name = other_name(iso3)
    if not name:
        return iso3 or ""
    if width is not None and len(name) + len(iso3 or "") + 3 > width:
        name = name[: max(1, width - len(iso3 or "") - 4)] + "…"
    return f"{name} ({iso3})"
