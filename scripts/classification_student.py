"""Train the strong model on strong-train and evaluate it on val and test.

A student (input ``labels``) learns the weak ensemble's pseudo-labels; the oracle (no ``labels``)
learns the ground truth.
"""

from snakemake.iocontainers import Snakemake

from ensemw2s import classification
from ensemw2s.files import read_jsonl, write_json
from ensemw2s.metrics import accuracy
from ensemw2s.runtime import job
from ensemw2s.train import settings_from_params

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = snakemake.params
inp = snakemake.input
with job(snakemake.log[0], snakemake.threads) as log:
    strong_train = read_jsonl(inp.strong_train)
    if "labels" in inp.keys():
        pseudo = {row["id"]: float(row["p_label1"]) for row in read_jsonl(inp.labels)}
        missing = [r["id"] for r in strong_train if r["id"] not in pseudo]
        if missing:
            raise ValueError(f"{inp.labels}: no pseudo-label for {len(missing)} strong-train items, e.g. {missing[:3]}")
        targets, kind = [pseudo[r["id"]] for r in strong_train], "student"
    else:
        targets, kind = [float(r["binary_label"]) for r in strong_train], "oracle"
    settings = settings_from_params(p, seed=p.seed, epochs=p.epochs)
    dropout = None if p.dropout == "keep" else float(p.dropout)
    threshold = getattr(p, "logconf_threshold", "batch")  # only students get it: the oracle's loss is xent
    model, tokenizer, summary = classification.train_student(
        p.model_source,
        strong_train,
        targets,
        settings,
        p.max_length,
        p.loss,
        p.aux_coef,
        p.warmup_frac,
        p.trust_remote_code,
        desc=kind,
        dropout=dropout,
        head_init=p.head_init,
        threshold=threshold,
    )
    metrics = {"kind": kind, "loss": p.loss, "training": summary, "n_train": len(strong_train)}
    for part in ("val", "test"):
        records = read_jsonl(inp[part])
        probabilities = classification.predict(model, tokenizer, records, p.max_length, p.eval_batch_size, desc=part)
        metrics[f"{part}_acc"] = accuracy(probabilities, [r["binary_label"] for r in records])
        metrics[f"n_{part}"] = len(records)
    write_json(snakemake.output[0], metrics)
    log.info("%s: test accuracy %.4f, val accuracy %.4f", kind, metrics["test_acc"], metrics["val_acc"])
