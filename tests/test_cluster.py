"""The slurm profile against a real SLURM: a one-node cluster on localhost (tests/slurm/).

Skipped unless SLURM is installed.  Uses a running cluster (.ci/run starts one) or starts one with
tests/slurm/start_cluster.sh when run as root, and stops only what it started.
"""

import os
import re
import shutil
import subprocess
import time

import pytest
import yaml

from conftest import REPO, copy_workflow, planned_jobs, snakemake

pytestmark = [pytest.mark.slurm, pytest.mark.workflow]

# A target with GPU rules that stays short: the tiny rater's fold 0 on QuaRTz needs the three
# datasets, corpus, tokenizer and tiny model (CPU jobs) and one difficulty fold (a GPU rule).
TARGET = "results/difficulty/quartz/fold0.csv"


def _cluster_up() -> bool:
    result = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    return result.returncode == 0 and bool(re.search(r"^(idle|mixed|allocated)", result.stdout, re.M))


@pytest.fixture(scope="module")
def cluster():
    if not shutil.which("slurmctld") or not shutil.which("sbatch"):
        pytest.skip("SLURM is not installed (apt-get install slurm-wlm munge)")
    started = False
    if not _cluster_up():
        if os.geteuid() != 0:
            pytest.skip("no running SLURM cluster, and starting one needs root")
        subprocess.run([str(REPO / "tests/slurm/start_cluster.sh")], check=True)
        started = True
    yield
    if started:
        subprocess.run([str(REPO / "tests/slurm/stop_cluster.sh")], check=False)


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _jobs_in(workdir) -> list[dict]:
    """Every SLURM job (finished ones stay listed for MinJobAge) whose working directory is ``workdir``."""
    output = subprocess.run(["scontrol", "show", "job", "-o"], capture_output=True, text=True).stdout
    jobs = []
    for line in output.splitlines():
        fields = dict(re.findall(r"(\w+)=(\S*)", line))
        if fields.get("WorkDir") == str(workdir):
            jobs.append(fields)
    return jobs


def test_slurm_profile_runs_every_job_on_the_cluster(cluster, tmp_path):
    workdir = copy_workflow(tmp_path)
    base = yaml.safe_load((REPO / "slurm/config.yaml").read_text())
    override = yaml.safe_load((REPO / "tests/slurm/local_cluster.yaml").read_text())
    gpu_rules = {rule for rule, resources in base["set-resources"].items() if resources.get("gpu")}
    gpu_job = override.pop("gpu_rules")  # applied to every GPU rule of the slurm profile
    override["set-resources"] = {rule: gpu_job for rule in gpu_rules}
    profile = _merge(base, override)
    (workdir / "local_slurm").mkdir()
    (workdir / "local_slurm/config.yaml").write_text(yaml.safe_dump(profile))

    planned = planned_jobs(snakemake("--profile", "local_slurm", "-n", TARGET, cwd=workdir).stdout)
    planned.pop("total", None)
    assert planned and set(planned) & gpu_rules, planned

    started = time.monotonic()
    run = snakemake("--profile", "local_slurm", TARGET, cwd=workdir, check=False)
    elapsed = time.monotonic() - started
    assert run.returncode == 0, f"{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    print(f"SLURM run of {TARGET}: {sum(planned.values())} jobs in {elapsed:.0f} s")

    jobs = _jobs_in(workdir)
    # The plugin puts the rule name in each job's comment: rule_<name>[_wildcards_...].
    ran = {}
    for job in jobs:
        assert job["JobState"] == "COMPLETED", job
        rule = re.match(r"rule_(.+?)(_wildcards_.*)?$", job["Comment"]).group(1)
        ran[rule] = ran.get(rule, 0) + 1
        if rule in gpu_rules:
            assert job["Partition"] == "gpu", job
            # The GPU request (--gpus=1): TresPerJob=gres:gpu:1 (SLURM 22) or gres/gpu:1 (later).
            assert re.search(r"gres[:/]gpu:1\b", job.get("TresPerJob", "") + job.get("TresPerNode", "")), job
        else:
            assert job["Partition"] == "cpu", job
            assert "gpu" not in job.get("TresPerJob", "") + job.get("TresPerNode", ""), job
    assert ran == planned  # every job of the plan ran as a SLURM job (no local rules on this path)
    assert planned_jobs(snakemake("--profile", "local_slurm", "-n", TARGET, cwd=workdir).stdout) == {}  # complete
    rows = (workdir / TARGET).read_text().splitlines()
    assert rows[0].startswith("id,") and len(rows) > 1
