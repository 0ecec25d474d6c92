"""Figures 11-12's and the weighting ablation's numbers: the first-t weak ensemble per variant."""

from snakemake.iocontainers import Snakemake

from ensemw2s import report
from ensemw2s.files import read_json
from ensemw2s.runtime import job, job_settings
from ensemw2s.tables import write_table

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

with job(snakemake.log[0]) as log:
    tidy = report.curve_rows([read_json(path) for path in snakemake.input])
    numeric, shown = report.curve_table(tidy)
    write_table(numeric, snakemake.output[0].removesuffix(".csv"), job_settings(snakemake).caption, display=shown)
    log.info("%d curve points, %d rows", len(tidy), len(numeric))
