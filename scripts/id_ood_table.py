"""The ID vs OOD table (published version): expert and student gains on in-distribution parts
(random split's test, the easy-hard variant's easy_test) and out-of-distribution by difficulty (the
easy-hard hard test), every dataset of both tracks, in each track's measures, at the round T chosen
on test and on validation (and the track's figure_round)."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import report
from ensemw2s.files import atomic_open, read_json
from ensemw2s.runtime import job, job_settings
from ensemw2s.tables import write_table

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p, inp = job_settings(snakemake), snakemake.input
with job(snakemake.log[0]) as log:
    tidy = pd.concat([pd.read_csv(path) for path in inp.metrics], ignore_index=True)  # rows name their dataset and split
    figure_rounds = {"generation": p.generation_round, "classification": p.classification_round}  # each track's figure_round
    easy = {}
    for path in inp.easy:
        result = read_json(path)
        easy.setdefault(result["run"]["dataset"], {})[result["run"]["seed"], result["run"]["model"]] = result
    rows = pd.concat(
        [
            report.id_ood_rows(
                tidy[tidy["dataset"] == dataset], track=track, selections=("best", "val_selected", figure_rounds[track]), easy=easy.get(dataset)
            )
            for dataset, track in zip(p.datasets, p.tracks, strict=True)
        ],
        ignore_index=True,
    )
    numeric, shown = report.id_ood_table(rows)
    write_table(numeric, snakemake.output[0].removesuffix(".csv"), p.caption, display=shown)
    with atomic_open(snakemake.output.seeds) as handle:  # the per-seed rows: the figure's data
        rows.to_csv(handle, index=False, float_format="%.6g")
    log.info("%d rows over %d datasets", len(numeric), len(p.datasets))
