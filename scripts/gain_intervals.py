"""The gains of one (dataset, split) per (pair, T), each with its 95 % paired bootstrap interval
over test items, combined over seeds (ensemw2s.gains)."""

from snakemake.iocontainers import Snakemake

from ensemw2s import gains
from ensemw2s.files import atomic_path, read_json
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p, inp = job_settings(snakemake), snakemake.input
with job(snakemake.log[0]) as log:
    declared = set(inp.students_items) | set(inp.labels_items) | set(inp.oracles_items)

    def with_items(path):
        items = gains.item_file(path, p.track)
        if items not in declared:
            raise ValueError(f"{items}: the per-item results beside {path} are not an input of this job")
        return read_json(path), gains.read_correct(items)

    runs = gains.runs_from_results(*([with_items(path) for path in getattr(inp, role)] for role in ("students", "labels", "oracles")))
    table = gains.gain_intervals(runs, n_resamples=p.bootstrap_resamples)
    table.insert(0, "dataset", snakemake.wildcards.dataset)  # rows name their dataset and split, as the tidy metrics do
    table.insert(1, "split", snakemake.wildcards.split)
    with atomic_path(snakemake.output[0]) as tmp:
        table.to_csv(tmp, index=False)
    log.info("%d (pair, T) rows from %d runs, %d resamples", len(table), len(runs), p.bootstrap_resamples)
