"""Expert t of a plain ensemble (bagging / seeds), or the compute-matched single weak model trained
t x its epochs: the baselines of ensemw2s.baselines, written as a boosting round's expert is."""

from snakemake.iocontainers import Snakemake

from ensemw2s import baselines, models
from ensemw2s.files import read_jsonl, write_json
from ensemw2s.runtime import job, job_settings
from ensemw2s.train import settings_from_params, spec_from_params

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
inp, out = snakemake.input, snakemake.output
with job(snakemake.log[0], snakemake.threads) as log:
    model, tokenizer, stats = baselines.train_member(
        p.kind,
        p.t,
        spec_from_params(p),
        read_jsonl(inp.easy),
        settings=settings_from_params(p, seed=baselines.member_training_seed(p.kind, p.t, p.seed), epochs=p.epochs),
        seed=p.seed,
    )
    models.save_model(model, tokenizer, out.model, dtype=models.save_dtype(p.save_dtype, p.mixed_precision))
    write_json(out.stats, {"run": dict(snakemake.wildcards.items()), **stats})
    log.info("%s expert %d: %d distinct examples, %d steps", p.kind, p.t, stats["distinct_examples"], stats["training"]["steps"])
