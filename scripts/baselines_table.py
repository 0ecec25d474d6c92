"""The baselines table: per T, the single weak model, the compute-matched model, the seeds and
bagging ensembles and EnsemW2S-AdaBoost, with their students and bootstrap intervals of the gains."""

from snakemake.iocontainers import Snakemake

from ensemw2s import baselines, gains
from ensemw2s.files import read_json
from ensemw2s.runtime import job, job_settings
from ensemw2s.tables import write_table

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive


def with_items(metrics_paths, item_paths, track):
    """Each job's (metrics, per-test-item correctness); the two lists name the same jobs in order."""
    pairs = []
    for metrics, items in zip(metrics_paths, item_paths, strict=True):
        if gains.item_file(metrics, track) != items:  # T2.metrics.json / T2.choices.csv, T2/metrics.json / T2/predictions.csv
            raise ValueError(f"{metrics} and {items} are not the same job's")
        pairs.append((read_json(metrics), gains.read_correct(items).to_dict()))
    return pairs


p, inp = job_settings(snakemake), snakemake.input
with job(snakemake.log[0]) as log:
    rows = baselines.baseline_rows(
        with_items(inp.labels, inp.label_items, p.track),
        with_items(inp.students, inp.student_items, p.track),
        [read_json(o) for o in inp.oracles],
        p.methods,
        measure=baselines.track_measure(p.track),
    )
    numeric, shown = baselines.baseline_table(rows, n_resamples=p.bootstrap_resamples)
    write_table(numeric, snakemake.output[0].removesuffix(".csv"), p.caption, display=shown)
    log.info("%d rows (%d seed rows)", len(numeric), len(rows))
