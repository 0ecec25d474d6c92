import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def tokenizer():
    from ensemw2s.models import train_bpe_tokenizer

    texts = [json.loads(line)["question"] for line in (REPO / "resources/data/quartz/validation.jsonl").read_text().splitlines()]
    return train_bpe_tokenizer(texts, 400)


@pytest.fixture(scope="session")
def gpt2_tokenizer():
    from ensemw2s.models import load_shipped_tokenizer

    return load_shipped_tokenizer(REPO / "resources/tokenizers/gpt2")


@pytest.fixture
def tiny_model(tokenizer):
    from ensemw2s.models import build_tiny_model

    return build_tiny_model({"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}, tokenizer, seed=0)


def write_lines(path: Path, rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return path


# ------------------------------------------------------------------------------- workflow helpers
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
WORKFLOW_FILES = ["Snakefile", "rules", "scripts", "config", "envs", "resources", "slurm", "profiles", "report"]


def snakemake(*args, cwd=REPO, check=True, env=None):
    result = subprocess.run([*SNAKEMAKE, *args], cwd=cwd, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def copy_workflow(destination: Path) -> Path:
    for name in WORKFLOW_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy2(source, destination / name)
    return destination


def planned(workdir_or_output, *args) -> dict[str, set[frozenset]]:
    """The jobs a dry-run plans: rule -> set of each job's outputs (rule `all` left out).  Given a
    directory, runs ``snakemake -n *args`` there; given a string, parses that dry-run's output."""
    output = workdir_or_output if isinstance(workdir_or_output, str) else snakemake("-n", *args, cwd=workdir_or_output).stdout
    jobs, rule = {}, None
    for line in output.splitlines():
        match = re.match(r"^(?:local)?rule (\S+):$", line)
        if match:
            rule = match.group(1)
        elif rule and line.startswith("    output: "):
            if rule != "all":
                jobs.setdefault(rule, set()).add(frozenset(line[len("    output: ") :].split(", ")))
            rule = None
    return jobs


# Parses the workflow with the Snakemake API (nothing is planned or run) and prints, as JSON, the
# settings (``params: settings=job_settings(...)``) each of the given jobs of one rule gets.
_RULE_SETTINGS = """
import json, sys
from pathlib import Path
from types import SimpleNamespace
from snakemake.api import ConfigSettings, OutputSettings, ResourceSettings, SnakemakeApi
rule, jobs, config = json.loads(sys.argv[1])
with SnakemakeApi(OutputSettings()) as api:
    workflow = api.workflow(
        resource_settings=ResourceSettings(), config_settings=ConfigSettings(config=config), snakefile=Path("Snakefile"), workdir=Path(".")
    )._workflow
    settings = workflow.get_rule(rule).params["settings"]
    print(json.dumps([settings(SimpleNamespace(**wildcards)) for wildcards in jobs]))
"""


def rule_settings(rule: str, jobs: list[dict], config: dict | None = None, cwd=REPO) -> list[dict]:
    """The ``job_settings`` that the jobs of ``rule`` with these wildcards get, in a separate process
    (parsing the workflow sets environment variables), under the ``config`` overrides (merged into
    config/config.yaml, as ``--config`` does)."""
    result = subprocess.run([sys.executable, "-c", _RULE_SETTINGS, json.dumps([rule, jobs, config or {}])], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"parsing the workflow failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.splitlines()[-1])


def planned_jobs(output: str) -> dict[str, int]:
    """Job counts from the 'Job stats' table of a dry-run."""
    counts, in_table = {}, False
    for line in output.splitlines():
        if line.startswith("Job stats"):
            in_table = True
            continue
        parts = line.split()
        if in_table and len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
        elif in_table and counts and not line.strip():
            break
    return counts


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """The embedded default, end to end, in a fresh copy of the workflow: one run (several
    minutes) shared by every test that needs a completed default run.  Tests must leave it
    complete (dry-runs and no-op re-saves only).  ``ENSEMW2S_DEFAULT_RUN=<dir>`` points the tests
    at an existing completed run (a copy of the workflow) instead of building one."""
    import os

    if os.environ.get("ENSEMW2S_DEFAULT_RUN"):
        return Path(os.environ["ENSEMW2S_DEFAULT_RUN"])
    workdir = copy_workflow(tmp_path_factory.mktemp("default_run"))
    snakemake("-c2", cwd=workdir)
    return workdir


@pytest.fixture(scope="session")
def sandbox_run(request):
    """A completed run with the sandbox through both tracks: the embedded default runs it, so the
    sandbox tests read the default run.  ``ENSEMW2S_SANDBOX_RUN=<dir>`` points them at another
    completed run that has the sandbox (e.g. one of config/sandbox.yaml) instead."""
    import os

    if os.environ.get("ENSEMW2S_SANDBOX_RUN"):
        return Path(os.environ["ENSEMW2S_SANDBOX_RUN"])
    return request.getfixturevalue("default_run")
