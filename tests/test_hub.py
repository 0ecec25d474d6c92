"""Hub prefetch and offline loading, without network: a fake download into the real cache layout,
local dataset folders through the real `datasets.load_dataset`, and the cache-miss error path.

The hub libraries read HF_HOME and the offline switches at import, so each scenario runs in a
fresh interpreter with its own environment."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import REPO, copy_workflow, planned_jobs, snakemake


def _python(code: str, env: dict, check=True) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    full_env.update(env)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=full_env)
    if check and result.returncode != 0:
        raise AssertionError(result.stdout[-3000:] + result.stderr[-3000:])
    return result


OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def test_missing_model_and_dataset_fail_offline_with_a_clear_message(tmp_path):
    result = _python(
        """
        from ensemw2s import data, hub, models
        for load in (lambda: models.load_causal_lm("EleutherAI/pythia-70m"), lambda: models.load_tokenizer("EleutherAI/pythia-70m"),
                     lambda: data.load_hub("quartz", "allenai/quartz", [], splits=["train"], seed=0)):
            try:
                load()
            except hub.HubCacheMiss as error:
                print("MISS", error)
            else:
                print("LOADED")
        """,
        {"HF_HOME": str(tmp_path / "empty_cache"), **OFFLINE},
    )
    misses = [line for line in result.stdout.splitlines() if line.startswith("MISS")]
    assert len(misses) == 3, result.stdout + result.stderr
    for line, kind, name in zip(misses, ("model", "model", "dataset"), ("EleutherAI/pythia-70m", "EleutherAI/pythia-70m", "allenai/quartz")):
        assert f"hub {kind} '{name}' is not in the Hugging Face cache {tmp_path / 'empty_cache'}" in line
        assert "HF_HUB_OFFLINE=1" in line and f"results/hub/{kind}s/<key>.json" in line


def test_prefetched_model_loads_offline_from_the_cache(tmp_path):
    cache = tmp_path / "cache"
    # Prefetch: the real prefetch_model, with snapshot_download replaced by a fake "download" that
    # writes a tiny model into the cache layout huggingface_hub uses (snapshots/<commit>, refs/main).
    summary = _python(
        f"""
        import json
        from pathlib import Path
        import huggingface_hub
        from ensemw2s import hub, models

        def fake_snapshot_download(repo_id, revision=None, allow_patterns=None):
            assert allow_patterns == hub.MODEL_FILES
            repo = Path({str(cache)!r}) / "hub" / ("models--" + repo_id.replace("/", "--"))
            snapshot = repo / "snapshots" / ("0" * 40)
            tokenizer = models.load_shipped_tokenizer({str(REPO / "resources/tokenizers/pythia")!r})
            model = models.build_tiny_model({{"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}}, tokenizer, seed=0)
            models.save_model(model, tokenizer, snapshot)
            (repo / "refs").mkdir()
            (repo / "refs" / "main").write_text("0" * 40)
            return str(snapshot)

        huggingface_hub.snapshot_download = fake_snapshot_download
        print(json.dumps(hub.prefetch_model("someone/tiny-model")))
        """,
        {"HF_HOME": str(cache)},
    ).stdout
    summary = json.loads(summary.splitlines()[-1])
    assert summary["repo"] == "someone/tiny-model" and "model.safetensors" in summary["files"] and summary["cache"] == str(cache)
    # Compute job: offline, the same cache: loads; another model: the clear cache-miss error.
    result = _python(
        """
        from ensemw2s import hub, models
        tokenizer = models.load_tokenizer("someone/tiny-model")
        model = models.load_causal_lm("someone/tiny-model")
        print("LOADED", type(model).__name__, tokenizer.eos_token)
        try:
            models.load_causal_lm("someone/other-model")
        except hub.HubCacheMiss as error:
            print("MISS", error)
        """,
        {"HF_HOME": str(cache), **OFFLINE},
    )
    assert "LOADED GPTNeoXForCausalLM" in result.stdout, result.stdout + result.stderr
    assert "MISS hub model 'someone/other-model' is not in the Hugging Face cache" in result.stdout


@pytest.mark.workflow
def test_hub_entries_add_prefetch_jobs_and_tiny_entries_none(tmp_path):
    copy_workflow(tmp_path)
    default = planned_jobs(snakemake("-n", "results/difficulty/quartz/fold0.csv", cwd=tmp_path).stdout)
    assert not {"prefetch_model", "prefetch_dataset"} & set(default)
    paper = snakemake("-n", "results/difficulty/quartz/fold0.csv", "--configfile", "config/paper.yaml", cwd=tmp_path).stdout
    assert planned_jobs(paper) == {"prefetch_dataset": 1, "prefetch_model": 1, "dataset": 1, "difficulty_fold": 1, "total": 4}
    assert "output: results/hub/models/pythia-160m.json" in paper and "output: results/hub/datasets/quartz.json" in paper


@pytest.mark.workflow
def test_prefetch_rule_then_offline_dataset_job(tmp_path):
    """The real prefetch job (datasets.load_dataset on a dataset folder), then the dataset job,
    which runs offline and reads it from there."""
    copy_workflow(tmp_path)
    folder = tmp_path / "hub_quartz"
    folder.mkdir()
    (folder / "validation.jsonl").write_text((REPO / "resources/data/quartz/validation.jsonl").read_text())
    override = tmp_path / "hub.yaml"
    override.write_text(
        f"hub_cache: {tmp_path / 'cache'}\ndatasets:\n  quartz: {{source: hub, hub_path: {folder}, hub_splits: [validation], max_items: 50}}\n"
    )
    snakemake("results/data/quartz.jsonl", "-c1", "--configfile", str(override), cwd=tmp_path)
    marker = json.loads((tmp_path / "results/hub/datasets/quartz.json").read_text())
    assert marker["rows"] == {"validation": len((REPO / "resources/data/quartz/validation.jsonl").read_text().splitlines())}
    assert marker["cache"] == str(tmp_path / "cache")
    assert len((tmp_path / "results/data/quartz.jsonl").read_text().splitlines()) == 50


# ------------------------------------------------------------------------------ pinned revisions
def test_split_revision():
    from ensemw2s.hub import split_revision

    assert split_revision("EleutherAI/pythia-70m") == ("EleutherAI/pythia-70m", None)
    assert split_revision("EleutherAI/pythia-70m@" + "a" * 40) == ("EleutherAI/pythia-70m", "a" * 40)
    assert split_revision("gpt2@v1.0") == ("gpt2", "v1.0")
    assert split_revision(str(REPO / "resources")) == (str(REPO / "resources"), None)


def test_prefetch_downloads_no_code_unless_trusted_and_records_the_revision(tmp_path):
    """The pinned revision reaches snapshot_download, the marker records the commit it resolved
    to, *.py is fetched only with trust_remote_code, and a compute job loads that revision offline."""
    cache = tmp_path / "cache"
    commit = "1234567890abcdef1234567890abcdef12345678"
    result = _python(
        f"""
        import json
        from pathlib import Path
        import huggingface_hub
        from ensemw2s import hub, models

        calls = []
        def fake_snapshot_download(repo_id, revision=None, allow_patterns=None):
            calls.append((revision, allow_patterns))
            repo = Path({str(cache)!r}) / "hub" / ("models--" + repo_id.replace("/", "--"))
            snapshot = repo / "snapshots" / {commit!r}
            tokenizer = models.load_shipped_tokenizer({str(REPO / "resources/tokenizers/pythia")!r})
            model = models.build_tiny_model({{"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}}, tokenizer, seed=0)
            models.save_model(model, tokenizer, snapshot)
            (repo / "refs").mkdir(exist_ok=True)
            (repo / "refs" / "v1").write_text({commit!r})
            return str(snapshot)

        huggingface_hub.snapshot_download = fake_snapshot_download
        plain = hub.prefetch_model("someone/tiny-model", "v1")
        trusted = hub.prefetch_model("someone/tiny-model", "v1", trust_remote_code=True)
        print(json.dumps({{"calls": calls, "plain": plain, "trusted": trusted}}))
        """,
        {"HF_HOME": str(cache)},
    ).stdout
    result = json.loads(result.splitlines()[-1])
    (plain_revision, plain_patterns), (_, trusted_patterns) = result["calls"]
    assert plain_revision == "v1" and not any(p.endswith(".py") for p in plain_patterns) and "*.safetensors" in plain_patterns
    assert "*.py" in trusted_patterns
    assert result["plain"]["revision"] == "v1" and result["plain"]["resolved_revision"] == commit
    assert result["plain"]["trust_remote_code"] is False and result["trusted"]["trust_remote_code"] is True
    # offline, the pinned source (id@revision, as rules/common.smk's model_source writes it) loads
    loaded = _python(
        f"""
        from ensemw2s import hub, models
        for source in ("someone/tiny-model@v1", "someone/tiny-model@{commit}"):
            models.load_tokenizer(source)
            print("LOADED", type(models.load_causal_lm(source)).__name__)
        try:
            models.load_causal_lm("someone/tiny-model@v2")
        except hub.HubCacheMiss as error:
            print("MISS", error)
        """,
        {"HF_HOME": str(cache), **OFFLINE},
    )
    assert loaded.stdout.count("LOADED GPTNeoXForCausalLM") == 2, loaded.stdout + loaded.stderr
    assert "MISS hub model 'someone/tiny-model@v2' is not in the Hugging Face cache" in loaded.stdout


def test_model_source_pins_only_a_non_default_revision():
    """rules/common.smk's model_source (run here without Snakemake): id@revision when pinned, the
    plain id for main (so unpinned configs keep their params), the tiny model's folder otherwise."""
    source = (REPO / "rules/common.smk").read_text()
    start = source.index("def model_source(name):")
    namespace = {
        "MODELS": {
            "a": {"hub": "EleutherAI/pythia-70m", "revision": "main"},
            "b": {"hub": "gpt2", "revision": "607a30d783dfa663caf39e06633721c8d4cfcd7e"},
            "c": {"hub": "gpt2"},
            "tiny": {"family": "gpt2"},
        }
    }
    exec(source[start : source.index("def model_inputs")], namespace)
    sources = {name: namespace["model_source"](name) for name in ("a", "b", "c", "tiny")}
    assert sources == {"a": "EleutherAI/pythia-70m", "b": "gpt2@607a30d783dfa663caf39e06633721c8d4cfcd7e", "c": "gpt2", "tiny": "results/models/tiny"}


@pytest.mark.workflow
def test_schema_takes_revisions_of_hub_models_and_datasets(tmp_path):
    copy_workflow(tmp_path)
    override = tmp_path / "pin.yaml"
    override.write_text("models:\n  pythia-160m: {revision: abc123}\ndatasets:\n  quartz: {revision: def456}\n")
    jobs = planned_jobs(
        snakemake("-n", "results/difficulty/quartz/fold0.csv", "--configfile", "config/paper.yaml", str(override), cwd=tmp_path).stdout
    )
    assert jobs["prefetch_model"] == 1 and jobs["prefetch_dataset"] == 1
    override.write_text("models:\n  pythia-160m: {revision: ''}\n")
    result = snakemake("-n", "--configfile", "config/paper.yaml", str(override), cwd=tmp_path, check=False)
    assert result.returncode != 0 and "config key models.pythia-160m.revision: '' should be non-empty" in result.stdout + result.stderr


def test_pyproject_ranges_contain_the_pinned_environment():
    """envs/ensemw2s.yaml pins the tested versions; pyproject.toml's ranges must allow exactly them."""
    import tomllib

    import yaml
    from packaging.requirements import Requirement

    requirements = {
        Requirement(r).name.lower().replace("_", "-"): Requirement(r)
        for r in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    environment = yaml.safe_load((REPO / "envs/ensemw2s.yaml").read_text())
    pins = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            for line in entry["pip"]:
                if "==" in line:
                    name, version = line.split("==")
                    pins[name.lower().replace("_", "-")] = version
    for name in ("torch", "transformers", "tokenizers", "accelerate", "datasets", "huggingface-hub", "pandas", "matplotlib", "seaborn"):
        assert name in pins and name in requirements, name
    for name, version in pins.items():
        assert name in requirements, f"{name} is pinned in envs/ensemw2s.yaml but not a pyproject.toml dependency"
        assert requirements[name].specifier.contains(version), f"{name}=={version} outside pyproject's {requirements[name].specifier}"
    assert not requirements["transformers"].specifier.contains("4.46.0")  # 4.x is untested
