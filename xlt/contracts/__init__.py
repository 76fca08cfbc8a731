"""The workspace's file contracts: one module per file family, the only code that opens those files.

* :mod:`~xlt.contracts.languages` — ``corpus/languages.parquet`` (tiers, which languages have a corpus)
* :mod:`~xlt.contracts.runs` — ``runs/<id>/config.json``, ``checkpoints/step-N/`` and the base model's run
  (``models/base-run/``); the events of a run are :mod:`xlt.events`
* :mod:`~xlt.contracts.perplexity` — ``results/perplexity.parquet`` and its settings
* :mod:`~xlt.contracts.views` — what every stage derives from the results, defined once: zero-shot, gain,
  the checkpoint × LR and HR × LR matrices, best and final checkpoints
* :mod:`~xlt.contracts.baselines` — ``results/baselines.parquet`` and its settings
* :mod:`~xlt.contracts.downstream` — ``results/downstream.parquet`` and ``results/mt_outputs.parquet``

Light on purpose (json, polars; never torch): the TUI and `xlt analyze` import these. Column tables of
each file are in ARCHITECTURE.md and in each module's docstring.
"""
