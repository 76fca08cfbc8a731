"""Models and tokenizers: a hub id, a local directory, the workspace's base model, or a fresh tiny mT5.

Every model xlt trains or evaluates is an `MT5ForConditionalGeneration` with a T5-style tokenizer
(pad 0, eos 1, unk 2, no bos, 100 sentinels ``<extra_id_0>`` … ``<extra_id_99>`` at the top of the
vocabulary, counting down), so the span-corruption code treats mt5-base and the tiny model alike.

Specs understood by :func:`load_model`:

* ``google/mt5-base`` (any hub id): ``from_pretrained``; offline, it must already be in the HF cache.
* a directory written by :func:`save_checkpoint` (model + tokenizer files side by side).
* ``base``: the workspace's embedded base model (``models/base/``, made by ``xlt pretrain --base``).
* ``tiny`` / ``small``: a freshly initialised small mT5 with the workspace tokenizer.

torch and transformers are imported inside functions: the CLI imports this module at start-up.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from xlt.errors import InputError, WorkspaceError, XltError
from xlt.workspace import Workspace, atomic_dir, atomic_write_text

if TYPE_CHECKING:
    import torch
    from transformers import MT5Config, MT5ForConditionalGeneration, PreTrainedTokenizerBase

TinySize = Literal["tiny", "small"]
FRESH_SPECS: tuple[str, ...] = ("tiny", "small")
BASE_SPEC = "base"
BASE_INFO_FILE = "xlt_base.json"
MODEL_INFO_FILE = "xlt_model.json"

# mT5 samples languages with p(l) ∝ n_l ** 0.3 (Xue et al. 2021, "mT5", section 2).
MT5_ALPHA = 0.3
N_SENTINELS = 100  # T5 / mT5: <extra_id_0> … <extra_id_99>


# ----------------------------------------------------------------------------------------------- tokenizers


def temperature_weights(sizes: Mapping[str, int], alpha: float = MT5_ALPHA) -> dict[str, float]:
    """Sampling probability per language, p(l) ∝ n_l ** alpha (alpha=1: proportional; 0: uniform)."""
    sized = {lang: float(n) for lang, n in sizes.items() if n > 0}
    if not sized:
        return {}
    raw = {lang: n**alpha for lang, n in sized.items()}
    total = sum(raw.values())
    return {lang: value / total for lang, value in raw.items()}


def balanced_sample(
    lines_by_lang: Mapping[str, list[str]], total: int, alpha: float = MT5_ALPHA, seed: int = 0
) -> list[str]:
    """About `total` lines drawn by temperature sampling; small languages are repeated (as in mT5)."""
    weights = temperature_weights({lang: len(lines) for lang, lines in lines_by_lang.items()}, alpha)
    rng = np.random.default_rng(seed)
    sample: list[str] = []
    for lang in sorted(weights):
        lines = lines_by_lang[lang]
        quota = max(1, round(weights[lang] * total))
        reps, rest = divmod(quota, len(lines))  # upsample with whole copies, then a random remainder
        picks = np.concatenate([np.tile(np.arange(len(lines)), reps), rng.permutation(len(lines))[:rest]])
        sample.extend(lines[i] for i in picks)
    order = rng.permutation(len(sample))
    return [sample[i] for i in order]


def train_tokenizer(
    lines_by_lang: Mapping[str, Iterable[str]],
    out_dir: Path,
    vocab_size: int = 8000,
    seed: int = 0,
    alpha: float = MT5_ALPHA,
    max_sentences: int = 50_000,
    character_coverage: float = 0.9995,
) -> PreTrainedTokenizerBase:
    """Train a SentencePiece unigram model on a temperature-balanced mix and save a T5 tokenizer.

    `vocab_size` counts SentencePiece pieces; the 100 sentinels come on top (len = vocab_size + 100).
    ~50k sentences (the default cap) train in ~15 s on one core (NOTES.md). The directory holds
    `tokenizer.json` (reloads offline without protobuf), `tokenizer_config.json` and `spiece.model`.
    """
    import sentencepiece as spm

    materialised = {lang: [line for line in lines if line.strip()] for lang, lines in lines_by_lang.items()}
    materialised = {lang: lines for lang, lines in materialised.items() if lines}
    if not materialised:
        raise InputError("no text to train a tokenizer on", "run `xlt clean` first")
    # As many sentences as the corpus has (capped): the mix re-weights languages, it does not inflate them.
    total = min(max_sentences, sum(len(lines) for lines in materialised.values()))
    sentences = balanced_sample(materialised, total, alpha, seed)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        model_type="unigram",
        vocab_size=vocab_size,
        # T5's ids: pad 0, eos 1, unk 2, no bos (the sentinels are added by transformers on top).
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        # A tiny corpus may not support the requested size; take what it supports instead of failing.
        hard_vocab_limit=False,
        character_coverage=character_coverage,
        seed_sentencepiece_size=200_000,
        shuffle_input_sentence=True,
        num_threads=2,
        minloglevel=2,
    )
    return _wrap_spiece(model.getvalue(), out_dir)


def _wrap_spiece(spiece: bytes, out_dir: Path) -> PreTrainedTokenizerBase:
    """T5Tokenizer around a SentencePiece model, saved with `save_pretrained` (reloads offline)."""
    from transformers import T5Tokenizer

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "spiece.model").write_bytes(spiece)
        # from_pretrained converts spiece.model (needs protobuf) and adds the 100 sentinels, counting down
        # from the top id; T5Tokenizer(vocab_file=...) would silently ignore the file (NOTES.md).
        tokenizer = T5Tokenizer.from_pretrained(tmp, extra_ids=N_SENTINELS)
    with atomic_dir(out_dir) as tmp_out:
        tokenizer.save_pretrained(tmp_out)
        (tmp_out / "spiece.model").write_bytes(spiece)
    return load_tokenizer(out_dir)


def load_tokenizer(path: Path) -> PreTrainedTokenizerBase:
    """A tokenizer saved by `save_pretrained` (tokenizer.json; no network, no protobuf)."""
    from transformers import AutoTokenizer

    if not (Path(path) / "tokenizer.json").is_file() and not (Path(path) / "tokenizer_config.json").is_file():
        raise InputError(f"no tokenizer files in {path}", "expected tokenizer.json from save_pretrained")
    try:
        return AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot load the tokenizer in {path}: {exc}") from exc


def corpus_languages(workspace: Workspace, tiers: Iterable[str] | None = None) -> dict[str, str]:
    """{iso3: tier} of the cleaned corpus, optionally only some tiers; WorkspaceError if there is none."""
    import polars as pl

    path = workspace.languages_path
    if not path.is_file():
        raise WorkspaceError(f"no cleaned corpus in {workspace.corpus_dir}", "run `xlt clean` first")
    frame = pl.read_parquet(path, columns=["iso3", "tier"])
    wanted = set(tiers) if tiers is not None else None
    return {
        row["iso3"]: row["tier"]
        for row in frame.iter_rows(named=True)
        if (wanted is None or row["tier"] in wanted) and workspace.train_path(row["iso3"]).is_file()
    }


def _read_lines(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in handle if line.strip()]


def _corpus_hash(workspace: Workspace, languages: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for lang in sorted(languages):
        digest.update(lang.encode())
        with workspace.train_path(lang).open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:10]


def workspace_tokenizer(
    workspace: Workspace, vocab_size: int = 8000, seed: int = 0
) -> tuple[PreTrainedTokenizerBase, Path]:
    """The workspace's shared tokenizer: trained once on every corpus language, then reused.

    Stored in `tokenizers/spm<vocab>-<corpus hash>/`; a changed corpus gives a new name.
    """
    languages = corpus_languages(workspace)
    if not languages:
        raise WorkspaceError(
            f"the corpus in {workspace.corpus_dir} has no train.txt", "run `xlt clean` first"
        )
    name = f"spm{vocab_size}-s{seed}-{_corpus_hash(workspace, languages)}"
    path = workspace.tokenizer_dir(name)
    if (path / "tokenizer.json").is_file():
        return load_tokenizer(path), path
    lines = {lang: _read_lines(workspace.train_path(lang)) for lang in languages}
    return train_tokenizer(lines, path, vocab_size=vocab_size, seed=seed), path


def sentinel_ids(tokenizer: PreTrainedTokenizerBase) -> list[int]:
    """Ids of <extra_id_0> … <extra_id_99> (get_sentinel_tokens() is broken in transformers 5)."""
    return list(tokenizer.convert_tokens_to_ids([f"<extra_id_{i}>" for i in range(N_SENTINELS)]))


# ----------------------------------------------------------------------------------------------- models


# Sizes of the embedded models. mT5's own shapes (gated-GELU, untied head, d_kv 64, 32 relative-position
# buckets) at 1/3 (tiny) and 2/3 (small) of mt5-small's width, so the same code paths run as for mt5-base.
TINY_SIZES: dict[str, dict[str, int]] = {
    "tiny": {"d_model": 256, "d_ff": 1024, "num_layers": 4, "num_decoder_layers": 4, "num_heads": 4},
    "small": {"d_model": 512, "d_ff": 1024, "num_layers": 6, "num_decoder_layers": 6, "num_heads": 8},
}


def tiny_config(size: TinySize, vocab_size: int, **overrides: Any) -> MT5Config:
    """An MT5Config of the embedded sizes (`tiny` ≈ 13M parameters with an 8k vocabulary, `small` ≈ 46M).

    Dropout 0: T5 v1.1 / mT5 pretrain without dropout ("a quality win", T5 v1.1 release notes), and these
    runs of a few hundred steps on small corpora underfit, so dropout would only slow learning down.
    Input and output embeddings are untied as in mT5 by :func:`build_tiny_model` (transformers 5's
    MT5Config forces ``tie_word_embeddings=True``; a checkpoint whose ``lm_head.weight`` differs from
    ``shared.weight`` still loads untied).
    """
    from transformers import MT5Config

    if size not in TINY_SIZES:
        raise XltError(f"unknown model size {size!r}", f"choose one of {', '.join(TINY_SIZES)}")
    fields: dict[str, Any] = {
        **TINY_SIZES[size],
        "vocab_size": vocab_size,
        "d_kv": 64,
        "feed_forward_proj": "gated-gelu",
        "dropout_rate": 0.0,
        "relative_attention_num_buckets": 32,
        "relative_attention_max_distance": 128,
        "pad_token_id": 0,
        "eos_token_id": 1,
        "decoder_start_token_id": 0,
    }
    fields.update(overrides)
    return MT5Config(**fields)


def config_hash(config: Any) -> str:
    """8 hex digits identifying an architecture (the fields that shape the weights)."""
    keys = [
        "vocab_size",
        "d_model",
        "d_kv",
        "d_ff",
        "num_layers",
        "num_decoder_layers",
        "num_heads",
        "feed_forward_proj",
        "tie_word_embeddings",
        "relative_attention_num_buckets",
        "relative_attention_max_distance",
    ]
    shape = {key: getattr(config, key, None) for key in keys}
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:8]


def build_tiny_model(config: MT5Config, seed: int = 0) -> MT5ForConditionalGeneration:
    """A freshly initialised mT5 whose loss starts near ln(vocab).

    transformers 5 ties the LM head to the std-1.0 input embedding and (for mT5) does not rescale the
    decoder output, so the first loss is ~110-121 (NOTES.md). mT5 has an untied head, which Mesh
    TensorFlow initialises with std d_model ** -0.5: we give the head its own parameter with that std.
    """
    import torch
    from transformers import MT5ForConditionalGeneration

    torch.manual_seed(seed)
    model = MT5ForConditionalGeneration(config)
    head = torch.empty(config.vocab_size, config.d_model).normal_(0.0, config.d_model**-0.5)
    model.lm_head.weight = torch.nn.Parameter(head)
    model.config.tie_word_embeddings = False
    model.config.xlt_label = f"tiny:{config_hash(config)}"
    return fuse_gelu(model)


def fuse_gelu(model: Any) -> Any:
    """Swap transformers' `gelu_new` modules (mT5's activation) for PyTorch's fused tanh GELU, in place.

    Both compute 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); `gelu_new` does it in six elementwise
    passes, ``F.gelu(approximate="tanh")`` in one kernel (outputs differ by < 3e-7 in fp32). Measured on
    this project's CPU, a 2048×1024 activation: forward + backward 13.6 -> 4.4 ms (fp32), 10.4 -> 5.3 ms
    (bf16). The config keeps saying ``gelu_new``, so saved checkpoints stay standard mT5.
    """
    from transformers.activations import GELUTanh, NewGELUActivation

    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, NewGELUActivation):
                setattr(module, name, GELUTanh())
    return model


def native_bf16(device_type: str) -> bool:
    """Whether the hardware of `device_type` computes bf16 natively: CUDA GPUs with bf16, CPUs with AMX or
    AVX512-BF16 (elsewhere bf16 would be emulated, slower than fp32)."""
    import torch

    if device_type == "cuda":
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    if device_type == "cpu":
        cpu = torch.cpu
        return bool(
            getattr(cpu, "_is_amx_tile_supported", lambda: False)()
            or getattr(cpu, "_is_avx512_bf16_supported", lambda: False)()
        )
    return False


# Rows of logits upcast to fp32 at a time for the loss: 2**22 floats (16 MiB) stay near the caches. Measured
# (2026-11-25, 2 CPU threads, 960 target rows × mT5's 250,112-token vocabulary in bf16): the whole tensor at
# once 0.53 s, 16-row chunks 0.11 s, the same sum to 1e-6 relative.
CE_CHUNK_FLOATS = 2**22


def token_loss_sum(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Summed cross-entropy of (..., vocab) `logits` against `labels` (-100 ignored): a float64 scalar on
    the logits' device (no host sync, so callers can accumulate and reduce across processes).

    In fp32 even for a bf16 model: the log-softmax over the vocabulary is where bf16's 8-bit mantissa
    would cost accuracy. Chunked over rows so the fp32 copy never has to hold the whole batch.
    """
    import torch
    import torch.nn.functional as F  # noqa: N812

    from xlt.spans import LABEL_PAD_ID

    logits, labels = logits.reshape(-1, logits.shape[-1]), labels.reshape(-1)
    rows = max(1, CE_CHUNK_FLOATS // logits.shape[-1])
    total = torch.zeros((), dtype=torch.float64, device=logits.device)
    for start in range(0, logits.shape[0], rows):
        total += F.cross_entropy(
            logits[start : start + rows].float(),
            labels[start : start + rows],
            ignore_index=LABEL_PAD_ID,
            reduction="sum",
        )
    return total


def n_parameters(model: Any) -> int:
    """Number of parameters (each counted once)."""
    return sum(p.numel() for p in model.parameters())


def model_label(model: Any) -> str:
    """The `model` column of the results: a hub id, `tiny:<config hash>` or `base:<config hash>`."""
    label = getattr(model.config, "xlt_label", None)
    if label:
        return str(label)
    name = str(getattr(model.config, "_name_or_path", "") or getattr(model, "name_or_path", "") or "")
    if name and not Path(name).exists() and re.fullmatch(r"[\w.-]+/[\w.-]+", name):
        return name
    return f"tiny:{config_hash(model.config)}"


def short_label(label: str) -> str:
    """A run-id friendly form of a label: `google/mt5-base` -> `mt5-base`, `tiny:ab12cd34` -> `tiny`."""
    head = label.split(":", 1)[0].rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9.-]+", "-", head).strip("-").lower() or "model"


