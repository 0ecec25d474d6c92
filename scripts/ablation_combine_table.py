"""Figure 10's numbers: experts combined by probabilities or by logits, weak ensemble and student."""

from snakemake.iocontainers import Snakemake

from ensemw2s import report
from ensemw2s.files import read_json
from ensemw2s.runtime import job, job_settings
from ensemw2s.tables import write_table

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p, inp = job_settings(snakemake), snakemake.input
with job(snakemake.log[0]) as log:
    tidy = report.combine_rows(
        [read_json(path) for path in inp.labels], [read_json(path) for path in inp.students], combines=p.combines, main_combine=p.main_combine
    )
    numeric, shown = report.combine_table(tidy)
    write_table(numeric, snakemake.output[0].removesuffix(".csv"), p.caption, display=shown)
    log.info("%d student rows, %d table rows", len(tidy), len(numeric))
