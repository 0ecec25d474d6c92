"""Saving experts: the safetensors dtype (config ``training.save_dtype``), atomic and umask-readable."""

import json
import os
import stat

import pytest
import torch
import yaml
from safetensors import safe_open

from conftest import REPO
from ensemw2s import models


def test_save_dtype_follows_the_training_precision_unless_float32_is_asked_for():
    assert models.save_dtype("auto", "bf16") == torch.bfloat16
    assert models.save_dtype("auto", "no") == torch.float32
    assert models.save_dtype("auto", "fp16") == torch.float32
    assert models.save_dtype("float32", "bf16") == torch.float32
    expected = torch.bfloat16 if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else torch.float32
    assert models.save_dtype("auto", "auto") == expected
    with pytest.raises(ValueError, match="save_dtype"):
        models.save_dtype("bfloat16", "bf16")
    schema = yaml.safe_load((REPO / "config/schema.yaml").read_text())
    entry = schema["properties"]["training"]["properties"]["save_dtype"]
    assert entry["default"] == "auto" and tuple(entry["enum"]) == models.SAVE_DTYPES


def _dtypes(directory):
    with safe_open(str(directory / "model.safetensors"), "pt") as f:
        return {f.get_slice(name).get_dtype() for name in f.keys()}


@pytest.mark.parametrize("family", ["gpt_neox", "gpt2"])
def test_bf16_save_writes_bf16_safetensors_and_leaves_the_model_in_memory_alone(tokenizer, tmp_path, family):
    model = models.build_tiny_model({"family": family, "hidden_size": 32, "num_layers": 2, "num_heads": 2}, tokenizer, seed=0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    models.save_model(model, tokenizer, tmp_path / "fp32")
    models.save_model(model, tokenizer, tmp_path / "bf16", dtype=torch.bfloat16)
    assert _dtypes(tmp_path / "fp32") == {"F32"} and _dtypes(tmp_path / "bf16") == {"BF16"}
    assert json.loads((tmp_path / "bf16/config.json").read_text())["dtype"] == "bfloat16"
    size = {d: (tmp_path / d / "model.safetensors").stat().st_size for d in ("fp32", "bf16")}
    assert size["bf16"] < 0.55 * size["fp32"]  # half the bytes (tied GPT-2 embeddings written once)
    # the model in memory: still fp32, the same weights, its config's dtype as before
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    # loaded for fp32 inference: fp32 weights equal to the bf16-rounded originals
    loaded = models.load_for_inference(str(tmp_path / "bf16"), "no")
    assert {p.dtype for p in loaded.parameters()} == {torch.float32}
    state = loaded.state_dict()
    for name, value in before.items():
        if value.is_floating_point() and name in state:
            assert torch.equal(state[name], value.to(torch.bfloat16).float()), name
    if family == "gpt2":
        assert loaded.get_output_embeddings().weight is loaded.get_input_embeddings().weight


def test_saved_models_are_complete_or_absent_with_the_umask_permissions(tokenizer, tmp_path, monkeypatch):
    """Experts and tiny models are outputs like any other: 0644 files and 0755 folders under umask
    022 (save_pretrained alone writes model.safetensors 0600), renamed into place only when whole."""
    model = models.build_tiny_model({"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}, tokenizer, seed=0)
    previous = os.umask(0o022)
    try:
        models.save_model(model, tokenizer, tmp_path / "expert", dtype=torch.bfloat16)
        models.save_tokenizer(tokenizer, tmp_path / "tokenizer")
    finally:
        os.umask(previous)
    for folder in ("expert", "tokenizer"):
        assert stat.S_IMODE((tmp_path / folder).stat().st_mode) == 0o755
        files = list((tmp_path / folder).iterdir())
        assert files and {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o644}, folder
    assert (tmp_path / "expert/model.safetensors").exists()

    # killed half-way: the weights are written, the tokenizer is not
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(tokenizer), "save_pretrained", interrupted)
    with pytest.raises(KeyboardInterrupt):
        models.save_model(model, tokenizer, tmp_path / "killed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["expert", "tokenizer"]