@dataclass
class LoadedModel:
    """A model with its tokenizer, the label of the results' `model` column, and where it came from."""

    model: MT5ForConditionalGeneration
    tokenizer: PreTrainedTokenizerBase
    label: str
    source: str
    tokenizer_path: str | None = None


def load_model(
    spec: str | Path,
    workspace: Workspace | None = None,
    seed: int = 0,
    vocab_size: int = 8000,
    size_overrides: Mapping[str, Any] | None = None,
) -> LoadedModel:
    """Load `spec`: `tiny`/`small` (fresh), `base` (workspace model), a local directory, or a hub id.

    `seed`, `vocab_size` (of the workspace tokenizer) and `size_overrides` (MT5Config fields) only
    matter for the fresh `tiny`/`small` models.
    """
    text = str(spec)
    if text in FRESH_SPECS:
        if workspace is None:
            raise XltError(f"model {text!r} needs a workspace (for its tokenizer)")
        tokenizer, tok_path = workspace_tokenizer(workspace, vocab_size=vocab_size)
        config = tiny_config(text, len(tokenizer), **dict(size_overrides or {}))  # type: ignore[arg-type]
        model = build_tiny_model(config, seed)
        return LoadedModel(model, tokenizer, model_label(model), text, str(tok_path))
    if text == BASE_SPEC:
        if workspace is None or not (workspace.base_model_dir / BASE_INFO_FILE).is_file():
            where = workspace.base_model_dir if workspace else "the workspace"
            raise WorkspaceError(f"no base model in {where}", "run `xlt pretrain --base` first")
        return _load_local(workspace.base_model_dir)
    path = Path(text).expanduser()
    if path.exists() or text.startswith((".", "/", "~")):
        return _load_local(path)
    return _load_hub(text)


