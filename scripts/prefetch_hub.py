"""Fetch one hub model or dataset into the shared cache (HF_HOME); write a marker describing it."""

from ensemw2s import hub

hub.go_online()  # before huggingface_hub / datasets are imported: this job is the one that downloads

from ensemw2s.files import write_json  # noqa: E402
from ensemw2s.runtime import job  # noqa: E402

p = snakemake.params  # noqa: F821
with job(snakemake.log[0]) as log:  # noqa: F821
    if p.kind == "model":
        summary = hub.prefetch_model(p.repo)
    else:
        summary = hub.prefetch_dataset(p.repo, p.hub_configs, p.hub_splits)
    write_json(snakemake.output[0], summary)  # noqa: F821
    log.info("%s %s cached in %s", p.kind, p.repo, summary["cache"])
