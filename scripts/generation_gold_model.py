"""A model fine-tuned on ground-truth answers (oracle: hard part; easy: weak-training part)."""

from snakemake.iocontainers import Snakemake

from ensemw2s import generation, splits
from ensemw2s.files import read_jsonl, write_json
from ensemw2s.runtime import job, job_settings
from ensemw2s.train import settings_from_params, spec_from_params

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
inp = snakemake.input
with job(snakemake.log[0], snakemake.threads) as log:
    records = read_jsonl(inp.train)
    metrics, _ = generation.fine_tune_and_evaluate(
        spec_from_params(p),
        records,
        generation.gold_answers(records),
        settings=settings_from_params(p, seed=p.seed, epochs=p.epochs),
        parts=splits.read_parts(inp, read_jsonl),
        choice_eos=p.choice_eos,
        eos_unit=p.eos_unit,
        desc="gold",
    )
    write_json(snakemake.output[0], {"run": dict(snakemake.wildcards.items()), **metrics})
    log.info("test %s, val %s", metrics["test"], metrics["val"])
