"""Expert t of a plain ensemble (bagging / seeds) of weak classifiers, or the compute-matched single
weak classifier trained t x its epochs (ensemw2s.baselines), with its predictions on every part,
written as a boosting round's are (stats.json, predictions.csv)."""

from snakemake.iocontainers import Snakemake

from ensemw2s import baselines, classification, splits
from ensemw2s.files import atomic_path, read_jsonl, write_json
from ensemw2s.runtime import job, job_settings
from ensemw2s.train import settings_from_params, spec_from_params

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
inp, out = snakemake.input, snakemake.output
with job(snakemake.log[0], snakemake.threads) as log:
    parts = splits.read_parts(inp, read_jsonl, classification.PARTS)
    stats, probabilities = classification.plain_member(
        p.kind,
        p.t,
        spec_from_params(p),
        parts,
        settings=settings_from_params(p, seed=baselines.member_training_seed(p.kind, p.t, p.seed), epochs=p.epochs),
        seed=p.seed,
        dropout=classification.dropout_probability(p.dropout),
        head_init=p.head_init,
    )
    with atomic_path(out.predictions) as tmp:
        classification.predictions_frame(parts, probabilities).to_csv(tmp, index=False, float_format="%.6f")
    write_json(out.stats, {"run": dict(snakemake.wildcards.items()), **stats})
    log.info("%s expert %d: %d distinct examples, %d steps", p.kind, p.t, stats["distinct_examples"], stats["training"]["steps"])
