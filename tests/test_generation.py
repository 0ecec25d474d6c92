import math

import numpy as np
import pytest
import torch

from ensemw2s import boosting, ensemble, evaluate, generation, text
from ensemw2s.models import build_tiny_model


# ----------------------------------------------------------------------------- token-level boosting
def test_token_round_against_hand_computed_numbers():
    # 5 answer tokens, D_1 uniform; the expert gets tokens 1 and 4 wrong; eps_pre = 0.6.
    weights = boosting.uniform_weights(5)
    wrong = np.array([False, True, False, False, True])
    result = boosting.boosting_round(weights, wrong, epsilon_pre=0.6)
    assert result.epsilon == pytest.approx(0.4)
    expected_alpha = math.log(0.6 / 0.4) + math.log(1 / (1 - 0.6) - 1)  # = log 1.5 + log 1.5
    assert result.alpha == pytest.approx(expected_alpha) and result.accepted
    raised = 0.2 * math.exp(expected_alpha)
    total = 3 * 0.2 + 2 * raised
    assert result.next_weights == pytest.approx([0.2 / total, raised / total, 0.2 / total, 0.2 / total, raised / total])


def test_token_round_rejected_when_no_better_than_pretrained():
    weights = np.array([0.1, 0.2, 0.3, 0.4])
    result = boosting.boosting_round(weights, np.array([False, False, True, True]), epsilon_pre=0.6)  # eps = 0.7
    assert not result.accepted and result.alpha == 0.0
    assert result.next_weights == pytest.approx(weights)  # later rounds continue from these weights


def test_perfect_expert_gives_finite_alpha():
    result = boosting.boosting_round(boosting.uniform_weights(4), np.zeros(4, dtype=bool), epsilon_pre=0.5)
    assert result.epsilon == 0.0 and result.accepted and math.isfinite(result.alpha) and result.alpha > 20
    assert np.isfinite(result.next_weights).all() and result.next_weights.sum() == pytest.approx(1.0)


def test_drawn_counts_become_token_loss_weights(tokenizer):
    weights = np.array([0.0, 0.5, 0.25, 0.25, 0.0])
    counts = generation.draw_token_counts(weights, 5, seed=3)
    assert counts.sum() == 5 and counts[0] == 0 and counts[4] == 0  # n draws with replacement from D_t
    assert (counts == generation.draw_token_counts(weights, 5, seed=3)).all()
    per_answer = generation.unflatten(counts, [2, 3])
    assert per_answer == [[0.0, float(counts[1])], [float(counts[2]), float(counts[3]), 0.0]]
    # The weights reach the loss exactly: the collated batch carries the draw counts per answer token.
    pairs = [text.encode_pair(tokenizer, "Q: a?\nA:", " b", 32), text.encode_pair(tokenizer, "Q: c?\nA:", " dd", 32)]
    lengths = [p.answer_length for p in pairs]
    counts = generation.draw_token_counts(boosting.uniform_weights(sum(lengths)), sum(lengths), seed=0)
    batch = text.collate_pairs(pairs, tokenizer.pad_token_id, generation.unflatten(counts, lengths))
    assert batch.target_weights[batch.target_mask].tolist() == [float(c) for c in counts]
    with pytest.raises(ValueError, match="token values"):
        generation.unflatten([1, 2], [3])


def test_ensemble_weights_keep_t1_the_baseline():
    assert boosting.vote_weights([0.0]) == [1.0]
    assert boosting.vote_weights([0.7]) == [1.0]
    assert boosting.vote_weights([0.0, 0.0, 0.0]) == [1.0, 0.0, 0.0]
    assert boosting.vote_weights([0.5, 0.0, 1.5]) == [0.5, 0.0, 1.5]
    with pytest.raises(ValueError, match="finite and non-negative"):
        boosting.vote_weights([0.5, math.inf])


