"""The baselines figure, from the baselines table."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s.baselines import METHOD_LABELS
from ensemw2s.labels import LABELS
from ensemw2s.plots import baselines_figure
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

with job(snakemake.log[0]):
    baselines_figure(pd.read_csv(snakemake.input[0]), snakemake.output[0], title=job_settings(snakemake).title, labels=LABELS | METHOD_LABELS)
