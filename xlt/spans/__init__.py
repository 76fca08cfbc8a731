"""T5 span corruption, vectorised over the batch and seedable.

This is the pre-training objective of T5 and mT5 (Raffel et al. 2020, "Exploring the limits of transfer
learning", section 3.3; defaults as in `t5.data.preprocessors.span_corruption`):

* a fraction ``noise_density`` of the tokens of a block is masked, in ``round(noise / mean_span)`` spans
  that alternate with as many spans of kept tokens (the sequence starts with kept tokens);
* ``input_ids`` are the kept tokens, each noise span replaced by one sentinel, then EOS;
* ``labels`` are, for each noise span, its sentinel followed by its tokens, then EOS.

Sentinels count down from ``<extra_id_0>``, the highest id of a T5/mT5 vocabulary: span k (0-based)
gets ``sentinel_start_id - k``, exactly as Hugging Face's ``DataCollatorForT5MLM``
(examples/flax/language-modeling/run_t5_mlm_flax.py) computes ``len(tokenizer) - (k + 1)``.

Input contract: ``SpanCorruption.__call__`` takes raw blocks of exactly ``raw_length`` token ids that
contain no trailing EOS (documents inside a block are separated by EOS, as in T5's packed pretraining
data); the formula of :func:`compute_lengths` already counts the EOS that is appended to both the inputs
and the targets, so the outputs are exactly ``inputs_length`` and ``targets_length`` long (in a few
extreme settings, e.g. density 0.5 with mean span 1, no raw length fits exactly and rows are padded).

Unlike the per-row loop of the reference collator, everything is built for the whole batch at once:
span lengths come from one random-key partition per segmentation, and inputs and labels are gathered
from the blocks with indices run-length decoded from those lengths (``benchmarks/bench_collator.py``
measures the difference). :meth:`SpanCorruption.corrupt` applies an explicit boolean mask instead.
"""

from xlt.spans.corruption import SpanCorruption, sentinel_start, to_torch
from xlt.spans.lengths import (
    DEFAULT_MEAN_NOISE_SPAN_LENGTH,
    DEFAULT_NOISE_DENSITY,
    LABEL_PAD_ID,
    NUM_SENTINELS,
    SENTINEL_TOKEN,
    check_sentinels,
    compute_lengths,
    noise_counts,
)
from xlt.spans.masks import noise_mask, span_lengths

__all__ = [
    "DEFAULT_MEAN_NOISE_SPAN_LENGTH", "DEFAULT_NOISE_DENSITY", "LABEL_PAD_ID", "NUM_SENTINELS",
    "SENTINEL_TOKEN", "SpanCorruption", "check_sentinels", "compute_lengths", "noise_counts", "noise_mask",
    "sentinel_start", "span_lengths", "to_torch",
]  # fmt: skip
