"""Fetch one hub model or dataset into the shared cache (HF_HOME); write a marker describing it."""

from snakemake.iocontainers import Snakemake

from ensemw2s import hub

hub.go_online()  # before huggingface_hub / datasets are imported: this job is the one that downloads

from ensemw2s.files import write_json  # noqa: E402
from ensemw2s.runtime import job, job_settings  # noqa: E402

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0]) as log:
    if p.kind == "model":
        repo, revision = hub.split_revision(p.repo)
        summary = hub.prefetch_model(repo, revision, trust_remote_code=p.trust_remote_code)
    else:
        summary = hub.prefetch_dataset(p.repo, p.hub_configs, p.hub_splits, revision=p.revision)
    write_json(snakemake.output[0], summary)
    log.info("%s %s (revision %s = %s) cached in %s", p.kind, p.repo, summary["revision"], summary["resolved_revision"], summary["cache"])
