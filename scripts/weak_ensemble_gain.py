"""Figure 3: token error of the single weak model vs the combined T-round weak ensemble."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import generation_report as report
from ensemw2s.plots import grouped_bars
from ensemw2s.runtime import job

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = snakemake.params
with job(snakemake.log[0]):
    paths = iter(snakemake.input)  # expand order: dataset-major, then split
    frames = []
    for dataset in p.datasets:
        frames.append(report.weak_gain_frame({split: pd.read_csv(next(paths)) for split in p.splits}, dataset))
    frame = pd.concat(frames)
    frame["group"] = frame["dataset"] + " / " + frame["split"] + "\n" + frame["weak"]
    grouped_bars(
        frame,
        x="group",
        y="token_error",
        hue="model",
        panel=None,
        path=snakemake.output[0],
        title="Weak model: single expert vs boosted ensemble (test token error)",
        ylabel="token error",
        error="token_error_sem",
    )
