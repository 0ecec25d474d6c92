"""Join the generation track's per-job metrics of one (dataset, split) into a tidy CSV."""

from ensemw2s.files import atomic_path, read_json
from ensemw2s.generation_report import tidy_rows
from ensemw2s.runtime import job

inp = snakemake.input  # noqa: F821
with job(snakemake.log[0]) as log:  # noqa: F821
    tidy = tidy_rows(*([read_json(p) for p in paths] for paths in (inp.students, inp.labels, inp.rounds, inp.oracles)))
    with atomic_path(snakemake.output[0]) as tmp:  # noqa: F821
        tidy.to_csv(tmp, index=False, float_format="%.6g")
    log.info("%d rows", len(tidy))
