"""How long a block is before and after T5 span corruption, and how many noise tokens and spans it holds.

The formulas are T5's (`t5.data.preprocessors`: ``random_spans_noise_mask``,
``compute_input_and_target_lengths``); see the package docstring of :mod:`xlt.spans`.
"""

from __future__ import annotations

from xlt.errors import UsageError

LABEL_PAD_ID = -100  # ignored by torch.nn.CrossEntropyLoss (and by transformers' T5 loss)
SENTINEL_TOKEN = "<extra_id_0>"
NUM_SENTINELS = 100  # T5 and mT5 vocabularies end with <extra_id_0> ... <extra_id_99>

# T5's defaults, chosen by its corruption-rate and span-length ablations (Raffel et al. 2020, section 3.3):
# 15 % of the tokens, in spans of mean length 3.
DEFAULT_NOISE_DENSITY = 0.15
DEFAULT_MEAN_NOISE_SPAN_LENGTH = 3.0


def noise_counts(
    length: int,
    noise_density: float = DEFAULT_NOISE_DENSITY,
    mean_noise_span_length: float = DEFAULT_MEAN_NOISE_SPAN_LENGTH,
) -> tuple[int, int]:
    """(number of noise tokens, number of noise spans) in a block of `length` tokens.

    As in T5's ``random_spans_noise_mask``: ``round(length * density)`` noise tokens, kept between 1 and
    ``length - 1`` so that both kinds exist, in ``round(noise / mean_span)`` spans, at least one. Python's
    ``round`` rounds half to even, like ``tf.round`` in T5 and ``np.round`` in the HF collator. The span
    count is also capped by the number of noise and of kept tokens (each span needs one token of each).
    """
    if length < 2:
        raise ValueError(f"span corruption needs at least 2 tokens, got length={length}")
    if not 0.0 < noise_density < 1.0:
        raise ValueError(f"noise_density must be in (0, 1), got {noise_density}")
    if mean_noise_span_length < 1.0:
        raise ValueError(f"mean_noise_span_length must be >= 1, got {mean_noise_span_length}")
    num_noise_tokens = min(max(round(length * noise_density), 1), length - 1)
    num_noise_spans = max(round(num_noise_tokens / mean_noise_span_length), 1)
    num_noise_spans = min(num_noise_spans, num_noise_tokens, length - num_noise_tokens)
    return num_noise_tokens, num_noise_spans


def _output_lengths(raw_length: int, noise_density: float, mean_noise_span_length: float) -> tuple[int, int]:
    """(inputs length, targets length) after corrupting `raw_length` tokens, EOS included."""
    num_noise, num_spans = noise_counts(raw_length, noise_density, mean_noise_span_length)
    # inputs: kept tokens + one sentinel per span + EOS; targets: noise tokens + one sentinel per span + EOS
    return raw_length - num_noise + num_spans + 1, num_noise + num_spans + 1


def compute_lengths(
    inputs_length: int = 256,
    noise_density: float = DEFAULT_NOISE_DENSITY,
    mean_noise_span_length: float = DEFAULT_MEAN_NOISE_SPAN_LENGTH,
) -> tuple[int, int]:
    """(raw tokens per block, targets length) so that corrupted inputs are exactly `inputs_length` long.

    T5's ``compute_input_and_target_lengths`` (t5.data.preprocessors; the HF run_t5_mlm_flax example):
    grow the raw length while the corrupted input still fits in `inputs_length`. 256 gives (284, 58)
    and 512 gives (568, 114). The raw length counts no EOS: the formula appends one to both sides.
    """
    if inputs_length < 3:
        raise ValueError(f"inputs_length must be at least 3, got {inputs_length}")
    # T5 starts the search at inputs_length; one lower also covers mean span 1, where a raw block corrupts
    # to raw + 1 tokens (the corrupted length never exceeds raw + 1, so nothing lower can fit better).
    tokens_length = inputs_length - 1
    while _output_lengths(tokens_length + 1, noise_density, mean_noise_span_length)[0] <= inputs_length:
        tokens_length += 1
    corrupted_length, targets_length = _output_lengths(tokens_length, noise_density, mean_noise_span_length)
    if corrupted_length > inputs_length:
        raise ValueError(
            f"no raw length corrupts into {inputs_length} input tokens with noise density {noise_density} "
            f"and mean span {mean_noise_span_length}: raise inputs_length"
        )
    # T5's "minor hack": at density 0.5 make the targets no longer than the inputs (a round number).
    if noise_density == 0.5 and targets_length > inputs_length:
        tokens_length -= 1
        targets_length -= 1
    return tokens_length, targets_length


def check_sentinels(inputs_length: int, noise_density: float, mean_noise_span_length: float) -> None:
    """Refuse settings whose blocks need more noise spans than a T5 vocabulary has sentinels.

    Each noise span is replaced by its own sentinel (``<extra_id_0>`` … ``<extra_id_99>``), so a block may
    hold at most NUM_SENTINELS spans; the message names the longest input length that fits.
    """

    def spans(length: int) -> int:
        raw_length = compute_lengths(length, noise_density, mean_noise_span_length)[0]
        return noise_counts(raw_length, noise_density, mean_noise_span_length)[1]

    num_spans = spans(inputs_length)
    if num_spans <= NUM_SENTINELS:
        return
    low, high = 3, inputs_length  # spans(low) fits, spans(high) does not: the count grows with the length
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if spans(middle) <= NUM_SENTINELS else (low, middle)
    longest = low
    raise UsageError(
        f"input length {inputs_length}: {num_spans} noise spans per block need more than the "
        f"{NUM_SENTINELS} sentinels of a T5 vocabulary",
        f"use --input-length {longest} or less, or a longer mean noise span",
    )
