"""Train the strong model on strong-train and evaluate it on val and test.

A student (input ``labels``) learns the weak ensemble's pseudo-labels; the oracle (no ``labels``)
learns the ground truth.  A student also reports, per evaluation part, its agreement with its
supervisor (the same experts' vote on that part) and writes its predictions.
"""

from snakemake.iocontainers import Snakemake

from ensemw2s import boosting, classification, splits
from ensemw2s.files import atomic_path, read_json, read_jsonl, write_json
from ensemw2s.runtime import job, job_settings
from ensemw2s.train import settings_from_params, spec_from_params

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
inp = snakemake.input
with job(snakemake.log[0], snakemake.threads) as log:
    strong_train = read_jsonl(inp.strong_train)
    parts = splits.read_parts(inp, read_jsonl)
    supervisor = None
    if "labels" in inp.keys():
        labels = read_jsonl(inp.labels)
        what = f"{inp.labels} (pseudo-labels of {inp.strong_train})"
        targets = splits.in_record_order([r["id"] for r in labels], [float(r["p_label1"]) for r in labels], strong_train, what=what)
        kind = "student"
        alphas = boosting.expert_alphas([read_json(path) for path in inp.round_stats], p.expert_weights)
        experts = [classification.read_predictions(path) for path in inp.round_predictions]
        supervisor = classification.supervisor_probabilities(experts, alphas, parts, kind=p.vote)
    else:
        targets, kind = [float(r["binary_label"]) for r in strong_train], "oracle"
    metrics, probabilities = classification.fine_tune_and_evaluate(
        spec_from_params(p),
        strong_train,
        targets,
        settings=settings_from_params(p, seed=p.seed, epochs=p.epochs),
        parts=parts,
        desc=kind,
        supervisor=supervisor,
        loss=p.loss,
        aux_coef=p.aux_coef,
        warmup_frac=p.warmup_frac,
        dropout=classification.dropout_probability(p.dropout),
        head_init=p.head_init,
        threshold=getattr(p, "logconf_threshold", "batch"),  # only students get it: the oracle's loss is xent
    )
    out = snakemake.output
    if "predictions" in out.keys():
        with atomic_path(out.predictions) as tmp:
            classification.predictions_frame(parts, probabilities).to_csv(tmp, index=False, float_format="%.6f")
    write_json(out[0], {"run": dict(snakemake.wildcards.items()), "kind": kind, "loss": p.loss, **metrics})
    log.info("%s: test %s, val %s", kind, metrics["test"], metrics["val"])
