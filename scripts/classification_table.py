"""Paper Tables 1 (random split) and 2 (easy-hard): per pair, and per pair and round."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import report
from ensemw2s.runtime import job
from ensemw2s.tables import write_table

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = snakemake.params
with job(snakemake.log[0]) as log:
    measures = report.CLASSIFICATION
    tidy = pd.read_csv(snakemake.input[0])
    aggregated = report.aggregate_seeds(report.per_seed_summary(tidy, measures), ["weak", "strong", "selection"])
    rounds = report.aggregate_rounds(tidy, measures, p.models)
    pairs = report.classification_pairs(aggregated, rounds, p.models, measures)
    stem, rounds_stem = (str(path).removesuffix(".csv") for path in (snakemake.output[0], snakemake.output[3]))
    write_table(pairs, stem, p.caption, report.classification_table(pairs, measures))
    write_table(rounds, rounds_stem, p.caption + " Per boosting round T.", report.rounds_table(rounds, measures))
    log.info("%d pairs, %d rows by round, %d seeds", len(pairs), len(rounds), tidy["seed"].nunique())
