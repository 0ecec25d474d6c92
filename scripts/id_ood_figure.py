"""The ID vs OOD figure: expert gain and student gain, one panel per track and gain, ID vs OOD side
by side for each pair that exists (SEM error bars only with >= 2 seeds)."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import plots, report
from ensemw2s.labels import label
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

with job(snakemake.log[0]):
    frame, order = report.id_ood_figure_frame(pd.read_csv(snakemake.input[0]))
    measures = {
        "expert_gain": f"{label('expert_gain')}: ensemble − single weak",
        "student_gain": f"{label('student_gain')}: ensemble- − baseline-supervised",
    }
    plots.gain_panels(
        frame,
        path=snakemake.output[0],
        title=job_settings(snakemake).title,
        measures=measures,
        group="group",
        hue="hue",
        panel="panel",
        hue_order=order,
    )
