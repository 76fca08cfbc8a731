"""Models and tokenizers, one module per idea.

* :mod:`~xlt.modeling.spec`        what a model spec names (`auto`, `base`, `tiny`, `small`, a dir, a hub id)
* :mod:`~xlt.modeling.tokenizers`  the workspace's SentencePiece tokenizer with T5's layout and sentinels
* :mod:`~xlt.modeling.mixing`      temperature sampling of languages (mT5's p(l) ∝ n_l ** 0.3)
* :mod:`~xlt.modeling.build`       fresh tiny/small mT5: configs, mT5's initialisation, the fused GELU
* :mod:`~xlt.modeling.loading`     load any spec with its tokenizer and label (`load_model`)
* :mod:`~xlt.modeling.checkpoints` the saved-model folder: safetensors only, atomic saves, a run's list
* :mod:`~xlt.modeling.labels`      the results' `model` column and run-id forms of a label
* :mod:`~xlt.modeling.precision`   bf16 or fp32: one decision for training, fine-tuning and evaluation
* :mod:`~xlt.modeling.loss`        the chunked fp32 token cross-entropy sum

Import from the module that owns a name (`from xlt.modeling.loading import load_model`); this package
re-exports nothing, so importing it stays light.
"""
