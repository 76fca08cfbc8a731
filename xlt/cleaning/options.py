"""What `clean` is asked to do (`CleanOptions`) and what it did (`LanguageReport`, `CleanReport`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

# Line steps in the order they run; `blank` (empty lines) is always on, `cap` is the line cap.
STEPS: tuple[str, ...] = ("nfc", "controls", "markup", "length", "script", "dedup")
DROP_COLUMNS: tuple[str, ...] = ("blank", "controls", "markup", "length", "script", "dedup", "cap")


@dataclass(frozen=True)
class CleanOptions:
    """Options of `clean_workspace`; the defaults follow the paper where it gives a number."""

    seed: int = 0
    valid_fraction: float = 0.1  # paper: 90/10 train/validation split
    max_lines: int | None = 500_000  # paper: at most 500k lines per language; None or 0 = no cap
    hr_min_tokens: int = 350_000  # paper: high-resource from 350k whitespace tokens
    lr_min_tokens: int = 10_000  # paper: low-resource from 10k tokens; fewer = excluded
    min_words: int = 2  # paper: lines with more than one word...
    min_chars: int = 2  # ...and more than one character
    max_chars: int = 4_000  # absurdly long lines (unsplit documents, tables) exceed mT5's context anyway
    nfc: bool = True
    controls: bool = True
    markup: bool = True
    length: bool = True
    dedup: bool = True
    script: bool = True
    tokenizer: str | None = None  # path or hub id of an (m)T5 tokenizer for subword counts
    dry_run: bool = False
    force: bool = False
    languages: tuple[str, ...] | list[str] | None = None  # ISO 639-3 codes or names; None = all of raw/

    def __post_init__(self) -> None:
        self.validate()

    def fingerprint_fields(self) -> dict[str, object]:
        """The options that change the cleaned files (tiers do not: they are recomputed every run)."""
        fields = asdict(self)
        for name in ("hr_min_tokens", "lr_min_tokens", "dry_run", "force", "languages"):
            fields.pop(name)
        fields["max_lines"] = self.cap
        return fields

    @property
    def cap(self) -> int | None:
        """The effective line cap (None for no cap)."""
        return self.max_lines if self.max_lines and self.max_lines > 0 else None

    def validate(self) -> None:
        """Raise `UsageError` for impossible combinations."""
        from xlt.errors import UsageError

        if not 0.0 <= self.valid_fraction < 1.0:
            raise UsageError(
                f"valid fraction {self.valid_fraction} is outside [0, 1)", "use e.g. 0.1 for 90/10"
            )
        if self.lr_min_tokens > self.hr_min_tokens:
            raise UsageError(
                f"LR minimum ({self.lr_min_tokens} tokens) is above the HR minimum ({self.hr_min_tokens})",
                "pass --lr-min-tokens below --hr-min-tokens",
            )
        if self.lr_min_tokens < 0 or self.hr_min_tokens < 0:
            raise UsageError("token thresholds must not be negative")
        if self.min_chars > self.max_chars:
            raise UsageError(
                f"--min-chars {self.min_chars} is above --max-chars {self.max_chars}", "raise --max-chars"
            )
        if self.max_lines is not None and self.max_lines < 0:
            raise UsageError("--max-lines must be 0 (no cap) or positive")


@dataclass
class LanguageReport:
    """What cleaning did to one language (also stored in `corpus/<iso3>/.clean.json`)."""

    iso3: str
    name: str
    script: str | None
    sources: list[str]
    lines_in: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)  # first dropped lines per step
    train_lines: int = 0
    valid_lines: int = 0
    chars: int = 0
    tokens: int = 0
    mt5_tokens: int | None = None
    tier: str = "excluded"
    status: str = "cleaned"  # cleaned | up to date | dry run | empty | skipped
    warnings: list[str] = field(default_factory=list)
    script_filter: bool = False

    @property
    def lines(self) -> int:
        """Lines in train + valid."""
        return self.train_lines + self.valid_lines

    @property
    def lines_clean(self) -> int:
        """Lines that survived the filters (before the cap)."""
        return self.lines_in - sum(v for k, v in self.dropped.items() if k != "cap")

    def to_json(self) -> dict[str, object]:
        """The serialisable record (status and tier are per run, not stored)."""
        data = asdict(self)
        for name in ("status", "tier"):
            data.pop(name)
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> LanguageReport:
        """Inverse of `to_json`."""
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})  # type: ignore[arg-type]


@dataclass
class CleanReport:
    """The result of `clean_workspace`: one report per language, warnings, where the table went."""

    languages: list[LanguageReport]
    warnings: list[str]
    languages_path: Path | None
    options: CleanOptions

    def by_iso3(self) -> dict[str, LanguageReport]:
        """Reports keyed by language code."""
        return {report.iso3: report for report in self.languages}

    def in_tier(self, tier: str) -> list[str]:
        """Codes of the languages placed in `tier`."""
        return [report.iso3 for report in self.languages if report.tier == tier]
