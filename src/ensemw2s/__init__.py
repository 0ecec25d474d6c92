"""EnsemW2S: weak-to-strong generalization with AdaBoost-style ensembles of small LLMs.

One module per concern: ``files`` (atomic I/O), ``data`` (dataset normalisation),
``text`` (prompt formatting and tokenisation), ``models`` (registry, tiny models,
tokenizers), ``train`` (fine-tuning), ``evaluate`` (accuracies), ``difficulty``
(k-fold ratings), ``splits`` (random / easy-hard), ``plots``.
"""

__version__ = "0.1.0"
