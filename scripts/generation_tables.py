"""Tables 3/4/5 (QuaRTz), 6/7/8 (ARC), or a non-paper dataset's three tables: one file per
accuracy measure (option accuracy in the main file, ``_token`` and ``_norm`` beside it)."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import report
from ensemw2s.labels import label
from ensemw2s.runtime import job, job_settings
from ensemw2s.tables import write_measure_tables

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
inp, out = snakemake.input, snakemake.output
SPLITS = ("random", "easyhard")
INTERVALS = (
    "Option accuracy (the main file): each gain with its 95 % paired bootstrap interval over test items, combined over seeds "
    "(results/metrics/<dataset>/<split>.intervals.csv)."
)


def stem(paths):
    return str(paths[0]).removesuffix(".csv")


with job(snakemake.log[0]) as log:
    tidy = {split: pd.read_csv(getattr(inp, split)) for split in SPLITS}
    intervals = {split: pd.read_csv(getattr(inp, f"{split}_intervals"), dtype={"seed": str}) for split in SPLITS}
    seeds = tidy["random"]["seed"].nunique()
    spread = f"mean ± SEM over {seeds} seeds" if seeds > 1 else "one seed (no SEM)"
    tables = report.generation_tables(tidy, p.report_seed, intervals_by_split=intervals)
    for split, title in zip(SPLITS, p.titles[:2]):
        caption = (
            f"{title}: weak-to-strong generalization on {p.dataset} ({label(split)} split), test {{measure}}, {spread}. "
            "w2s ensemble: the best round T on test (the paper's choice); the final and validation-selected rounds are in the CSV. "
            f"{INTERVALS}"
        )
        numbers, shown = tables[split]
        write_measure_tables(numbers, shown, stem(getattr(out, split)), caption)
    numbers, shown = tables["one_run"]
    write_measure_tables(
        numbers,
        shown,
        stem(out.one_run),
        f"{p.titles[2]}: {p.dataset}, one run (seed {p.report_seed}), test {{measure}}: the w2s ensemble (this run's best round T) "
        "and its improvement over the w2s baseline (option accuracy: with its 95 % paired bootstrap interval over test items).",
    )
    log.info("%d seeds", seeds)
