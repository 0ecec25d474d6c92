"""Histogram of a dataset's difficulty ratings (paper Figs 7-9)."""

import pandas as pd

from ensemw2s.plots import difficulty_histogram
from ensemw2s.runtime import job

with job(snakemake.log[0]):  # noqa: F821
    table = pd.read_csv(snakemake.input[0], dtype={"id": str})  # noqa: F821
    difficulty_histogram(table["difficulty"], snakemake.wildcards.dataset, snakemake.output[0], snakemake.params.bins, snakemake.params.rater)  # noqa: F821
