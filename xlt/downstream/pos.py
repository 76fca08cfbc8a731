"""Cross-lingual POS tagging: a probe on frozen encoder word representations, as in the paper.

The encoder of a checkpoint is frozen; every word of a sentence is tokenised on its own (what
``is_split_into_words=True`` does: SentencePiece marks each word as word-initial), the subword vectors of
the encoder's last hidden state are pooled per word (mean, or the first subword), and a probe (linear, or
an MLP with one hidden layer) is trained on an HR treebank's words and tested on an LR treebank.
Accuracy and support-weighted F1 are computed here (no sklearn).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from xlt.contracts.downstream import ScoreRow, append_results, cached_scores
from xlt.downstream.checkpoints import ModelRef
from xlt.downstream.treebanks import UPOS_TAGS, TaggedSentence, Treebank, load_treebank
from xlt.errors import InputError
from xlt.progress import NullReporter, Reporter
from xlt.workspace import Workspace

Probe = Literal["linear", "mlp"]
Pooling = Literal["mean", "first"]


@dataclass
class POSOptions:
    """Probe and encoding options.

    Defaults: Adam at 1e-3 for 10 epochs of 256-word batches over standardised features (~1,600 updates for
    the ~40k words of a UD-sized train split; tiny treebanks need more epochs); 256 hidden units for the
    MLP; sentences cut at 256 subwords (words beyond are not scored, see `dropped_words`).
    Linear is the default probe: it measures what the encoder makes linearly decodable, which is what a
    comparison of checkpoints should show; an MLP also learns from a random encoder (~0.7 accuracy on the
    Turkish slice with a random tiny model vs ~0.47 linear), so it blurs the difference between checkpoints.
    """

    probe: Probe = "linear"
    pooling: Pooling = "mean"
    epochs: int = 10
    lr: float = 1e-3
    batch_size: int = 256
    hidden: int = 256
    max_length: int = 256
    encode_batch: int = 32
    max_train_sentences: int | None = None
    max_test_sentences: int | None = None
    seed: int = 0
    force: bool = False


@dataclass
class POSResult:
    """Scores of one model's probe on the test treebank."""

    ref: ModelRef
    model: str
    train_lang: str
    test_lang: str
    data: str
    accuracy: float
    f1: float
    n: int
    n_train: int = 0
    dropped_words: int = 0
    seconds: float = 0.0
    cached: bool = False


def weighted_f1(gold: list[int], pred: list[int]) -> float:
    """Per-class F1 averaged with weights equal to each gold class's support (sklearn's "weighted")."""
    from collections import Counter

    if not gold:
        return 0.0
    support = Counter(gold)
    predicted = Counter(pred)
    correct = Counter(g for g, p in zip(gold, pred, strict=True) if g == p)
    total = 0.0
    for label, n_gold in support.items():
        tp = correct[label]
        precision = tp / predicted[label] if predicted[label] else 0.0
        recall = tp / n_gold
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        total += f1 * n_gold
    return total / len(gold)


def accuracy(gold: list[int], pred: list[int]) -> float:
    """Share of words whose predicted tag is the gold tag."""
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold) if gold else 0.0


def encode_words(
    model: Any,
    tokenizer: Any,
    sentences: list[TaggedSentence],
    *,
    pooling: Pooling = "mean",
    max_length: int = 256,
    batch_size: int = 32,
    on_batch: Any = None,
) -> tuple[Any, list[int], int]:
    """(word vectors [n_words, d_model], UPOS label ids, words dropped by truncation) of the sentences."""
    import torch

    tag_id = {tag: i for i, tag in enumerate(UPOS_TAGS)}
    encoder = model.get_encoder()
    encoder.eval()
    device = next(encoder.parameters()).device
    unk = tokenizer.unk_token_id
    features: list[Any] = []
    labels: list[int] = []
    dropped = 0
    for start in range(0, len(sentences), batch_size):
        chunk = sentences[start : start + batch_size]
        rows: list[list[int]] = []
        word_index: list[list[int]] = []  # per token: index of its word in this batch's word list, or -1
        n_words = 0
        for sentence in chunk:
            pieces = tokenizer(list(sentence.words), add_special_tokens=False)["input_ids"]
            ids: list[int] = []
            owners: list[int] = []
            for word_pieces, tag in zip(pieces, sentence.tags, strict=True):
                word_pieces = word_pieces or [unk]
                if len(ids) + len(word_pieces) > max_length - 1:  # keep room for </s>
                    dropped += 1
                    continue
                ids.extend(word_pieces)
                owners.extend([n_words] * len(word_pieces))
                labels.append(tag_id[tag])
                n_words += 1
            rows.append([*ids, tokenizer.eos_token_id])
            word_index.append([*owners, -1])
        width = max(len(r) for r in rows)
        input_ids = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        owner = torch.full((len(rows), width), -1, dtype=torch.long)
        for i, (r, w) in enumerate(zip(rows, word_index, strict=True)):
            input_ids[i, : len(r)] = torch.tensor(r)
            mask[i, : len(r)] = 1
            owner[i, : len(w)] = torch.tensor(w)
        with torch.inference_mode():
            hidden = encoder(input_ids=input_ids.to(device), attention_mask=mask.to(device)).last_hidden_state
        hidden = hidden.float().reshape(-1, hidden.shape[-1]).cpu()
        flat_owner = owner.reshape(-1)
        keep = flat_owner >= 0
        if pooling == "first":
            # the first token of each word is where the owner changes
            previous = torch.cat([torch.tensor([-1]), flat_owner[:-1]])
            keep = keep & (flat_owner != previous)
        sums = torch.zeros((n_words, hidden.shape[-1]))
        sums.index_add_(0, flat_owner[keep], hidden[keep])
        counts = torch.bincount(flat_owner[keep], minlength=n_words).clamp(min=1).unsqueeze(1)
        features.append(sums / counts)
        if on_batch:
            on_batch(len(chunk))
    return torch.cat(features) if features else torch.zeros((0, 0)), labels, dropped


