"""A strong student fine-tuned on the hard questions with the ensemble's pseudo-answers, evaluated
on each part with its agreement with the ensemble (``supervisor``: the options the ensemble chose)."""

from snakemake.iocontainers import Snakemake

from ensemw2s import generation, splits, text
from ensemw2s.files import atomic_path, read_jsonl, write_json
from ensemw2s.runtime import job, job_settings
from ensemw2s.train import settings_from_params, spec_from_params

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
inp = snakemake.input
with job(snakemake.log[0], snakemake.threads) as log:
    hard = read_jsonl(inp.hard)
    labels = read_jsonl(inp.labels)
    answers = splits.in_record_order(
        [r["id"] for r in labels], [r["answer"] for r in labels], hard, what=f"{inp.labels} (pseudo-answers of {inp.hard})"
    )
    parts = splits.read_parts(inp, read_jsonl)
    metrics, chosen = generation.fine_tune_and_evaluate(
        spec_from_params(p),
        hard,
        [text.sft_answer(answer) for answer in answers],
        settings=settings_from_params(p, seed=p.seed, epochs=p.epochs),
        parts=parts,
        choice_eos=p.choice_eos,
        eos_unit=p.eos_unit,
        desc="student",
        supervisor=generation.read_choices(inp.supervisor, parts),
    )
    with atomic_path(snakemake.output.choices) as tmp:
        generation.choices_frame(parts, chosen).to_csv(tmp, index=False)
    write_json(snakemake.output.metrics, {"run": dict(snakemake.wildcards.items()), **metrics})
    log.info("student: test %s, val %s", metrics["test"], metrics["val"])
