"""Merge the per-fold ratings into results/difficulty/{dataset}.csv (every item exactly once), with
a summary (spread; Spearman ρ against a constructed difficulty where the dataset has one)."""

import pandas as pd

from ensemw2s.difficulty import merge_folds, rating_summary
from ensemw2s.files import atomic_path, read_jsonl, write_json
from ensemw2s.runtime import job

with job(snakemake.log[0]) as log:  # noqa: F821
    records = read_jsonl(snakemake.input.data)  # noqa: F821
    table = merge_folds([pd.read_csv(path, dtype={"id": str}) for path in snakemake.input.folds], [r["id"] for r in records])  # noqa: F821
    with atomic_path(snakemake.output.table) as tmp:  # noqa: F821
        table.to_csv(tmp, index=False, float_format="%.6f")
    summary = rating_summary(table, records)
    write_json(snakemake.output.summary, summary)  # noqa: F821
    log.info("%d ratings: %s", len(table), summary)
