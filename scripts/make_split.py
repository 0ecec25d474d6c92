"""Write one split (random, easy-hard, or the ID / OOD evaluation's easy-hard variant) of a dataset
for one seed: five disjoint JSONL parts."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import splits
from ensemw2s.files import read_jsonl, write_jsonl
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0]) as log:
    records = read_jsonl(snakemake.input.data)
    dataset = snakemake.wildcards.dataset
    try:
        ids, difficulty, tie_break = [r["id"] for r in records], None, None
        if p.kind != "random":
            table = pd.read_csv(snakemake.input.difficulty[0], dtype={"id": str})
            tie_break = dict(zip(table["id"], table["tie_break"])) if p.tie_break == "nll" else None
            difficulty = dict(zip(table["id"], table["difficulty"]))
        parts = splits.split_items(p.kind, ids, p.n_test, p.n_val, seed=p.seed, difficulty=difficulty, tie_break=tie_break, n_easy_test=p.n_easy_test)
    except splits.SplitSizeError as error:
        raise splits.SplitSizeError(
            f"config keys datasets.{dataset}.n_test ({p.n_test}) and datasets.{dataset}.n_val ({p.n_val}) "
            + (f"with datasets.{dataset}.n_easy_test ({p.n_easy_test}) " if p.n_easy_test else "")
            + f"do not fit the {len(records)} items of {snakemake.input.data}: {error}"
        ) from None
    by_id = {r["id"]: r for r in records}
    for part, ids in parts.items():
        write_jsonl(snakemake.output[part], [by_id[i] for i in ids])
        log.info("%s: %d items", part, len(ids))
