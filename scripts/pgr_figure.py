"""Figures 2 (SciQ), 4 (QuaRTz), 15 (ARC): weak-to-strong transfer per pair and split, from the tidy
metrics of both splits (select rounds -> aggregate seeds -> figure frame, ensemw2s.report)."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import report
from ensemw2s.plots import pgr_figure
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0]) as log:
    tidy = {split: pd.read_csv(getattr(snakemake.input, split)) for split in ("random", "easyhard")}
    frame = report.pgr_figure_summary(tidy, report.TRACK_MEASURES[p.track], p.models, measure=p.measure, selection=p.round)
    dataset = snakemake.wildcards.dataset
    pgr_figure(
        frame, snakemake.output[0], f"{dataset}: weak-to-strong transfer, single weak model vs AdaBoost ensemble ({p.measure}, {p.round} round)"
    )
    log.info("figure of %d (split, pair) rows, ensemble at the %s round", len(frame), p.round)
