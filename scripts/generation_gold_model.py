"""A model fine-tuned on ground-truth answers (oracle: hard part; easy: weak-training part)."""

from snakemake.iocontainers import Snakemake

from ensemw2s import generation, splits
from ensemw2s.files import atomic_path, read_jsonl, write_json
from ensemw2s.runtime import job, job_settings
from ensemw2s.train import settings_from_params, spec_from_params

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
inp = snakemake.input
with job(snakemake.log[0], snakemake.threads) as log:
    records = read_jsonl(inp.train)
    parts = splits.read_parts(inp, read_jsonl)
    metrics, chosen = generation.fine_tune_and_evaluate(
        spec_from_params(p),
        records,
        generation.gold_answers(records),
        settings=settings_from_params(p, seed=p.seed, epochs=p.epochs),
        parts=parts,
        choice_eos=p.choice_eos,
        eos_unit=p.eos_unit,
        desc="gold",
    )
    with atomic_path(snakemake.output.choices) as tmp:
        generation.choices_frame(parts, chosen).to_csv(tmp, index=False)  # per item: the gains' bootstrap (ensemw2s.gains)
    write_json(snakemake.output.metrics, {"run": dict(snakemake.wildcards.items()), **metrics})
    log.info("test %s, val %s", metrics["test"], metrics["val"])
