"""The Figure-5 table: models trained on easy vs hard data, evaluated on hard questions; one file
per accuracy measure (option accuracy in the main file)."""

from snakemake.iocontainers import Snakemake

from ensemw2s import report
from ensemw2s.files import read_json
from ensemw2s.runtime import job
from ensemw2s.tables import write_measure_tables

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

inp = snakemake.input
with job(snakemake.log[0]):
    table, shown = report.easy_vs_hard_table([read_json(p) for p in inp.easy], [read_json(p) for p in inp.hard])
    write_measure_tables(
        table,
        shown,
        str(snakemake.output[0]).removesuffix(".csv"),
        "Each model trained on easy or on hard data (ground truth), evaluated on hard test questions: test {measure}, mean ± SEM over "
        "seeds (plain values at one seed).",
    )
