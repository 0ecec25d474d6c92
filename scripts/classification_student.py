"""Train the strong model on strong-train and evaluate it on val and test.

A student (input ``labels``) learns the weak ensemble's pseudo-labels; the oracle (no ``labels``)
learns the ground truth.
"""

from snakemake.iocontainers import Snakemake

from ensemw2s import classification, splits
from ensemw2s.files import read_jsonl, write_json
from ensemw2s.runtime import job
from ensemw2s.train import settings_from_params, spec_from_params

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
    metrics = classification.fine_tune_and_evaluate(
        spec_from_params(p),
        strong_train,
        targets,
        settings=settings_from_params(p, seed=p.seed, epochs=p.epochs),
        parts=splits.read_parts(inp, read_jsonl),
        desc=kind,
        loss=p.loss,
        aux_coef=p.aux_coef,
        warmup_frac=p.warmup_frac,
        dropout=None if p.dropout == "keep" else float(p.dropout),
        head_init=p.head_init,
        threshold=getattr(p, "logconf_threshold", "batch"),  # only students get it: the oracle's loss is xent
    )
    write_json(snakemake.output[0], {"run": dict(snakemake.wildcards.items()), "kind": kind, "loss": p.loss, **metrics})
    log.info("%s: test %s, val %s", kind, metrics["test"], metrics["val"])
