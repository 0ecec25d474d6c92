"""The sandbox's worked examples for pretraining: solved comparisons in another wording than the
task's, none of them a question of the dataset (ensemw2s.sandbox.worked_examples)."""

from snakemake.iocontainers import Snakemake

from ensemw2s.files import atomic_open, read_jsonl
from ensemw2s.runtime import job, job_settings
from ensemw2s.sandbox import worked_examples

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0]) as log:
    questions = {record["question"] for record in read_jsonl(snakemake.input[0])}
    lines = worked_examples(
        p.n_examples, questions, list(p.operand_weights), min_operands=p.min_operands, min_digits=p.min_digits, max_digits=p.max_digits, seed=p.seed
    )
    with atomic_open(snakemake.output[0]) as handle:
        handle.writelines(line + "\n" for line in lines)
    log.info("%d worked examples, operand weights %s from %d operands", len(lines), list(p.operand_weights), p.min_operands)
