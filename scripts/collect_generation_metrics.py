"""Join the generation track's per-job metrics of one (dataset, split) into a tidy CSV."""

from snakemake.iocontainers import Snakemake

from ensemw2s.files import atomic_path, read_json
from ensemw2s.generation_report import tidy_rows
from ensemw2s.runtime import job

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

inp = snakemake.input
with job(snakemake.log[0]) as log:
    tidy = tidy_rows(*([read_json(p) for p in paths] for paths in (inp.students, inp.labels, inp.rounds, inp.oracles)))
    with atomic_path(snakemake.output[0]) as tmp:
        tidy.to_csv(tmp, index=False, float_format="%.6g")
    log.info("%d rows", len(tidy))
