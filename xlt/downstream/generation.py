"""Decoding for MT: ``model.generate()`` with guards against the loops a small model falls into.

A barely trained seq2seq model repeats itself ("Auh yn auh yn auh yn …", the demo's output before these
guards) until the length cap, which costs BLEU through the brevity penalty's opposite: long junk. Three
standard guards, each a `generate()` setting (https://huggingface.co/docs/transformers/main_classes/
text_generation):

* ``no_repeat_ngram_size``: no n-gram of output tokens twice (Paulus et al. 2018 used trigrams);
* ``repetition_penalty``: logits of tokens already generated are divided by it (Keskar et al. 2019, 1.2);
* a length limit relative to the source: output i ends (EOS is forced) after ``ratio × |source i|``
  tokens plus a few, so one runaway sentence cannot grow to the global cap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xlt.errors import UsageError

# Tokens allowed on top of ratio × source length: very short sources ("1447.") still get a translation.
LENGTH_SLACK = 4


@dataclass(frozen=True)
class DecodeOptions:
    """How test sentences are translated (the CLI's --beams, --no-repeat-ngram, ... options)."""

    beams: int = 1
    # 3: a trigram may not repeat. Nahuatl repeats words ("in", "yn") but rarely three-token sequences.
    no_repeat_ngram: int = 3
    # 1.2, the value Keskar et al. (2019) found to curb repetition without garbling the output.
    repetition_penalty: float = 1.2
    # Target tokens per source token: elotl's Nahuatl has fewer, longer words than its Spanish (20.5 vs
    # 25.7 words per sentence on spa-nci); 1.5 leaves room for subword splits without runaway loops.
    max_length_ratio: float = 1.5
    max_new_tokens: int = 128  # absolute cap per sentence

    def check(self) -> None:
        """Reject settings that `generate()` would misread, with the fix."""
        if self.beams < 1:
            raise UsageError("--beams must be at least 1", "1 is greedy search")
        if self.no_repeat_ngram < 0:
            raise UsageError("--no-repeat-ngram must be 0 (off) or more", "e.g. --no-repeat-ngram 3")
        if self.repetition_penalty < 1.0:
            raise UsageError("--repetition-penalty below 1 rewards repetition", "use 1 (off) or more")
        if self.max_length_ratio <= 0 or self.max_new_tokens < 1:
            raise UsageError("--max-length-ratio and --max-new-tokens must be positive")

    def limit(self, source_tokens: int) -> int:
        """The most tokens the translation of a source of `source_tokens` tokens may have."""
        return min(self.max_new_tokens, math.ceil(self.max_length_ratio * source_tokens) + LENGTH_SLACK)


def _length_limit_processor(limits: list[int], beams: int, eos_id: int) -> Any:
    """A logits processor that forces EOS in row i once it has `limits[i]` tokens (beams repeat rows)."""
    import torch
    from transformers import LogitsProcessor

    per_row = torch.tensor(limits).repeat_interleave(beams)

    class SourceLengthLimit(LogitsProcessor):
        def __call__(self, input_ids: torch.LongTensor, scores: torch.Tensor) -> torch.Tensor:
            # input_ids holds the decoder start token plus the tokens generated so far
            done = (input_ids.shape[1] - 1) >= per_row.to(scores.device)
            if done.any():
                scores[done] = torch.finfo(scores.dtype).min
                scores[done, eos_id] = 0.0
            return scores

    return SourceLengthLimit()


def translate(
    model: Any,
    tokenizer: Any,
    sources: list[str],
    decode: DecodeOptions,
    *,
    max_length: int = 128,
    batch_size: int = 32,
    prefix: str = "",
    on_batch: Callable[[int], None] | None = None,
) -> list[str]:
    """Translations of `sources` in order (greedy, or beam search with ``decode.beams`` > 1)."""
    import torch
    from transformers import LogitsProcessorList

    device = next(model.parameters()).device
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))  # similar lengths batch together
    out: list[str] = [""] * len(sources)
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            enc = tokenizer(
                [prefix + sources[i] for i in idx],
                max_length=max_length,
                truncation=True,
                padding=True,
                return_tensors="pt",
            ).to(device)
            limits = [decode.limit(int(n)) for n in enc["attention_mask"].sum(dim=1).tolist()]
            generated = model.generate(
                **enc,
                max_new_tokens=max(limits),
                num_beams=decode.beams,
                do_sample=False,
                early_stopping=decode.beams > 1,
                no_repeat_ngram_size=decode.no_repeat_ngram or None,
                repetition_penalty=decode.repetition_penalty if decode.repetition_penalty != 1.0 else None,
                logits_processor=LogitsProcessorList(
                    [_length_limit_processor(limits, decode.beams, tokenizer.eos_token_id)]
                ),
            )
            for i, text in zip(idx, tokenizer.batch_decode(generated, skip_special_tokens=True), strict=True):
                out[i] = text.strip()
            if on_batch:
                on_batch(len(idx))
    model.train(was_training)
    return out
