"""Histogram of a dataset's difficulty ratings (paper Figs 7-9)."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s.plots import difficulty_histogram
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive
p = job_settings(snakemake)

with job(snakemake.log[0]):
    table = pd.read_csv(snakemake.input[0], dtype={"id": str})
    difficulty_histogram(table["difficulty"], snakemake.wildcards.dataset, snakemake.output[0], bins=p.bins, rater=p.rater)
