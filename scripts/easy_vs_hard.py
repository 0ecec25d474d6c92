"""The Figure-5 table: models trained on easy vs hard data, evaluated on hard questions."""

from snakemake.iocontainers import Snakemake

from ensemw2s import generation_report as report
from ensemw2s.files import read_json
from ensemw2s.runtime import job
from ensemw2s.tables import format_mean_sem, write_table

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

inp = snakemake.input
with job(snakemake.log[0]):
    table = report.easy_vs_hard_table([read_json(p) for p in inp.easy], [read_json(p) for p in inp.hard])
    display = table[["dataset", "model"]].copy()
    for kind in ("easy", "hard"):
        for measure in ("token", "option"):
            column = f"trained_on_{kind}_{measure}"
            display[f"trained on {kind} ({measure})"] = [format_mean_sem(m, s) for m, s in zip(table[column], table[f"{column}_sem"])]
    write_table(
        table,
        "results/tables/easy_vs_hard",
        "Each model trained on easy or on hard data (ground truth), evaluated on hard test questions; mean ± SEM over seeds.",
        display,
    )
