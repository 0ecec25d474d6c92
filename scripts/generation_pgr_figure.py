"""Figure 4 (QuaRTz) / 15 (ARC): baseline vs ensemble transfer per pair, accuracy and PGR lines."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import generation_report as report
from ensemw2s.plots import pgr_figure
from ensemw2s.runtime import job

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = snakemake.params
with job(snakemake.log[0]):
    frames = []
    for split in ("random", "easyhard"):
        frame = report.per_seed_summary(pd.read_csv(getattr(snakemake.input, split)), p.measure)
        frame.insert(0, "split", split)
        frames.append(report.aggregate_seeds(frame, ["split", "weak", "strong", "selection"]))
    summary = report.pgr_figure_frame(pd.concat(frames), p.models, p.measure, p.selection)
    dataset = snakemake.wildcards.dataset
    pgr_figure(summary, snakemake.output[0], f"{dataset}: weak-to-strong transfer ({p.measure}-wise accuracy, {p.selection} round)")