def _load_local(path: Path) -> LoadedModel:
    from transformers import AutoModelForSeq2SeqLM

    if not path.is_dir():
        raise InputError(
            f"model directory {path} does not exist", "give a hub id, `base`, `tiny` or a saved dir"
        )
    if not (path / "config.json").is_file() or not any(path.glob("*.safetensors")):
        raise InputError(
            f"{path} is not a saved model (no config.json or *.safetensors)",
            "point to a checkpoints/step-N directory or a save_pretrained directory",
        )
    try:
        with _quiet_transformers():  # "both tied weights present with different values": mT5's untied head
            model = AutoModelForSeq2SeqLM.from_pretrained(str(path), local_files_only=True)
    except Exception as exc:  # corrupt safetensors, unknown architecture, ...
        raise InputError(f"cannot load the model in {path}: {exc}") from exc
    tokenizer = load_tokenizer(path)
    info = _read_json(path / MODEL_INFO_FILE)
    label = info.get("label") or model_label(model)
    model.config.xlt_label = label
    return LoadedModel(fuse_gelu(model), tokenizer, label, str(path), str(path))


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence transformers' warnings and progress bars for a block."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)


def _load_hub(model_id: str) -> LoadedModel:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    hint = "download it once on a machine with network (huggingface-cli download), or use `base` or `tiny`"
    try:  # the cache first: no network round trips when the model is there
        tokenizer = AutoTokenizer.from_pretrained(model_id, local_files_only=True)
        model = AutoModelForSeq2SeqLM.from_pretrained(model_id, local_files_only=True)
    except (OSError, ValueError) as exc:
        if not _hub_reachable():
            raise InputError(
                f"model {model_id!r} is not in the Hugging Face cache and this machine is offline", hint
            ) from exc
        try:
            tokenizer = AutoTokenizer.from_pretrained(model_id)
            model = AutoModelForSeq2SeqLM.from_pretrained(model_id)
        except (OSError, ValueError) as exc2:
            raise InputError(f"cannot load {model_id!r} from the Hugging Face hub: {exc2}", hint) from exc2
    model.config.xlt_label = model_id
    return LoadedModel(fuse_gelu(model), tokenizer, model_id, model_id, model_id)


