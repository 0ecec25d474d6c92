"""Paper Tables 1 (random split) and 2 (easy-hard): per pair, and per pair and round."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import classification
from ensemw2s.runtime import job
from ensemw2s.tables import write_table

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = snakemake.params
with job(snakemake.log[0]) as log:
    per_seed = pd.concat([pd.read_csv(path) for path in snakemake.input], ignore_index=True)
    pairs, rounds = classification.summarise(per_seed, p.models)
    stem = str(snakemake.output[0]).removesuffix(".csv")
    write_table(pairs, stem, p.caption, classification.display_pairs(pairs))
    write_table(rounds, f"{stem}_rounds", p.caption + " Per boosting round T.", classification.display_rounds(rounds))
    log.info("%d pairs, %d rows by round, %d seeds", len(pairs), len(rounds), per_seed["seed"].nunique())