def train_probe(features: Any, labels: list[int], options: POSOptions) -> Any:
    """A linear or MLP probe trained with Adam + cross-entropy on (frozen) word vectors."""
    import torch

    torch.manual_seed(options.seed)
    dim, n_tags = features.shape[1], len(UPOS_TAGS)
    probe: torch.nn.Module
    if options.probe == "mlp":
        probe = torch.nn.Sequential(
            torch.nn.Linear(dim, options.hidden), torch.nn.ReLU(), torch.nn.Linear(options.hidden, n_tags)
        )
    else:
        probe = torch.nn.Linear(dim, n_tags)
    # Standardise with the training words' statistics: encoder outputs of different checkpoints differ
    # in scale, and the probe's step size should not depend on it.
    mean, std = features.mean(0), features.std(0).clamp(min=1e-6)
    optimizer = torch.optim.Adam(probe.parameters(), lr=options.lr)
    x, y = (features - mean) / std, torch.tensor(labels)
    generator = torch.Generator().manual_seed(options.seed)
    for _ in range(options.epochs):
        for idx in torch.randperm(len(y), generator=generator).split(options.batch_size):
            loss = torch.nn.functional.cross_entropy(probe(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    probe.eval()

    def predict(test_features: Any) -> list[int]:
        with torch.inference_mode():
            return probe((test_features - mean) / std).argmax(-1).tolist()

    return predict


def score_model(
    workspace: Workspace,
    ref: ModelRef,
    train: Treebank,
    test: Treebank,
    options: POSOptions,
    reporter: Reporter | None = None,
) -> POSResult:
    """Encode both treebanks with one frozen model, train the probe on `train`, score it on `test`."""
    reporter = reporter or NullReporter()
    src, tgt = train.language.iso3, test.language.iso3
    data_label = f"{train.spec}->{test.spec}"
    if not options.force:
        cached = cached_scores(workspace, "pos", ref.run_id, ref.checkpoint, src, tgt)
        if {"accuracy", "f1_weighted"} <= set(cached):
            acc, f1 = cached["accuracy"], cached["f1_weighted"]
            return POSResult(
                ref, acc["model"], src, tgt, acc["data"], acc["score"], f1["score"], acc["n"], cached=True
            )
    from xlt.modeling.loading import load_model

    started = time.perf_counter()
    loaded = load_model(ref.spec, workspace, seed=options.seed)
    train_sents = train.sentences[: options.max_train_sentences]
    test_sents = test.sentences[: options.max_test_sentences]
    kwargs: dict[str, Any] = {
        "pooling": options.pooling,
        "max_length": options.max_length,
        "batch_size": options.encode_batch,
    }
    task = f"encode {ref.name}"
    reporter.start(task, total=len(train_sents) + len(test_sents))

    def advance(n: int) -> None:
        reporter.advance(task, n)

    try:
        x_train, y_train, dropped_train = encode_words(
            loaded.model, loaded.tokenizer, train_sents, on_batch=advance, **kwargs
        )
        x_test, y_test, dropped_test = encode_words(
            loaded.model, loaded.tokenizer, test_sents, on_batch=advance, **kwargs
        )
    finally:
        reporter.finish(task)
    if not y_train or not y_test:
        raise InputError(f"no words to {'train on' if not y_train else 'test on'} in {data_label}")
    predict = train_probe(x_train, y_train, options)
    predicted = predict(x_test)
    result = POSResult(
        ref=ref,
        model=loaded.label,
        train_lang=src,
        test_lang=tgt,
        data=data_label,
        accuracy=accuracy(y_test, predicted),
        f1=weighted_f1(y_test, predicted),
        n=len(y_test),
        n_train=len(y_train),
        dropped_words=dropped_train + dropped_test,
        seconds=time.perf_counter() - started,
    )
    common: dict[str, Any] = {
        "task": "pos",
        "run_id": ref.run_id,
        "checkpoint": ref.checkpoint,
        "src_lang": src,
        "tgt_lang": tgt,
        "signature": None,
        "n": result.n,
        "model": result.model,
        "seed": options.seed,
        "data": data_label,
    }
    append_results(
        workspace,
        [
            ScoreRow(metric="accuracy", score=result.accuracy, **common),
            ScoreRow(metric="f1_weighted", score=result.f1, **common),
        ],
    )
    return result


def compare_pos(
    workspace: Workspace,
    refs: list[ModelRef],
    train_spec: str,
    test_spec: str,
    options: POSOptions | None = None,
    *,
    train_lang: str | None = None,
    test_lang: str | None = None,
    legacy_tags: bool = False,
    reporter: Reporter | None = None,
) -> list[POSResult]:
    """Probe several models on the same treebanks (read once)."""
    options = options or POSOptions()
    train = load_treebank(train_spec, "train", language=train_lang, legacy_tags=legacy_tags)
    test = load_treebank(test_spec, "test", language=test_lang, legacy_tags=legacy_tags)
    return [score_model(workspace, ref, train, test, options, reporter) for ref in refs]


def run_pos(
    workspace: Workspace,
    model_spec: str,
    train_spec: str,
    test_spec: str,
    options: POSOptions | None = None,
    **kwargs: Any,
) -> POSResult:
    """Train a POS probe on `train_spec` with `model_spec`'s frozen encoder and score it on `test_spec`."""
    from xlt.downstream.checkpoints import identify

    refs = [identify(model_spec, workspace)]
    return compare_pos(workspace, refs, train_spec, test_spec, options, **kwargs)[0]
