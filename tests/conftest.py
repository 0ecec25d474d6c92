import json
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
