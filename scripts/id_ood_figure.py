"""The ID vs OOD figure: expert gain and student gain, one panel per track and gain, ID vs OOD side
by side for each pair that exists (SEM error bars only with >= 2 seeds), in each track's
round-selecting measure at its figure_round's T (the table also holds the other measures and rounds)."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import plots, report
from ensemw2s.labels import label
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0]):
    rows = pd.read_csv(snakemake.input[0])
    shown = {track: (report.ID_OOD_MEASURES[track][0][1], report.ID_OOD_SELECTIONS[p.figure_rounds[track]]) for track in set(rows["track"])}
    rows = rows[[(row.measure, row.t_chosen_on) == shown[row.track] for row in rows.itertuples()]]
    frame, order = report.id_ood_figure_frame(rows)
    measures = {
        "expert_gain": f"{label('expert_gain')}: ensemble − single weak",
        "student_gain": f"{label('student_gain')}: ensemble- − baseline-supervised",
    }
    plots.gain_panels(frame, path=snakemake.output[0], title=p.title, measures=measures, group="group", hue="hue", panel="panel", hue_order=order)
