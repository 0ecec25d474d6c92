"""Pseudo-labels of strong-train, the α-weighted vote of boosting rounds 1..t (a plain ensemble's:
the uniform vote of its experts), and that ensemble's accuracy on every part (the weak-ensemble
columns of the tables)."""

from snakemake.iocontainers import Snakemake

from ensemw2s import boosting, classification
from ensemw2s.files import atomic_path, read_json, write_json, write_jsonl
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive
p = job_settings(snakemake)

with job(snakemake.log[0]) as log:
    stats = [read_json(path) for path in snakemake.input.stats]
    predictions = [classification.read_predictions(path) for path in snakemake.input.predictions]
    alphas = boosting.expert_alphas(stats, p.expert_weights)
    labels = classification.ensemble_part(predictions, alphas, "strong_train", kind=p.vote)
    metrics = classification.ensemble_metrics(predictions, alphas, p.vote)
    write_jsonl(snakemake.output.labels, [{"id": i, "p_label1": float(p)} for i, p in zip(labels["id"], labels["p_label1"])])
    with atomic_path(snakemake.output.predictions) as tmp:  # the vote on every part, per item: the gains' bootstrap (ensemw2s.gains)
        classification.ensemble_predictions(predictions, alphas, kind=p.vote).to_csv(tmp, index=False, float_format="%.6f")
    write_json(snakemake.output.metrics, {"run": dict(snakemake.wildcards.items()), "rounds": len(stats), **metrics})
    log.info(
        "%d pseudo-labels from %d experts (vote weights %s, %d voting), agreement with gold %.4f; test accuracy %s",
        len(labels),
        len(stats),
        [round(a, 4) for a in alphas],
        metrics["experts_voting"],
        metrics["pseudo_label_accuracy"],
        metrics["test"],
    )
