"""A planted HR × LR perplexity matrix named the WALS way, for tests and benchmarks of `xlt analyze`.

Published matrices (the study xlt follows: about 200 HR × 50 LR perplexities) name languages as WALS
does ("Greek (Modern)", "Mordvin (Erzya)", "Mon", "Lak", "Provençal"). This builds one whose findings
are known in advance, so an analysis can be checked against them:

* every donor has a **prior quality** (the same for every LR language, plus noise): ranking donors by
  their mean rank elsewhere recovers it (the "global donor prior" of the ranker);
* a few **super donors** push almost every LR language below zero-shot, a few **super recipients** are
  pushed below zero-shot by almost every donor;
* a few cells are **outliers** (perplexity up to ~99,000 against zero-shot values near 5..500, as in
  the study) and a few are **missing** (empty cells).

ln(p / z) = 0.35 − quality(HR) − receptivity(LR) + noise (sd 0.4): an ordinary pair improves about a
fifth of the time; the planted ones get +2 quality or receptivity. The gain is positive where ln(p / z) < 0.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# WALS-style names that trip simple resolvers, with the code each must resolve to (WALS and Glottolog
# documentation; the same readings as tests/test_languages_names.py).
HARD_NAMES: tuple[tuple[str, str], ...] = (
    ("Greek (Modern)", "ell"), ("Mordvin (Erzya)", "myv"), ("Mordvin (Moksha)", "mdf"),
    ("Saami (Northern)", "sme"), ("Saami (Southern)", "sma"), ("Saami (Skolt)", "sms"),
    ("Arabic (Egyptian)", "arz"), ("Arabic (Moroccan)", "ary"), ("Hebrew (Modern)", "heb"),
    ("Armenian (Eastern)", "hye"), ("Kurdish (Central)", "ckb"), ("Mari (Meadow)", "mhr"),
    ("Frisian (West)", "fry"), ("Sorbian (Upper)", "hsb"), ("Gaelic (Scots)", "gla"),
    ("Quechua (Cuzco)", "quz"), ("Otomí (Mezquital)", "ote"), ("Slovene", "slv"), ("Mandarin", "cmn"),
    ("Cantonese", "yue"), ("Mon", "mnw"), ("Guaraní", "gug"), ("Sesotho", "sot"), ("Provençal", "oci"),
    ("Lak", "lbe"), ("Avar", "ava"), ("Tuvan", "tyv"), ("Khalkha", "khk"), ("Abkhaz", "abk"),
    ("Lezgian", "lez"), ("Chukchi", "ckt"), ("Kyrgyz", "kir"), ("Yakut", "sah"), ("Ossetic", "oss"),
    ("Romansch", "roh"), ("Vepsian", "vep"), ("Komi-Zyrian", "kpv"), ("Basque", "eus"),
)  # fmt: skip

# Plain English names of widely written languages (ISO 639 reference names), to fill the matrix.
PLAIN_NAMES: tuple[str, ...] = (
    "English", "Spanish", "French", "German", "Italian", "Portuguese", "Dutch", "Swedish", "Danish",
    "Icelandic", "Faroese", "Finnish", "Estonian", "Hungarian", "Polish", "Czech", "Slovak", "Croatian",
    "Serbian", "Bulgarian", "Macedonian", "Romanian", "Russian", "Ukrainian", "Belarusian", "Lithuanian",
    "Latvian", "Albanian", "Turkish", "Azerbaijani", "Kazakh", "Uzbek", "Turkmen", "Tatar", "Bashkir",
    "Chuvash", "Georgian", "Persian", "Pashto", "Urdu", "Hindi", "Bengali", "Punjabi", "Gujarati",
    "Marathi", "Nepali", "Sinhala", "Tamil", "Telugu", "Kannada", "Malayalam", "Oriya", "Assamese",
    "Burmese", "Thai", "Lao", "Khmer", "Vietnamese", "Japanese", "Korean", "Tibetan", "Uighur",
    "Indonesian", "Malay", "Javanese", "Sundanese", "Tagalog", "Cebuano", "Ilocano", "Malagasy",
    "Maori", "Samoan", "Tongan", "Fijian", "Hawaiian", "Swahili", "Amharic", "Tigrinya", "Somali",
    "Hausa", "Yoruba", "Igbo", "Zulu", "Xhosa", "Shona", "Lingala", "Wolof", "Fulah", "Kinyarwanda",
    "Luganda", "Afrikaans", "Tswana", "Tsonga", "Venda", "Ewe", "Twi", "Bambara", "Kikuyu", "Oromo",
    "Welsh", "Irish", "Breton", "Cornish", "Manx", "Catalan", "Galician", "Asturian", "Corsican",
    "Sardinian", "Friulian", "Ladino", "Luxembourgish", "Yiddish", "Maltese", "Esperanto", "Latin",
    "Sanskrit", "Chechen", "Ingush", "Kabardian", "Udmurt", "Mansi", "Khanty", "Nenets", "Selkup",
    "Evenki", "Even", "Ket", "Itelmen", "Ainu", "Burushaski", "Mapudungun", "Aymara", "Nahuatl",
    "Kalmyk", "Karelian", "Votic", "Livonian", "Kashubian", "Aragonese", "Walloon", "Picard", "Sicilian",
    "Neapolitan", "Venetian", "Ligurian", "Lombard", "Piemontese", "Occitan", "Basque", "Scots",
    "Kurmanji", "Zazaki", "Balochi", "Sindhi", "Kashmiri", "Dogri", "Konkani", "Maithili", "Bhojpuri",
    "Santali", "Mizo", "Khasi", "Dzongkha", "Newari", "Dhivehi", "Tetum", "Chamorro", "Palauan",
    "Marshallese", "Tahitian", "Rarotongan", "Niuean", "Tokelau", "Tuvalu", "Nauru", "Bislama",
    "Tok Pisin", "Hiri Motu", "Kiribati", "Yapese", "Chuukese", "Pohnpeian", "Kosraean", "Cherokee",
    "Navajo", "Hopi", "Ojibwa", "Mohawk", "Seneca", "Choctaw", "Chickasaw", "Creek", "Dakota", "Lakota",
    "Inuktitut", "Kalaallisut", "Yupik", "Aleut", "Haida", "Tlingit", "Zuni", "Kiowa", "Comanche",
    "Shoshoni", "Paiute", "Washo", "Yurok", "Karok", "Hupa", "Mandan", "Crow", "Osage", "Omaha",
    "Ponca", "Winnebago", "Menominee", "Potawatomi", "Shawnee", "Delaware", "Arapaho", "Cheyenne",
    "Blackfoot", "Sango", "Kongo", "Luba-Katanga", "Kanuri", "Tiv", "Efik", "Ibibio", "Nupe", "Gbaya",
    "Zande", "Dinka", "Nuer", "Shilluk", "Luo", "Maasai", "Turkana", "Nandi", "Kamba", "Meru", "Chagga",
    "Nyamwezi", "Sukuma", "Bemba", "Tonga", "Lozi", "Nyanja", "Yao", "Makonde", "Tumbuka", "Ndonga",
    "Herero", "Nama", "Sandawe", "Hadza", "Fon", "Mossi", "Dyula", "Soninke", "Mende", "Temne", "Kpelle",
    "Vai", "Bassa", "Susu", "Serer", "Jola-Fonyi", "Balanta-Kentohe", "Tamashek", "Kabyle", "Tachelhit",
)  # fmt: skip


@dataclass
class Planted:
    """The matrix (rows × columns of perplexities, NaN = missing), its names and what was planted."""

    hr: list[str]  # row names as written in the CSV
    lr: list[str]
    hr_codes: list[str]  # what each name resolves to (names first)
    lr_codes: list[str]
    ppl: np.ndarray  # (HR, LR); NaN where the cell is missing
    zero_shot: np.ndarray  # (LR,)
    quality: np.ndarray  # (HR,) the planted donor prior
    super_donors: list[str] = field(default_factory=list)  # codes
    super_recipients: list[str] = field(default_factory=list)
    nobody_improves: bool = False

    def write(self, folder: Path) -> tuple[Path, Path]:
        """matrix.csv (first column HR, one column per LR; empty = missing) and zero_shot.json."""
        folder.mkdir(parents=True, exist_ok=True)
        matrix, zs = folder / "matrix.csv", folder / "zero_shot.json"
        with matrix.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["language", *self.lr])
            for name, row in zip(self.hr, self.ppl, strict=True):
                writer.writerow([name, *("" if math.isnan(v) else f"{v:.4f}" for v in row)])
        zs.write_text(
            json.dumps({n: {"zero_shot": float(v)} for n, v in zip(self.lr, self.zero_shot, strict=True)}),
            encoding="utf-8",
        )
        return matrix, zs

    def write_overlap(self, path: Path, seed: int = 0) -> Path:
        """A wide HR × LR overlap matrix (share of LR tokens found in the HR corpus) that tracks quality."""
        rng = np.random.default_rng(seed + 1)
        shares = 1 / (1 + np.exp(-(self.quality[:, None] + rng.normal(0, 1.0, self.ppl.shape))))
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["HR", *self.lr])
            for name, row in zip(self.hr, shares, strict=True):
                writer.writerow([name, *(f"{v:.4f}" for v in row)])
        return path


def names(n_hr: int, n_lr: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(name, code) for HR and LR languages, every code distinct: the hard names spread over both tiers
    (every other one to LR while LR has room), the plain names after them."""
    from xlt.languages import lookup

    pool: list[tuple[str, str]] = list(HARD_NAMES)
    seen = {code for _, code in pool}
    for name in PLAIN_NAMES:
        found = lookup(name, prefer="name")
        if found is not None and found.iso3 not in seen:
            seen.add(found.iso3)
            pool.append((name, found.iso3))
    if len(pool) < n_hr + n_lr:
        raise ValueError(f"only {len(pool)} distinct names for {n_hr} + {n_lr} languages")
    lr = list(HARD_NAMES[1::2])[:n_lr]
    lr += [p for p in pool if p not in lr][: n_lr - len(lr)]
    hr = [p for p in pool if p not in lr][:n_hr]
    return hr, lr


