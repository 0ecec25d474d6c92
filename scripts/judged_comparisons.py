"""The sandbox's judged comparisons for pretraining: every two-digit pair that is not a task pair,
in the task's layout with its verdict (ensemw2s.sandbox.judged_comparisons)."""

from snakemake.iocontainers import Snakemake

from ensemw2s.files import atomic_open, read_jsonl
from ensemw2s.runtime import job, job_settings
from ensemw2s.sandbox import judged_comparisons, operand_set

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0]) as log:
    task_pairs = {operand_set(record["question"]) for record in read_jsonl(snakemake.input[0])}
    lines = judged_comparisons(task_pairs, min_digits=p.min_digits, max_digits=p.max_digits, seed=p.seed)
    with atomic_open(snakemake.output[0]) as handle:
        handle.writelines(line + "\n" for line in lines)
    log.info("%d judged comparisons, none of the task's %d operand pairs", len(lines), len(task_pairs))
