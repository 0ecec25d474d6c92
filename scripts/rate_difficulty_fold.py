"""Rate the items of one cross-validation fold with a rater trained on the other folds."""

from snakemake.iocontainers import Snakemake

from ensemw2s.difficulty import rate_fold_job
from ensemw2s.files import atomic_path, read_jsonl
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0], snakemake.threads) as log:
    table = rate_fold_job(p, read_jsonl(snakemake.input.data))
    with atomic_path(snakemake.output[0]) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6f")
    log.info("fold %d: %d items, mean difficulty %.4f", p.fold, len(table), table["difficulty"].mean())
