"""Paper Tables 1 (random split) and 2 (easy-hard): per pair, and per pair and round."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import report
from ensemw2s.runtime import job, job_settings
from ensemw2s.tables import write_table

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0]) as log:
    tidy = pd.read_csv(snakemake.input.metrics)
    intervals = pd.read_csv(snakemake.input.intervals, dtype={"seed": str})
    tables = report.classification_tables(tidy, p.models, intervals=intervals)
    for (numbers, display), path, caption in zip(
        tables.values(), (snakemake.output.pairs[0], snakemake.output.rounds[0]), (p.caption, p.caption + " Per boosting round T."), strict=True
    ):
        write_table(numbers, str(path).removesuffix(".csv"), caption, display=display)
    log.info("%d pairs, %d rows by round, %d seeds", len(tables["pairs"][0]), len(tables["rounds"][0]), tidy["seed"].nunique())
