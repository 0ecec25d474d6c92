"""Figs 13/14/16/17: weak, w2s baseline, w2s ensemble and oracle accuracy per pair, one run."""

import pandas as pd

from ensemw2s import generation_report as report
from ensemw2s.plots import grouped_bars
from ensemw2s.runtime import job

with job(snakemake.log[0]):  # noqa: F821
    wc = snakemake.wildcards  # noqa: F821
    per_seed = report.per_seed_summary(pd.read_csv(snakemake.input[0]))  # noqa: F821
    frame = report.bars_frame(per_seed, snakemake.params.report_seed)  # noqa: F821
    grouped_bars(frame, x="pair", y="accuracy", hue="model", panel="measure", path=snakemake.output[0],  # noqa: F821
                 title=f"{wc.dataset} ({wc.split} split), seed {snakemake.params.report_seed}", ylabel="test accuracy")  # noqa: F821
