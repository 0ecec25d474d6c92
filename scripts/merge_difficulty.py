"""Merge the per-fold ratings into results/difficulty/{dataset}.csv (every item exactly once), with
a summary (spread; Spearman ρ against a constructed difficulty where the dataset has one)."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s.difficulty import merge_folds, rating_summary
from ensemw2s.files import atomic_path, read_jsonl, write_json
from ensemw2s.runtime import job

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

with job(snakemake.log[0]) as log:
    records = read_jsonl(snakemake.input.data)
    table = merge_folds([pd.read_csv(path, dtype={"id": str}) for path in snakemake.input.folds], [r["id"] for r in records])
    with atomic_path(snakemake.output.table) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6f")
    summary = rating_summary(table, records)
    write_json(snakemake.output.summary, summary)
    log.info("%d ratings: %s", len(table), summary)
