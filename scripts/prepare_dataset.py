"""Normalise one dataset (shipped files or the hub) into results/data/{dataset}.jsonl."""

from ensemw2s import data
from ensemw2s.files import write_jsonl
from ensemw2s.runtime import job

p = snakemake.params  # noqa: F821 (injected by snakemake)
with job(snakemake.log[0]) as log:  # noqa: F821
    if p.source == "local":
        records = data.load_local(p.dataset, p.local_files, p.seed)
    else:
        records = data.load_hub(p.dataset, p.hub_path, p.hub_configs, p.hub_splits, p.seed, revision=p.hub_revision)
    records = data.subsample(records, p.max_items, p.seed)
    write_jsonl(snakemake.output[0], records)  # noqa: F821
    log.info("%s: %d records from %s", p.dataset, len(records), p.source)