def planted(
    n_hr: int = 200,
    n_lr: int = 50,
    n_super_donors: int = 6,
    n_super_recipients: int = 4,
    seed: int = 0,
    nobody_improves: bool = False,
) -> Planted:
    """The planted matrix (module docstring). With `nobody_improves`, every cell is above zero-shot."""
    rng = np.random.default_rng(seed)
    hr, lr = names(n_hr, n_lr)
    # small spreads outside the planted sets: the binomial test flags a donor whose rate is above the
    # pooled one, so a wide spread of ordinary donors would (rightly) make more of them super
    quality = rng.normal(0.0, 0.08, n_hr)
    receptivity = rng.normal(0.0, 0.05, n_lr)
    donors = rng.choice(n_hr, size=min(n_super_donors, n_hr - 1), replace=False)  # one ordinary at least
    recipients = rng.choice(n_lr, size=min(n_super_recipients, n_lr), replace=False)
    quality[donors] += 2.0
    receptivity[recipients] += 2.0
    noise = rng.normal(0.0, 0.4, (n_hr, n_lr))
    log_ratio = 0.35 - quality[:, None] - receptivity[None, :] + noise  # ln(p / z)
    if nobody_improves:
        log_ratio = np.abs(log_ratio) + 0.05
    zero_shot = np.exp(rng.uniform(math.log(5), math.log(500), n_lr))
    ppl = zero_shot[None, :] * np.exp(log_ratio)
    ordinary = np.setdiff1d(np.arange(n_hr), donors)
    cells = rng.choice(ordinary.size * n_lr, size=max(1, n_hr * n_lr // 400), replace=False)
    outliers = (ordinary[cells // n_lr], cells % n_lr)
    ppl[outliers] = rng.uniform(20_000, 99_000, cells.size)  # a diverged run, as the study has
    missing = rng.choice(ordinary.size * n_lr, size=max(1, n_hr * n_lr // 200), replace=False)
    ppl[ordinary[missing // n_lr], missing % n_lr] = np.nan
    return Planted(
        hr=[n for n, _ in hr],
        lr=[n for n, _ in lr],
        hr_codes=[c for _, c in hr],
        lr_codes=[c for _, c in lr],
        ppl=ppl,
        zero_shot=zero_shot,
        quality=quality,
        super_donors=[] if nobody_improves else sorted(hr[i][1] for i in donors),
        super_recipients=[] if nobody_improves else sorted(lr[j][1] for j in recipients),
        nobody_improves=nobody_improves,
    )
