"""Per-seed metrics of one split: one row per (weak, strong, round t)."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import classification
from ensemw2s.files import atomic_path, read_json
from ensemw2s.runtime import job

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = snakemake.params
inp = snakemake.input
with job(snakemake.log[0]) as log:
    pairs = [tuple(pair.split("\t")) for pair in p.pairs]
    weak_models = list(dict.fromkeys(weak for weak, _ in pairs))
    strong_models = list(dict.fromkeys(strong for _, strong in pairs))
    # the input lists are ordered as the rule builds them: model-major, then round
    stats = {weak: [read_json(f) for f in inp.stats[i * p.rounds : (i + 1) * p.rounds]] for i, weak in enumerate(weak_models)}
    predictions = {
        weak: [classification.read_predictions(f) for f in inp.predictions[i * p.rounds : (i + 1) * p.rounds]] for i, weak in enumerate(weak_models)
    }
    students = {pair: [read_json(f) for f in inp.students[i * p.rounds : (i + 1) * p.rounds]] for i, pair in enumerate(pairs)}
    oracles = {strong: read_json(f) for strong, f in zip(strong_models, inp.oracles, strict=True)}
    tables = [
        classification.seed_table(weak, strong, stats[weak], predictions[weak], students[(weak, strong)], oracles[strong], p.vote)
        for weak, strong in pairs
    ]
    table = pd.concat(tables, ignore_index=True)
    table.insert(0, "seed", p.seed)
    with atomic_path(snakemake.output[0]) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6f")
    for (weak, strong), group in table.groupby(["weak", "strong"], sort=False):
        log.info(
            "%s -> %s: weak %.3f, oracle %.3f, transfer by round %s",
            weak,
            strong,
            group["weak_acc"].iloc[0],
            group["oracle_acc"].iloc[0],
            group["transfer_acc"].round(3).tolist(),
        )
