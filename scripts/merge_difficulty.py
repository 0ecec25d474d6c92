"""Merge the per-fold ratings into results/difficulty/{dataset}.csv (every item exactly once)."""

import pandas as pd

from ensemw2s.difficulty import merge_folds
from ensemw2s.files import atomic_path, read_jsonl
from ensemw2s.runtime import job

with job(snakemake.log[0]) as log:  # noqa: F821
    ids = [r["id"] for r in read_jsonl(snakemake.input.data)]  # noqa: F821
    table = merge_folds([pd.read_csv(path, dtype={"id": str}) for path in snakemake.input.folds], ids)  # noqa: F821
    with atomic_path(snakemake.output[0]) as tmp:  # noqa: F821
        table.to_csv(tmp, index=False, float_format="%.6f")
    log.info("%d ratings: %s", len(table), table["difficulty"].describe().to_dict())
