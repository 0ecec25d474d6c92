import math

import pytest
import torch
import torch.nn.functional as F

from ensemw2s import losses, text, train


def test_encode_pair_marks_answer_tokens(tokenizer):
    pair = text.encode_pair(tokenizer, "Q: Why?\nA:", " because", max_length=64)
    answer = tokenizer(" because", add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    assert pair.input_ids[pair.answer_start :] == answer
    batch = text.collate_pairs([pair, text.encode_pair(tokenizer, "Q: Hm?\nA:", " no", max_length=64)], tokenizer.pad_token_id)
    # Position j predicts token j+1: the targets under the mask are exactly the answer tokens.
    assert batch.input_ids[0, 1:][batch.target_mask[0]].tolist() == answer
    assert batch.target_weights[0].sum() == len(answer)


def test_encode_pair_truncates_the_prompt_from_the_left(tokenizer):
    pair = text.encode_pair(tokenizer, "one two three four five six seven eight nine ten", " end", max_length=6)
    assert len(pair.input_ids) == 6 and pair.answer_length == len(tokenizer(" end")["input_ids"]) + 1


def test_weighted_loss_equals_hand_computed_value(tokenizer, tiny_model):
    pairs = [
        text.encode_pair(tokenizer, "Q: Is it hot?\nA:", " yes", max_length=32),
        text.encode_pair(tokenizer, "Q: Up or down?\nA:", " down", max_length=32),
    ]
    weights = [[2.0] * pairs[0].answer_length, [0.5] + [1.5] * (pairs[1].answer_length - 1)]
    batch = text.collate_pairs(pairs, tokenizer.pad_token_id, weights)
    tiny_model.eval()
    with torch.no_grad():
        got = losses.lm_loss_sum(tiny_model, batch) / losses.lm_loss_count(batch)
        expected, count = 0.0, 0
        for pair, pair_weights in zip(pairs, weights):
            logits = tiny_model(input_ids=torch.tensor([pair.input_ids])).logits[0]
            for k, weight in enumerate(pair_weights):
                position = pair.answer_start + k
                ce = F.cross_entropy(logits[position - 1], torch.tensor(pair.input_ids[position]))
                expected += weight * ce.item()
                count += 1
    assert got.item() == pytest.approx(expected / count, rel=1e-5)


def test_classifier_loss_is_weighted_soft_cross_entropy():
    class Fixed(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bias = torch.nn.Parameter(torch.zeros(1))

        def forward(self, input_ids, attention_mask):
            logits = torch.tensor([[0.0, 1.0], [2.0, 0.0]]) + self.bias
            return type("Out", (), {"logits": logits})

    batch = losses.ClassifierBatch(
        torch.zeros(2, 3, dtype=torch.long), torch.ones(2, 3), torch.tensor([[0.2, 0.8], [1.0, 0.0]]), torch.tensor([3.0, 1.0])
    )
    lp0 = torch.log_softmax(torch.tensor([0.0, 1.0]), -1)
    lp1 = torch.log_softmax(torch.tensor([2.0, 0.0]), -1)
    expected = 3.0 * -(0.2 * lp0[0] + 0.8 * lp0[1]) + 1.0 * -lp1[0]
    assert losses.classifier_loss_sum(Fixed(), batch).item() == pytest.approx(expected.item(), rel=1e-6)


def test_normalised_weights_mean_one_and_bad_weights_rejected():
    assert train.normalised_weights([1, 3], "w") == [0.5, 1.5]
    for bad in ([], [0, 0], [1, -1], [1, math.nan]):
        with pytest.raises(ValueError, match="w must be"):
            train.normalised_weights(bad, "w")


def _settings(**overrides):
    values = dict(epochs=2, lr=5e-3, batch_size=4, seed=7)
    values.update(overrides)
    return train.TrainSettings(**values)


def _sft(model, tokenizer, settings, token_weights=None):
    prompts = [f"Q: item {i}?\nA:" for i in range(10)]
    answers = [" yes" if i % 2 else " no" for i in range(10)]
    return train.train_sft(model, tokenizer, prompts, answers=answers, settings=settings, max_length=32, token_weights=token_weights)


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_same_seed_same_weights(tokenizer):
    from ensemw2s.models import build_tiny_model

    arch = {"family": "gpt2", "hidden_size": 16, "num_layers": 1, "num_heads": 2}
    states = []
    for _ in range(2):
        model = build_tiny_model(arch, tokenizer, seed=1)
        _sft(model, tokenizer, _settings())
        states.append(_state(model))
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])


