"""Normalise one dataset (shipped files, a JSONL file through a field mapping, the hub, or the sandbox
generator) into results/data/{dataset}.jsonl."""

from snakemake.iocontainers import Snakemake

from ensemw2s import data
from ensemw2s.files import write_jsonl
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0]) as log:
    fields = getattr(p, "fields", None)  # passed only where the config sets datasets.<name>.fields
    if p.source in ("local", "jsonl"):
        records = data.load_local(p.dataset, p.local_files, p.seed, fields=fields, task=p.task)
    elif p.source == "hub":
        records = data.load_hub(
            p.dataset, p.hub_path, p.hub_configs, splits=p.hub_splits, seed=p.seed, revision=p.hub_revision, fields=fields, task=p.task
        )
    elif p.source == "sandbox":
        records = data.load_sandbox(
            p.dataset,
            p.task,
            p.seed,
            n_items=p.n_items,
            min_digits=p.min_digits,
            max_digits=p.max_digits,
            n_choices=p.n_choices,
            no_carry_share=p.no_carry_share,
            operation=p.operation,
            min_operands=p.min_operands,
            max_operands=p.max_operands,
        )
    else:
        raise data.DataError(f"{p.dataset}: unknown source {p.source!r}")
    records = data.subsample(records, p.max_items, p.seed)
    write_jsonl(snakemake.output[0], records)
    log.info("%s: %d records from %s", p.dataset, len(records), p.source)
