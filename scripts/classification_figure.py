"""Paper Figure 2: baseline vs ensemble transfer per pair and split; accuracy and PGR lines."""

import pandas as pd

from ensemw2s import classification
from ensemw2s.plots import pgr_figure
from ensemw2s.runtime import job

p = snakemake.params  # noqa: F821
with job(snakemake.log[0]) as log:  # noqa: F821
    summaries = []
    for split, path in zip(p.splits, snakemake.input, strict=True):  # noqa: F821
        summaries.append(classification.figure_summary(pd.read_csv(path), split, p.round))
    summary = pd.concat(summaries, ignore_index=True)
    pgr_figure(summary, snakemake.output[0], p.title)  # noqa: F821
    log.info("figure of %d (split, pair) rows, ensemble at the %s round", len(summary), p.round)
