"""Plain-ensemble baselines (ensemw2s.baselines): bagging, seeds and a compute-matched model."""

import numpy as np
import pandas as pd
import pytest
import torch

from ensemw2s import baselines, ensemble
from ensemw2s.train import ModelSpec, TrainSettings


def test_bagging_draws_a_seeded_bootstrap_per_expert_and_expert_one_is_the_single_weak_model():
    counts = baselines.bootstrap_counts(200, seed=0, t=2)
    assert counts.sum() == 200 and (counts == 0).any() and counts.max() >= 2  # a resample, with repeats
    assert np.array_equal(counts, baselines.bootstrap_counts(200, seed=0, t=2))  # seeded
    assert not np.array_equal(counts, baselines.bootstrap_counts(200, seed=0, t=3))  # per expert
    assert not np.array_equal(counts, baselines.bootstrap_counts(200, seed=1, t=2))  # per run seed
    assert np.array_equal(baselines.member_example_weights("bagging", 2, 200, 0), counts)
    # T = 1 of every plain ensemble is the single weak model: every example once, as boosting round 1
    for kind in baselines.ENSEMBLE_KINDS:
        assert np.array_equal(baselines.member_example_weights(kind, 1, 200, 0), np.ones(200))
    assert np.array_equal(baselines.member_example_weights("seeds", 3, 200, 0), np.ones(200))
    with pytest.raises(ValueError, match="unknown plain ensemble"):
        baselines.member_example_weights("boosting", 2, 200, 0)


def test_the_compute_matched_model_trains_on_as_many_tokens_as_the_t_experts(tmp_path, tiny_model, tokenizer, monkeypatch):
    from ensemw2s import generation
    from ensemw2s.models import save_model

    save_model(tiny_model, tokenizer, tmp_path / "tiny")
    spec = ModelSpec(str(tmp_path / "tiny"), max_length=64, eval_batch_size=8)
    easy = [{"id": str(i), "question": f"Which is larger, {i} or {i + 7}?", "choices": [str(i), str(i + 7)], "gold": 1} for i in range(12)]
    settings = TrainSettings(epochs=2, lr=1e-3, batch_size=4, seed=0)
    seen = []
    real = generation.train_sft_model

    def counting(spec, records, answers, *, settings, token_weights=None, desc=""):
        model, tok, summary = real(spec, records, answers, settings=settings, token_weights=token_weights, desc=desc)
        lengths = [len(tok(a, add_special_tokens=False)["input_ids"]) + 1 for a in answers]  # + EOS
        seen.append(settings.epochs * sum(lengths))  # answer tokens trained on, epochs included
        return model, tok, summary

    monkeypatch.setattr(generation, "train_sft_model", counting)
    experts = [baselines.train_member("seeds", t, spec, easy, settings=settings, seed=0)[2] for t in (1, 2, 3)]
    compute = baselines.train_member("compute", 3, spec, easy, settings=settings, seed=0)[2]
    assert seen[3] == sum(seen[:3])
    assert compute["training"]["steps"] == sum(e["training"]["steps"] for e in experts)
    assert compute["epochs"] == 3 * settings.epochs


def test_uniform_votes_differ_from_alpha_votes_when_the_alphas_differ(tiny_model, tokenizer):
    """The label job's ``expert_weights``: uniform (plain ensembles) is another mixture than the α vote."""
    from ensemw2s.models import build_tiny_model

    other = build_tiny_model({"family": "gpt_neox", "hidden_size": 16, "num_layers": 1, "num_heads": 2}, tokenizer, seed=1)
    ids = torch.tensor([tokenizer("Which is larger, 3 or 9?")["input_ids"]])
    mask = torch.ones_like(ids)
    uniform = ensemble.mixture_logprobs([tiny_model, other], [1.0, 1.0], "prob")(ids, mask)
    alpha = ensemble.mixture_logprobs([tiny_model, other], [0.4, 2.2], "prob")(ids, mask)
    assert not torch.allclose(uniform, alpha)
    assert torch.allclose(ensemble.mixture_logprobs([tiny_model, other], [2.0, 2.0], "prob")(ids, mask), uniform, atol=1e-6)


def _run(split="random", seed=0, weak="w", t=1, **extra):
    return {"dataset": "d", "split": split, "seed": str(seed), "weak": weak, "t": str(t), **extra}


def _result(accuracy, run):
    return {"run": run, "test": {"option_accuracy": accuracy}}


def _items(correct):
    return {str(i): bool(c) for i, c in enumerate(correct)}