def test_token_weights_change_training(tokenizer):
    from ensemw2s.models import build_tiny_model

    arch = {"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}
    plain, weighted = build_tiny_model(arch, tokenizer, 0), build_tiny_model(arch, tokenizer, 0)
    _sft(plain, tokenizer, _settings())
    lengths = [text.encode_pair(tokenizer, f"Q: item {i}?\nA:", " yes" if i % 2 else " no", max_length=32).answer_length for i in range(10)]
    _sft(weighted, tokenizer, _settings(), [[5.0 if i < 3 else 1.0] * n for i, n in enumerate(lengths)])
    assert not torch.equal(plain.gpt_neox.embed_in.weight, weighted.gpt_neox.embed_in.weight)
    with pytest.raises(ValueError, match="one weight per answer token"):
        _sft(build_tiny_model(arch, tokenizer, 0), tokenizer, _settings(), [[1.0]] * 10)


def test_micro_batches_give_the_full_batch_update(tokenizer):
    from ensemw2s.models import build_tiny_model

    arch = {"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}
    full, accumulated = build_tiny_model(arch, tokenizer, 0), build_tiny_model(arch, tokenizer, 0)
    _sft(full, tokenizer, _settings(epochs=1))
    _sft(accumulated, tokenizer, _settings(epochs=1, micro_batch_size=1))
    for key, value in _state(full).items():
        assert torch.allclose(value, accumulated.state_dict()[key], atol=1e-5), key


def test_killed_training_resumes_from_checkpoint_with_identical_result(tokenizer, tmp_path):
    from ensemw2s.models import build_tiny_model

    arch = {"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}
    reference = build_tiny_model(arch, tokenizer, 0)
    _sft(reference, tokenizer, _settings(epochs=3))

    settings = _settings(epochs=3, checkpoint_dir=str(tmp_path / "ckpt"), checkpoint_every=2)
    interrupted = build_tiny_model(arch, tokenizer, 0)
    calls = {"n": 0}
    original = train.lm_loss_sum

    def dying_loss(model, batch):
        calls["n"] += 1
        if calls["n"] == 6:  # the 6th step: checkpoints exist for steps 2 and 4
            raise KeyboardInterrupt
        return original(model, batch)

    train.lm_loss_sum = dying_loss
    try:
        with pytest.raises(KeyboardInterrupt):
            _sft(interrupted, tokenizer, settings)
    finally:
        train.lm_loss_sum = original
    assert (tmp_path / "ckpt" / "latest" / "progress.json").is_file()

    resumed = build_tiny_model(arch, tokenizer, 0)
    summary = _sft(resumed, tokenizer, settings)
    assert summary["resumed_from_step"] == 4 and summary["steps"] == 9
    for key, value in _state(reference).items():
        assert torch.allclose(value, resumed.state_dict()[key], atol=1e-6), key
    assert not (tmp_path / "ckpt").exists()  # removed after success


def test_checkpoint_of_other_settings_is_not_resumed(tokenizer, tmp_path):
    from ensemw2s.models import build_tiny_model

    arch = {"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}
    checkpoint = train._Checkpoint(_settings(checkpoint_dir=str(tmp_path)), 10, "other data")
    model = build_tiny_model(arch, tokenizer, 0)
    accelerator = train.make_accelerator("no")
    checkpoint.save(accelerator, 3)
    summary = _sft(model, tokenizer, _settings(checkpoint_dir=str(tmp_path)))
    assert summary["resumed_from_step"] == 0


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError, match="lr must be > 0"):
        _settings(lr=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        _settings(batch_size=0)


def test_max_grad_norm_zero_does_not_clip_and_is_settable_from_params(tokenizer):
    """One huge-lr step: clipped at a tiny norm, Adam's update shrinks (gradients below its eps);
    with max_grad_norm 0 the full step is taken."""
    from types import SimpleNamespace

    from ensemw2s.models import build_tiny_model

    arch = {"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}
    start = _state(build_tiny_model(arch, tokenizer, 0))
    moved = {}
    for norm in (0.0, 1e-12):
        model = build_tiny_model(arch, tokenizer, 0)
        _sft(model, tokenizer, _settings(epochs=1, lr=1.0, batch_size=10, max_grad_norm=norm))
        key = "gpt_neox.embed_in.weight"
        moved[norm] = (model.state_dict()[key] - start[key]).abs().max().item()
    assert moved[0.0] > 0.5 and moved[1e-12] < 0.1 * moved[0.0]
    with pytest.raises(ValueError, match="max_grad_norm"):
        _settings(max_grad_norm=-1.0)
    params = dict(
        lr=1e-3,
        batch_size=4,
        micro_batch_size=0,
        weight_decay=0.0,
        warmup_ratio=0.0,
        lr_schedule="cosine",
        mixed_precision="no",
        checkpoint_dir="",
        checkpoint_every=0,
    )
    assert train.settings_from_params(SimpleNamespace(**params, max_grad_norm=0.0), seed=0, epochs=1).max_grad_norm == 0.0
    with pytest.raises(AttributeError, match="max_grad_norm"):  # every track's jobs pass it (generation.max_grad_norm: 1.0)
        train.settings_from_params(SimpleNamespace(**params), seed=0, epochs=1)


def test_finished_training_removes_its_checkpoint_and_empty_parents(tokenizer, tmp_path):
    from ensemw2s.models import build_tiny_model

    root = tmp_path / ".checkpoints"
    sibling = root / "weak" / "quartz" / "random" / "seed0" / "tiny-weak" / "round1" / "latest"
    sibling.mkdir(parents=True)  # another job's checkpoint, under a shared parent
    mine = root / "weak" / "quartz" / "random" / "seed0" / "tiny-weak" / "round2"
    other = root / "students" / "quartz" / "random" / "seed0" / "a_to_b" / "T1"
    arch = {"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}
    _sft(build_tiny_model(arch, tokenizer, 0), tokenizer, _settings(checkpoint_dir=str(mine), checkpoint_every=1))
    assert not mine.exists() and sibling.is_dir()  # the sibling's folders stay
    _sft(build_tiny_model(arch, tokenizer, 0), tokenizer, _settings(checkpoint_dir=str(other), checkpoint_every=1))
    assert not (root / "students").exists()  # every folder it left empty is gone...
    assert root.is_dir()  # ... up to .checkpoints itself
    outside = tmp_path / "elsewhere" / "ckpt"  # no .checkpoints ancestor: only its own folder goes
    _sft(build_tiny_model(arch, tokenizer, 0), tokenizer, _settings(checkpoint_dir=str(outside), checkpoint_every=1))
    assert not outside.exists() and (tmp_path / "elsewhere").is_dir()


def test_every_training_rule_uses_one_checkpoint_layout(repo):
    """.checkpoints/<the job's output folder under results/>: never .checkpoints/results/..."""
    import re

    for path in (repo / "rules").glob("*.smk"):
        for line in path.read_text().splitlines():
            if "checkpoint_dir=" in line:
                assert "CHECKPOINT_ROOT}/{round_dir" not in line and "results/" not in line, f"{path.name}: {line.strip()}"
                assert re.search(r"CHECKPOINT_ROOT|checkpoint_dir\(", line), f"{path.name}: {line.strip()}"


def test_the_optimiser_is_fused_adamw_with_the_settings(tiny_model):
    """AdamW's fused kernel (transformers.Trainer's default) where the device has one: its update
    equals PyTorch's default AdamW's up to float rounding."""
    settings = train.TrainSettings(epochs=1, lr=3e-4, batch_size=2, seed=0, weight_decay=0.01)
    fused = train.make_optimizer(tiny_model, settings)
    assert fused.defaults["fused"] and fused.defaults["lr"] == 3e-4 and fused.defaults["weight_decay"] == 0.01
    params = [p for p in tiny_model.parameters()]
    start = [p.detach().clone() for p in params]
    reference = [torch.nn.Parameter(p.clone()) for p in start]
    plain = torch.optim.AdamW(reference, lr=3e-4, weight_decay=0.01)
    for step in range(3):
        for p, q in zip(params, reference):
            p.grad = torch.full_like(p, 0.1 * (step + 1)) + 0.01 * torch.arange(p.numel()).view_as(p).sin()
            q.grad = p.grad.clone()
        fused.step()
        plain.step()
    assert all(torch.allclose(p, q, atol=1e-6) for p, q in zip(params, reference))
    assert not all(torch.equal(p, s) for p, s in zip(params, start))


def test_a_device_without_fused_adamw_gets_the_default_one(tiny_model, monkeypatch):
    real = torch.optim.AdamW

    def no_fused(params, **kwargs):
        if kwargs.get("fused"):
            raise RuntimeError("`fused=True` requires all the params to be floating point Tensors of supported devices")
        return real(params, **kwargs)

    monkeypatch.setattr(torch.optim, "AdamW", no_fused)
    optimiser = train.make_optimizer(tiny_model, train.TrainSettings(epochs=1, lr=3e-4, batch_size=2, seed=0))
    assert not optimiser.defaults["fused"] and optimiser.defaults["lr"] == 3e-4