def _hub_reachable(timeout: float = 3.0) -> bool:
    """False when HF offline mode is on or the hub's host cannot be reached within `timeout` seconds."""
    import os
    import socket

    offline = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    if any(os.environ.get(name, "") not in ("", "0") for name in offline):
        return False
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=timeout):
            return True
    except OSError:
        return False


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def save_checkpoint(
    model: Any,
    tokenizer: PreTrainedTokenizerBase,
    out_dir: Path,
    info: Mapping[str, Any] | None = None,
    extra_files: Mapping[str, str] | None = None,
) -> Path:
    """Save model (safetensors) + tokenizer into one directory, atomically; loadable by from_pretrained.

    `info` goes to `xlt_model.json` (always with the model's label); `extra_files` are written as text.
    """
    with atomic_dir(out_dir) as tmp, _quiet_transformers():
        model.save_pretrained(tmp)  # transformers 5 always writes model.safetensors, never pickles
        tokenizer.save_pretrained(tmp)
        atomic_write_text(
            tmp / MODEL_INFO_FILE, json.dumps({"label": model_label(model), **(info or {})}, indent=2)
        )
        for name, text in (extra_files or {}).items():
            atomic_write_text(tmp / name, text)
    return Path(out_dir)


def iter_checkpoints(run_dir: Path) -> Iterator[tuple[int, Path]]:
    """(step, path) of a run's complete checkpoints, in step order."""
    found = []
    for path in (run_dir / "checkpoints").glob("step-*"):
        match = re.fullmatch(r"step-(\d+)", path.name)
        if match and path.is_dir() and (path / "model.safetensors").is_file():
            found.append((int(match.group(1)), path))
    yield from sorted(found)


def copy_model_dir(src: Path, dst: Path) -> None:
    """Copy a saved model directory atomically (used to publish the base model)."""
    with atomic_dir(dst) as tmp:
        for item in src.iterdir():
            if item.is_file():
                shutil.copy2(item, tmp / item.name)