def test_the_table_reads_t1_as_every_methods_single_weak_model_and_intervals_the_gains():
    methods = ["boosting", "bagging"]
    rng = np.random.default_rng(0)
    single, boosted, bagged = (rng.random(400) < p for p in (0.6, 0.7, 0.6))
    labels = [
        (_result(single.mean(), _run(t=1)), _items(single)),
        (_result(boosted.mean(), _run(t=2)), _items(boosted)),
        (_result(bagged.mean(), _run(t=2, kind="bagging")), _items(bagged)),
    ]
    students = [
        (_result(single.mean(), _run(t=1, strong="s")), _items(single)),
        (_result(boosted.mean(), _run(t=2, strong="s")), _items(boosted)),
        (_result(bagged.mean(), _run(t=2, strong="s", kind="bagging")), _items(bagged)),
    ]
    oracles = [{"run": {"split": "random", "seed": "0", "model": "s"}, "test": {"option_accuracy": 0.9}}]
    rows = baselines.baseline_rows(labels, students, oracles, methods)
    assert len(rows) == 4  # T = 1 once per method, T = 2 of each
    numeric, shown = baselines.baseline_table(rows, n_resamples=500)
    t1 = numeric[numeric["t"] == 1]
    assert len(t1) == 1 and (t1["ensemble_gain"] == 0).all() and (t1["ensemble_gain_high"] == 0).all()  # one single-weak row
    boost2 = numeric[(numeric["t"] == 2) & (numeric["method"] == "boosting")].iloc[0]
    assert boost2["ensemble_gain"] == pytest.approx(boosted.mean() - single.mean())
    assert boost2["ensemble_gain_low"] < boost2["ensemble_gain"] < boost2["ensemble_gain_high"]
    assert boost2["pgr"] == pytest.approx((boosted.mean() - single.mean()) / (0.9 - single.mean()))
    assert list(shown[shown["T"] == 1]["method"]) == ["single weak"]
    assert "[" in shown[shown["T"] == 2]["ensemble gain (points)"].iloc[0]
    # the same inputs give the same intervals (seeded)
    again, _ = baselines.baseline_table(baselines.baseline_rows(labels, students, oracles, methods), n_resamples=500)
    pd.testing.assert_frame_equal(numeric, again)


# ------------------------------------------------------------------------- classification track
def _cls_parts(n=12):
    records = [{"id": str(i), "question": f"What is {i}?", "binary_answer": f"answer {i % 3}", "binary_label": i % 2} for i in range(n)]
    return {"weak_train": records, "test": records[:4]}


@pytest.fixture
def saved_classifier_source(tmp_path, tiny_model, tokenizer):
    from ensemw2s.models import save_model

    save_model(tiny_model, tokenizer, tmp_path / "tiny")
    return str(tmp_path / "tiny")


def test_classifier_members_train_on_a_bootstrap_all_examples_or_t_times_the_epochs(saved_classifier_source, monkeypatch):
    """Bagging's expert trains on its bootstrap resample (each example as often as drawn), seeds' on
    every example, and the compute-matched classifier on as many examples x epochs as the T experts
    (round 1 included: the single weak model, every example once per epoch)."""
    from ensemw2s import classification

    spec = ModelSpec(saved_classifier_source, max_length=64, eval_batch_size=8)
    settings = TrainSettings(epochs=2, lr=1e-3, batch_size=4, seed=0)
    parts = _cls_parts()
    trained = []
    real = classification.train_expert

    def recording(spec, records, weights, *, settings, **kwargs):
        trained.append(([r["id"] for r in records], settings.epochs, kwargs["weighting"]))
        return real(spec, records, weights, settings=settings, **kwargs)

    monkeypatch.setattr(classification, "train_expert", recording)
    stats, probabilities = classification.plain_member("bagging", 2, spec, parts, settings=settings, seed=0)
    counts = baselines.bootstrap_counts(12, seed=0, t=2)
    assert sorted(trained[-1][0], key=int) == [str(i) for i in range(12) for _ in range(counts[i])]
    assert stats["distinct_examples"] == int((counts > 0).sum()) < 12 and stats["alpha"] == 1.0
    assert set(probabilities) == {"weak_train", "test"} and len(probabilities["test"]) == 4

    classification.plain_member("seeds", 2, spec, parts, settings=settings, seed=0)
    assert trained[-1] == ([str(i) for i in range(12)], 2, "uniform")

    compute, _ = classification.plain_member("compute", 3, spec, parts, settings=settings, seed=0)
    assert trained[-1][1] == 3 * settings.epochs and compute["epochs"] == 6
    one_expert_steps = classification.train_expert(spec, parts["weak_train"], np.ones(12), settings=settings, t=1, weighting="uniform")[2]["steps"]
    assert compute["training"]["steps"] == 3 * one_expert_steps  # T experts of one epoch budget each
    with pytest.raises(ValueError, match="round 1"):
        classification.plain_member("bagging", 1, spec, parts, settings=settings, seed=0)


def test_uniform_expert_weights_vote_otherwise_than_the_alphas_when_they_differ():
    """The label and student jobs' ``expert_weights``: a plain ensemble votes uniformly, even with
    boosting's round-1 expert (α_1 in its stats) among its experts."""
    from ensemw2s import boosting, classification

    experts = [{"alpha": 2.4, "accepted": True}, {"alpha": 1.0, "accepted": True}, {"alpha": 1.0, "accepted": True}]
    assert boosting.expert_alphas(experts, "alpha") == [2.4, 1.0, 1.0]
    assert boosting.expert_alphas(experts, "uniform") == [1.0, 1.0, 1.0]
    probabilities = [[0.9, 0.1], [0.2, 0.8], [0.2, 0.8]]  # per expert: p(label 1) of two items
    alpha_vote = classification.vote(probabilities, boosting.expert_alphas(experts, "alpha"))
    uniform_vote = classification.vote(probabilities, boosting.expert_alphas(experts, "uniform"))
    assert (alpha_vote > 0.5).tolist() == [True, False] and (uniform_vote > 0.5).tolist() == [False, True]
    with pytest.raises(ValueError, match="expert weights"):
        boosting.expert_alphas(experts, "alphas")
