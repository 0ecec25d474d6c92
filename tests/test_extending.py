"""Bring your own dataset and model by config alone (docs/extending.md): a multiple-choice JSONL file
written here, read through a field mapping, and new model registry entries, through both tracks to
their tables."""

import json
import random

import pandas as pd
import pytest

from conftest import copy_workflow, planned_jobs, snakemake

pytestmark = pytest.mark.workflow

N_ITEMS = 120


def write_items(path, n=N_ITEMS, seed=0):
    """``n`` deterministic three-choice items ("which is largest?"), the answer at a random position."""
    rng = random.Random(seed)
    with open(path, "w") as handle:
        for index in range(n):
            numbers = rng.sample(range(10, 100), 3)
            handle.write(
                json.dumps(
                    {
                        "key": f"item{index:03d}",
                        "prompt": f"Which is largest: {', '.join(map(str, numbers))}?",
                        "notes": "Compare the tens digit first.",
                        "options": [str(number) for number in numbers],
                        "correct": numbers.index(max(numbers)),
                    }
                )
                + "\n"
            )


TINY = "{tokenizer: bpe, family: %s, hidden_size: %d, num_layers: 1, num_heads: 2, pretrain_steps: 5, pretrain_batch_size: 16, pretrain_seq_len: 32, lr: 1.0e-3, batch_size: 16}"
MAPPING = "{question: prompt, choices: options, answer_index: correct, context: notes, id: key}"
CONFIG = f"""
datasets:
  mine:
    task: generation
    source: jsonl
    local_files: [my_items.jsonl]
    fields: {MAPPING}
    n_test: 20
    n_val: 10
    epochs: 1
    difficulty_rater: my-weak
  mine_binary:
    task: classification
    source: jsonl
    local_files: [my_items.jsonl]
    fields: {MAPPING}
    n_test: 20
    n_val: 10
    epochs: 1
    difficulty_rater: my-weak
models:
  my-weak: {TINY % ("gpt2", 16)}
  my-strong: {TINY % ("gpt_neox", 32)}
  my-hub: {{hub: EleutherAI/pythia-14m, lr: 1.0e-5, batch_size: 8}}
generation:
  datasets: [mine]
  models: [my-weak, my-strong]
  rounds: 2
  max_new_tokens: 4
classification:
  datasets: [mine_binary]
  models: [my-weak, my-strong]
  rounds: 2
ablations: {{datasets: []}}
difficulty: {{n_folds: 2}}
"""
TABLES = ["results/tables/mine_random.csv", "results/tables/mine_binary_random.csv"]


def test_own_jsonl_dataset_and_new_models_run_both_tracks_to_tables(tmp_path):
    copy_workflow(tmp_path)
    write_items(tmp_path / "my_items.jsonl")
    (tmp_path / "mine.yaml").write_text(CONFIG)
    # A hub model is one registry entry: named by a track, it is prefetched and trained (dry-run only: offline here).
    (tmp_path / "hub.yaml").write_text("generation:\n  models: [my-weak, my-hub]\n")
    dry = snakemake("-n", "--configfile", "mine.yaml", "hub.yaml", "--", *TABLES, cwd=tmp_path).stdout
    assert "results/hub/models/my-hub.json" in dry and planned_jobs(dry)["prefetch_model"] == 1

    snakemake("-c2", "--configfile", "mine.yaml", "--", *TABLES, cwd=tmp_path)
    records = [json.loads(line) for line in (tmp_path / "results/data/mine.jsonl").read_text().splitlines()]
    assert len(records) == N_ITEMS and records[0]["id"] == "item000" and records[0]["context"] == "Compare the tens digit first."
    binary = [json.loads(line) for line in (tmp_path / "results/data/mine_binary.jsonl").read_text().splitlines()]
    assert len(binary) == N_ITEMS and {r["binary_label"] for r in binary} == {0, 1}
    for table in TABLES:
        text = pd.read_csv(tmp_path / table).to_csv()
        assert "my-weak" in text and "my-strong" in text, f"{table} has no row of the pair my-weak -> my-strong:\n{text}"
