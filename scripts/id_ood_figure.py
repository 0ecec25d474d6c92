"""The ID vs OOD figure: expert gain and student gain per dataset and distribution, in each track's
round-selecting measure at its figure_round's T (the table also holds the other measures and rounds)."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import plots, report
from ensemw2s.runtime import job, job_settings
from ensemw2s.splits import ID_SPLIT

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0]):
    table = pd.read_csv(snakemake.input[0])
    shown = {track: (report.ID_OOD_MEASURES[track][0][1], report.ID_OOD_SELECTIONS[p.figure_rounds[track]]) for track in set(table["track"])}
    table = table[[(row.measure, row.t_chosen_on) == shown[row.track] for row in table.itertuples()]].copy()
    one_pair = table.groupby("dataset")[["weak", "strong"]].nunique().max().max() == 1
    table["group"] = table["dataset"] if one_pair else table["dataset"] + "\n" + table["weak"] + "→\n" + table["strong"]
    table["label"] = (
        table["distribution"]
        + " ("
        + table["split"].map({"random": "random split", "easyhard": "easy-hard split", ID_SPLIT: "easy-hard split, ID items held out"})
        + ")"
    )
    table["panel"] = table["track"]
    measures = {"expert_gain": "expert gain: ensemble − single weak", "student_gain": "student gain: ensemble- − baseline-supervised"}
    plots.variant_bars(table, snakemake.output[0], hue="label", x="group", panel="panel", measures=measures, title=p.title, zero_line=True)
