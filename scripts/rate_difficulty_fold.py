"""Rate the items of one cross-validation fold with a rater trained on the other folds."""

from snakemake.iocontainers import Snakemake

from ensemw2s.difficulty import rate_fold
from ensemw2s.files import atomic_path, read_jsonl
from ensemw2s.runtime import job, job_settings
from ensemw2s.train import settings_from_params, spec_from_params

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0], snakemake.threads) as log:
    records = read_jsonl(snakemake.input.data)
    table = rate_fold(
        p.task,
        spec_from_params(p),
        records,
        fold=p.fold,
        n_folds=p.n_folds,
        seed=p.seed,
        settings=settings_from_params(p, seed=p.seed + p.fold, epochs=p.epochs),
        eos_unit=p.eos_unit,
        error=p.error,
        choice_eos=p.choice_eos,
    )
    with atomic_path(snakemake.output[0]) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6f")
    log.info("fold %d: %d items, mean difficulty %.4f", p.fold, len(table), table["difficulty"].mean())