# ------------------------------------------------------------------------------------- decoding
def _models(tokenizer, family="gpt_neox", seeds=(0, 1, 2)):
    return [build_tiny_model({"family": family, "hidden_size": 32, "num_layers": 2, "num_heads": 2}, tokenizer, s).eval() for s in seeds]


PROMPTS = ["Q: What is the sky?\nA:", "Some much longer background text about things.\nQ: Why is it so?\nA:", "Hi"]


def test_one_expert_mixture_equals_its_greedy_generate(tokenizer):
    (model,) = _models(tokenizer, seeds=(5,))
    for prompt in PROMPTS:
        ids = tokenizer(prompt, return_tensors="pt")
        reference = model.generate(**ids, max_new_tokens=10, do_sample=False, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
        reference = reference[0, ids["input_ids"].shape[1]:].tolist()
        if tokenizer.eos_token_id in reference:
            reference = reference[: reference.index(tokenizer.eos_token_id)]
        assert ensemble.ensemble_generate([model], [1.0], tokenizer, [prompt], 10, batch_size=1) == [reference]


@pytest.mark.parametrize("family", ["gpt_neox", "gpt2"])
@pytest.mark.parametrize("combine", ["prob", "logit"])
def test_cached_lockstep_decode_equals_naive_reencoding(tokenizer, family, combine):
    experts = _models(tokenizer, family)
    weights = [0.5, 1.0, 0.25]
    cached = ensemble.ensemble_generate(experts, weights, tokenizer, PROMPTS, 12, combine, batch_size=3)
    naive = ensemble.naive_ensemble_generate(experts, weights, tokenizer, PROMPTS, 12, combine, batch_size=3)
    assert cached == naive
    # Batching (left padding) changes nothing either.
    assert cached == [ensemble.ensemble_generate(experts, weights, tokenizer, [p], 12, combine, batch_size=1)[0] for p in PROMPTS]


def test_sampling_is_seeded(tokenizer):
    experts = _models(tokenizer)
    first = ensemble.ensemble_generate(experts, [1, 1, 1], tokenizer, PROMPTS, 8, do_sample=True, seed=4)
    assert first == ensemble.ensemble_generate(experts, [1, 1, 1], tokenizer, PROMPTS, 8, do_sample=True, seed=4)


def test_mixture_is_the_alpha_weighted_probability_average():
    a, b = torch.tensor([[2.0, 0.0, -1.0]]), torch.tensor([[0.0, 1.0, 0.0]])
    mixed = ensemble.mix_logits([a, b], torch.tensor([0.25, 0.75]), "prob").exp()
    assert torch.allclose(mixed, 0.25 * a.softmax(-1) + 0.75 * b.softmax(-1))
    logit = ensemble.mix_logits([a, b], torch.tensor([0.25, 0.75]), "logit").exp()
    assert torch.allclose(logit, (0.25 * a + 0.75 * b).softmax(-1))
    with pytest.raises(ValueError, match="non-negative"):
        ensemble.ensemble_generate([object()], [0.0], None, [], 1)


class LookupExpert:
    """Next-token distribution depends only on the current token (a fixed table)."""

    def __init__(self, vocab_size, table):
        self.vocab_size, self.table = vocab_size, table
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def parameters(self):
        return iter([self.weight])

    def __call__(self, input_ids, attention_mask=None, **kwargs):
        probs = torch.full((*input_ids.shape, self.vocab_size), 1e-4)
        for b in range(input_ids.shape[0]):
            for j in range(input_ids.shape[1]):
                for token, p in self.table.get(int(input_ids[b, j]), {}).items():
                    probs[b, j, token] = p
        return type("Out", (), {"logits": torch.log(probs / probs.sum(-1, keepdim=True))})


def test_choice_mapping_uses_the_same_mixture(gpt2_tokenizer):
    tok = gpt2_tokenizer
    eos = tok.eos_token_id
    colon = tok("Q: Sky?\nA:", add_special_tokens=False)["input_ids"][-1]
    red, blue = tok(" red")["input_ids"][0], tok(" blue")["input_ids"][0]
    likes_red = LookupExpert(len(tok), {colon: {red: 0.9}, red: {eos: 0.9}, blue: {eos: 0.9}})
    likes_blue = LookupExpert(len(tok), {colon: {blue: 0.9}, red: {eos: 0.9}, blue: {eos: 0.9}})
    record = {"id": "q", "question": "Sky?", "context": "", "choices": ["red", "blue"], "gold": 1}

    def mapped(alphas, length_normalise=False):
        fn = ensemble.mixture_logprobs([likes_red, likes_blue], alphas)
        return evaluate.evaluate_multiple_choice(fn, tok, [record], 32, 8, length_normalise).predictions[0]["predicted"]

    assert mapped([1.0, 3.0]) == 1 and mapped([3.0, 1.0]) == 0
    # Summed vs per-token mean NLL: a two-token choice loses on the sum but wins on the mean.
    sky = tok(" sky")["input_ids"][0]
    # " sky": 0.3 x 0.9 (sum NLL 1.31, mean 0.65); " red blue": 0.5 x 0.45 x 0.99 (sum 1.50, mean 0.50).
    long_choice = LookupExpert(len(tok), {colon: {red: 0.5, sky: 0.3}, sky: {eos: 0.9}, red: {blue: 0.45, eos: 0.5}, blue: {eos: 0.99}})
    record = {"id": "q", "question": "Sky?", "context": "", "choices": ["sky", "red blue"], "gold": 1}
    fn = ensemble.mixture_logprobs([long_choice], [1.0])
    nll = evaluate.evaluate_multiple_choice(fn, tok, [record], 32, 8).predictions[0]["choice_nll"]
    mean_nll = evaluate.evaluate_multiple_choice(fn, tok, [record], 32, 8, length_normalise=True).predictions[0]["choice_nll"]
    assert nll[0] < nll[1] and mean_nll[1] < mean_nll[0]


# ---------------------------------------------------------------------------------------- report
def test_rounds_are_selected_per_pair_on_seed_means():
    import pandas as pd

    from ensemw2s.generation_report import aggregate_seeds, per_seed_summary

    accuracy = {(0, 1): 0.5, (0, 2): 0.7, (0, 3): 0.6, (1, 1): 0.5, (1, 2): 0.55, (1, 3): 0.65}
    rows = [
        dict(seed=seed, weak="w", strong="s", t=t, weak_option=0.4, weak_token=0.3, ensemble_option=0.45, ensemble_token=0.3,
             transfer_option=acc, transfer_token=0.3, transfer_val_option=1 - acc, transfer_val_token=0.3, oracle_option=0.8, oracle_token=0.5)
        for (seed, t), acc in accuracy.items()
    ]
    summary = per_seed_summary(pd.DataFrame(rows))
    chosen = summary.groupby("selection")["t"].unique().to_dict()
    # seed means: t1 0.5, t2 0.625, t3 0.625 -> best = 2 (tie to the earlier); val means favour t1,
    # but rounds are selected among the ensemble rounds t >= 2 (t2 and t3 tie on val -> 2)
    assert {k: list(v) for k, v in chosen.items()} == {"best": [2], "final": [3], "val_selected": [2]}
    best = summary[summary["selection"] == "best"]
    assert best["ensemble_pgr_option"].tolist() == pytest.approx([(0.7 - 0.4) / 0.4, (0.55 - 0.4) / 0.4])
    aggregated = aggregate_seeds(summary, ["weak", "strong", "selection"]).set_index("selection")
    assert aggregated.loc["best", "ensemble_option"] == pytest.approx(0.625)
    assert aggregated.loc["best", "ensemble_option_sem"] == pytest.approx(0.075)  # std (ddof 1) 0.106 / sqrt 2
