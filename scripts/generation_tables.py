"""Tables 3/4/5 (QuaRTz), 6/7/8 (ARC), or a non-paper dataset's three tables."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import report
from ensemw2s.runtime import job, job_settings
from ensemw2s.tables import write_table

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
inp, out = snakemake.input, snakemake.output
SPLIT_NAMES = {"random": "random split", "easyhard": "easy-hard split"}


def stem(paths):
    return str(paths[0]).removesuffix(".csv")


with job(snakemake.log[0]):
    tables = report.generation_tables({split: pd.read_csv(getattr(inp, split)) for split in SPLIT_NAMES}, p.report_seed)
    for split, title in zip(SPLIT_NAMES, p.titles[:2]):
        caption = (
            f"{title}: weak-to-strong generalization on {p.dataset} ({SPLIT_NAMES[split]}), token- and option-wise test "
            "accuracy, mean ± SEM over seeds. Ensemble round: best on test (paper), final, or best on validation."
        )
        numbers, display = tables[split]
        write_table(numbers, stem(getattr(out, split)), caption, display=display)
    write_table(
        tables["one_run"][0],
        stem(out.one_run),
        f"{p.titles[2]}: {p.dataset}, one run (seed {p.report_seed}): improvement of the w2s ensemble (this run's best round) over the w2s baseline.",
    )
