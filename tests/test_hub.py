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
                     lambda: data.load_hub("quartz", "allenai/quartz", [], ["train"], 0)):
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
    override.write_text(f"hub_cache: {tmp_path / 'cache'}\ndatasets:\n  quartz: {{source: hub, hub_path: {folder}, hub_splits: [validation], max_items: 50}}\n")
    snakemake("results/data/quartz.jsonl", "-c1", "--configfile", str(override), cwd=tmp_path)
    marker = json.loads((tmp_path / "results/hub/datasets/quartz.json").read_text())
    assert marker["rows"] == {"validation": len((REPO / "resources/data/quartz/validation.jsonl").read_text().splitlines())}
    assert marker["cache"] == str(tmp_path / "cache")
    assert len((tmp_path / "results/data/quartz.jsonl").read_text().splitlines()) == 50
