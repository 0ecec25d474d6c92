"""Figs 13/14/16/17: weak, w2s baseline, w2s ensemble and oracle accuracy per pair, one run."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import report
from ensemw2s.labels import label
from ensemw2s.plots import bar_panels
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive
p = job_settings(snakemake)

with job(snakemake.log[0]):
    wc = snakemake.wildcards
    per_seed = report.one_run_summary(pd.read_csv(snakemake.input[0]), p.report_seed, report.GENERATION)  # the run's own best round
    bar_panels(
        report.bars_frame(per_seed, p.report_seed),
        x="pair",
        y="accuracy",
        hue="model",
        panel="measure",
        path=snakemake.output[0],
        title=f"{wc.dataset} ({label(wc.split)} split), one run (seed {p.report_seed})",
        ylabel="test accuracy",
        top=1.0,
    )
