"""Downstream tasks: does high-resource pretraining help low-resource languages on real tasks?

* :mod:`xlt.downstream.mt`   fine-tune a checkpoint on parallel data, translate, score with sacrebleu
* :mod:`xlt.downstream.pos`  cross-lingual POS tagging: a probe on frozen encoder word representations
* :mod:`xlt.downstream.data` parallel corpora (elotl, files, `datasets`, the hub) and UD treebanks
* ``results/downstream.parquet`` is written through :mod:`xlt.contracts.downstream`
* :mod:`xlt.downstream.checkpoints` which models to compare and their (run_id, checkpoint) names

Light at import time: torch, transformers and datasets are imported inside the functions that need them.
"""

from __future__ import annotations
