"""The tidy metrics of one (dataset, split), either track: every per-job result joined by its run
key into one row per (seed, weak, strong, t) (ensemw2s.report.tidy_rows)."""

from snakemake.iocontainers import Snakemake

from ensemw2s import report
from ensemw2s.files import atomic_path, read_json
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

inp = snakemake.input
with job(snakemake.log[0]) as log:
    results = {name: [read_json(path) for path in getattr(inp, name)] for name in ("students", "labels", "rounds", "oracles")}
    tidy = report.tidy_rows(**results, measures=report.TRACK_MEASURES[job_settings(snakemake).track])
    with atomic_path(snakemake.output[0]) as tmp:
        tidy.to_csv(tmp, index=False)  # full precision: tables and figures are computed from these values
    log.info("%d rows from %d students", len(tidy), len(results["students"]))
