"""Figure 3: token error of the single weak model vs the combined T-round weak ensemble."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import report
from ensemw2s.labels import label
from ensemw2s.plots import bar_panels
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0]):
    tidy = pd.concat([pd.read_csv(path) for path in snakemake.input], ignore_index=True)  # rows name their (dataset, split)
    frame = pd.concat([report.weak_gain_frame(tidy, dataset, p.splits) for dataset in p.datasets], ignore_index=True)
    frame["split"] = frame["split"].map(lambda split: f"{label(split)} split")
    bar_panels(
        frame,
        x="weak",
        y="token_error",
        hue="model",
        panel="dataset",
        rows="split",
        path=snakemake.output[0],
        title="Weak model: single expert vs boosted ensemble (test token error, lower is better)",
        ylabel=label("token_error"),
    )
