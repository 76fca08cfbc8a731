"""Downstream tasks: does high-resource pretraining help low-resource languages on real tasks?

* :mod:`xlt.downstream.compare`   MT: score the base model, runs' checkpoints and two trivial baselines on
  one split, with paired bootstrap significance and a verdict in words
* :mod:`xlt.downstream.mt`        MT options and one system: fine-tune, translate, store
* :mod:`xlt.downstream.finetune`  MT fine-tuning with pretraining's schedule, optimizer and precision
* :mod:`xlt.downstream.generation` decoding with repetition and length guards
* :mod:`xlt.downstream.scores`    sacrebleu BLEU/chrF++, the copy and most-frequent baselines, PairedTest
* :mod:`xlt.downstream.results`   one system's scores from its translations
* :mod:`xlt.downstream.pos`       cross-lingual POS tagging: a probe on frozen encoder word representations
* :mod:`xlt.downstream.parallel`, :mod:`~xlt.downstream.readers` parallel corpora (elotl, files, the hub)
* :mod:`xlt.downstream.treebanks` UD treebanks
* :mod:`xlt.downstream.checkpoints` which models to compare (--model, --run, --checkpoints) and their names
* ``results/downstream.parquet`` and ``results/mt_outputs.parquet`` are written through
  :mod:`xlt.contracts.downstream`

Light at import time: torch, transformers and datasets are imported inside the functions that need them.
"""

from __future__ import annotations
