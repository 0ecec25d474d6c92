"""Paper Figure 2: baseline vs ensemble transfer per pair and split; accuracy and PGR lines."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import classification
from ensemw2s.plots import pgr_figure
from ensemw2s.runtime import job

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = snakemake.params
with job(snakemake.log[0]) as log:
    summaries = []
    for split, path in zip(p.splits, snakemake.input, strict=True):
        summaries.append(classification.figure_summary(pd.read_csv(path), split, p.round))
    summary = pd.concat(summaries, ignore_index=True)
    pgr_figure(summary, snakemake.output[0], p.title)
    log.info("figure of %d (split, pair) rows, ensemble at the %s round", len(summary), p.round)
