"""Pseudo-labels of strong-train: the α-weighted vote of boosting rounds 1..t."""

from snakemake.iocontainers import Snakemake

from ensemw2s import classification
from ensemw2s.files import read_json, write_jsonl
from ensemw2s.metrics import accuracy
from ensemw2s.runtime import job

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

with job(snakemake.log[0]) as log:
    stats = [read_json(path) for path in snakemake.input.stats]
    predictions = [classification.read_predictions(path) for path in snakemake.input.predictions]
    alphas = [float(s["alpha"]) for s in stats]
    labels = classification.ensemble_part(predictions, alphas, "strong_train", snakemake.params.vote)
    write_jsonl(snakemake.output[0], [{"id": i, "p_label1": float(p)} for i, p in zip(labels["id"], labels["p_label1"])])
    log.info(
        "%d pseudo-labels from %d rounds (alphas %s), agreement with gold %.4f",
        len(labels),
        len(stats),
        [round(a, 4) for a in alphas],
        accuracy(labels["p_label1"], labels["label"]),
    )
