"""The paper's claims, one row each, judged against this run's tidy metrics (ensemw2s.claims_table)."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import claims_table
from ensemw2s.claims import load_claims
from ensemw2s.files import atomic_open
from ensemw2s.runtime import job, job_settings
from ensemw2s.tables import write_table

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p, inp = job_settings(snakemake), snakemake.input
with job(snakemake.log[0]) as log:
    claims = load_claims(inp.claims)
    tidy = pd.concat([pd.read_csv(path) for path in inp.metrics], ignore_index=True)  # rows name their dataset and split
    intervals = pd.concat([pd.read_csv(path, dtype={"seed": str}) for path in inp.intervals], ignore_index=True)  # rows name theirs too
    run = claims_table.Run(tracks=p.tracks, sandbox=p.sandbox, paper_models=p.paper_models, tables=p.tables, rounds_tables=p.rounds_tables)
    table, units = claims_table.judged_claims(claims, tidy, run, intervals=intervals)
    shown = table[list(claims_table.COLUMNS)]
    write_table(table, snakemake.output.table.removesuffix(".csv"), p.caption, display=shown)
    with atomic_open(snakemake.output.units) as handle:
        units.to_csv(handle, index=False)
    log.info("%d claims, %d rows: %s; %d unit values", len(claims), len(table), claims_table.verdict_counts(table), len(units))
