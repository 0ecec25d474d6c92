import math

import numpy as np
import pytest
import torch

from ensemw2s import boosting, ensemble, generation, text
from ensemw2s.models import build_tiny_model
from ensemw2s.train import ModelSpec, TrainSettings


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
    pairs = [text.encode_pair(tokenizer, "Q: a?\nA:", " b", max_length=32), text.encode_pair(tokenizer, "Q: c?\nA:", " dd", max_length=32)]
    lengths = [p.answer_length for p in pairs]
    counts = generation.draw_token_counts(boosting.uniform_weights(sum(lengths)), sum(lengths), seed=0)
    batch = text.collate_pairs(pairs, tokenizer.pad_token_id, generation.unflatten(counts, lengths))
    assert batch.target_weights[batch.target_mask].tolist() == [float(c) for c in counts]
    with pytest.raises(ValueError, match="token values"):
        generation.unflatten([1, 2], [3])


# 12 units, one holding most of D_t: n = 12 draws repeat it and leave most of the others out.
UNEQUAL_D = np.array([0.6, 0.15, 0.08, 0.05, 0.04, 0.03, 0.02, 0.01, 0.01, 0.005, 0.003, 0.002])


def test_mask_trains_each_drawn_unit_once_and_count_by_its_draws():
    """§3.2's label masks: a unit drawn from D_t trains with weight 1 however often it was drawn
    (``draw_weight: mask``, the default); ``count`` weighs it by its draw count."""
    counts = generation.round_draws(2, UNEQUAL_D, seed=7)
    assert (counts == generation.draw_token_counts(UNEQUAL_D, 12, seed=boosting.round_seed(7, 2))).all()  # the round's own draw
    assert counts.sum() == 12 and counts.max() >= 2 and (counts == 0).any()
    mask = generation.draw_weights(counts, "mask")
    assert mask.tolist() == [1.0 if c >= 1 else 0.0 for c in counts]
    assert generation.draw_weights(counts).tolist() == mask.tolist()  # mask is the default
    assert generation.draw_weights(counts, "count").tolist() == [float(c) for c in counts]
    assert mask.tolist() != generation.draw_weights(counts, "count").tolist()  # the modes differ here
    assert boosting.BoostingSettings().draw_weight == "mask"
    # After train's rescaling to mean 1 every drawn unit weighs the same n / (number drawn).
    from ensemw2s.train import normalised_weights

    rescaled = np.array(normalised_weights(mask.tolist(), "token weights"))
    assert np.allclose(rescaled[counts >= 1], 12 / (counts >= 1).sum()) and (rescaled[counts == 0] == 0).all()
    with pytest.raises(ValueError, match="draw_weight must be one of"):
        generation.draw_weights(counts, "share")
    with pytest.raises(ValueError, match="draw_weight must be one of"):
        boosting.BoostingSettings(draw_weight="share")


def test_sample_units_share_their_draw_weight_over_their_tokens():
    counts = np.array([3, 0, 1])
    boost = boosting.BoostingSettings(unit="sample")
    assert generation.unit_token_weights(generation.draw_weights(counts, "mask"), [2, 1, 2], boost) == [[1.0, 1.0], [0.0], [1.0, 1.0]]
    assert generation.unit_token_weights(generation.draw_weights(counts, "count"), [2, 1, 2], boost) == [[3.0, 3.0], [0.0], [1.0, 1.0]]


def test_a_round_trains_on_its_draw_weights_and_round_one_on_every_unit(tmp_path, tiny_model, tokenizer, monkeypatch):
    """token_boosting_round hands train the draw weights of ``boost.draw_weight`` (EOS: its answer's
    mean); round 1 (``round1: uniform``, the baseline) trains every unit once under either mode."""
    from ensemw2s.models import save_model

    save_model(tiny_model, tokenizer, tmp_path / "tiny")
    spec = ModelSpec(str(tmp_path / "tiny"), max_length=64, eval_batch_size=8)
    easy = [{"id": str(i), "question": f"Which is larger, {i} or {i + 7}?", "choices": [str(i), str(i + 7)], "gold": 1} for i in range(10)]
    trained = []

    def fake_train(spec, records, answers, *, settings, token_weights=None, desc=""):
        trained.append(token_weights)
        return tiny_model, tokenizer, {}

    monkeypatch.setattr(generation, "train_sft_model", fake_train)
    lengths = generation.unit_lengths(tokenizer, easy, 64)
    d2 = np.arange(1.0, sum(lengths) + 1) ** 3  # very unequal
    previous = {"round": 1, "accepted": True, "status": "accepted", "epsilon_pre": 0.9, "n_units": sum(lengths), "next_weights": list(d2 / d2.sum())}
    counts = generation.round_draws(2, d2 / d2.sum(), seed=5)
    settings = TrainSettings(epochs=1, lr=5e-3, batch_size=4, seed=0)  # not used to train: train_sft_model is replaced
    for mode in ("mask", "count"):
        boost = boosting.BoostingSettings(draw_weight=mode)
        generation.token_boosting_round(1, spec, easy, settings=settings, previous=None, seed=5, boost=boost)
        assert trained[-1] == [[1.0] * (n + 1) for n in lengths]
        _, _, stats = generation.token_boosting_round(2, spec, easy, settings=settings, previous=previous, seed=5, boost=boost)
        expected = generation.unflatten(generation.draw_weights(counts, mode), lengths)
        assert trained[-1] == generation.training_token_weights(expected, eos_unit=False)
        assert stats["token_weights"]["draw_weight"] == mode
    assert trained[1] != trained[3]  # mask and count train differently on these draws


def test_schema_default_draw_weight_is_mask(repo):
    import yaml
    from snakemake.utils import validate

    config = yaml.safe_load((repo / "config/config.yaml").read_text())
    config["generation"].pop("draw_weight", None)
    validate(config, str(repo / "config/schema.yaml"))  # fills the schema's defaults, as the Snakefile does
    assert config["generation"]["draw_weight"] == "mask"
    assert yaml.safe_load((repo / "config/paper.yaml").read_text())["generation"]["draw_weight"] == "mask"


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
        reference = model.generate(
            **ids, max_new_tokens=10, do_sample=False, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id
        )
        reference = reference[0, ids["input_ids"].shape[1] :].tolist()
        if tokenizer.eos_token_id in reference:
            reference = reference[: reference.index(tokenizer.eos_token_id)]
        assert ensemble.ensemble_generate([model], [1.0], tokenizer, prompts=[prompt], max_new_tokens=10, batch_size=1) == [reference]


@pytest.mark.parametrize("family", ["gpt_neox", "gpt2"])
@pytest.mark.parametrize("combine", ["prob", "logit"])
def test_cached_lockstep_decode_equals_naive_reencoding(tokenizer, family, combine):
    experts = _models(tokenizer, family)
    weights = [0.5, 1.0, 0.25]
    cached = ensemble.ensemble_generate(experts, weights, tokenizer, prompts=PROMPTS, max_new_tokens=12, combine=combine, batch_size=3)
    naive = ensemble.naive_ensemble_generate(experts, weights, tokenizer, prompts=PROMPTS, max_new_tokens=12, combine=combine, batch_size=3)
    assert cached == naive
    # Batching (left padding) changes nothing either.
    assert cached == [
        ensemble.ensemble_generate(experts, weights, tokenizer, prompts=[p], max_new_tokens=12, combine=combine, batch_size=1)[0] for p in PROMPTS
    ]


def test_sampling_is_seeded(tokenizer):
    experts = _models(tokenizer)
    first = ensemble.ensemble_generate(experts, [1, 1, 1], tokenizer, prompts=PROMPTS, max_new_tokens=8, do_sample=True, seed=4)
    assert first == ensemble.ensemble_generate(experts, [1, 1, 1], tokenizer, prompts=PROMPTS, max_new_tokens=8, do_sample=True, seed=4)


def test_mixture_is_the_alpha_weighted_probability_average():
    a, b = torch.tensor([[2.0, 0.0, -1.0]]), torch.tensor([[0.0, 1.0, 0.0]])
    mixed = ensemble.mix_logits([a, b], torch.tensor([0.25, 0.75]), "prob").exp()
    assert torch.allclose(mixed, 0.25 * a.softmax(-1) + 0.75 * b.softmax(-1))
    logit = ensemble.mix_logits([a, b], torch.tensor([0.25, 0.75]), "logit").exp()
    assert torch.allclose(logit, (0.25 * a + 0.75 * b).softmax(-1))
    with pytest.raises(ValueError, match="non-negative"):
        ensemble.ensemble_generate([object()], [0.0], None, prompts=[], max_new_tokens=1)


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
        return type("Out", (), {"logits": torch.log(probs / probs.sum(-1, keepdim=True)), "past_key_values": None})


def _sky_experts(tok):
    """Hand-built experts (next token depends on the current token only).  Teacher forced, ' sky
    blue' wins (' blue' is likely after ' sky'); along the greedy path ŷ = ' red' the second tokens
    are scored after ' red', where ' blue' is unlikely, so ' red blue' wins: the mappings disagree."""
    eos = tok.eos_token_id
    colon = tok("Q: Sky?\nA:", add_special_tokens=False)["input_ids"][-1]
    red, sky, blue, green = (tok(w)["input_ids"][0] for w in (" red", " sky", " blue", " green"))
    table = {colon: {red: 0.5, sky: 0.4}, red: {eos: 0.8, green: 0.6, blue: 0.1}, sky: {blue: 0.9}}
    return LookupExpert(len(tok), table), (red, sky, blue, eos, green)


SKY = {"id": "q", "question": "Sky?", "context": "", "choices": ["sky blue", "red blue"], "gold": 0}


def test_generated_mapping_scores_choices_along_the_decoded_path(gpt2_tokenizer):
    tok = gpt2_tokenizer
    expert, (red, sky, blue) = _sky_experts(tok)[0], _sky_experts(tok)[1][:3]
    decode = generation.DecodeSettings(max_new_tokens=4)
    rows, summary = generation.pseudo_answers([expert], [1.0], tok, hard=[SKY], decode=decode, max_length=32, batch_size=8)
    row = rows[0]
    assert row["generated"] == "red" and not row["exact_match"]
    # by definition: NLL(c) = -sum_j log p_j(c_j), p_0 given the prompt, p_1 given the prompt + ' red'
    logp = torch.log_softmax(expert(torch.tensor([[red]])).logits[0, 0], -1)  # p_1: after ' red'
    logp0 = torch.log_softmax(expert(torch.tensor([[tok("Q: Sky?\nA:")["input_ids"][-1]]])).logits[0, 0], -1)
    expected = [-(logp0[sky] + logp[blue]).item(), -(logp0[red] + logp[blue]).item()]
    assert row["generated_choice_nll"] == pytest.approx(expected, rel=1e-5)
    assert (row["label_generated"], row["label_teacher_forced"], row["mappings_agree"]) == (1, 0, False)
    assert row["label"] == 1 and row["answer"] == "red blue" and not row["label_correct"]
    assert summary["mapping_agreement_rate"] == 0.0 and summary["pseudo_label_accuracy"] == 0.0
    # the other mappings: teacher forced picks ' sky blue'; none trains on ŷ itself
    teacher, _ = generation.pseudo_answers(
        [expert], [1.0], tok, hard=[SKY], decode=generation.DecodeSettings(4, choice_mapping="teacher_forced"), max_length=32, batch_size=8
    )
    assert (teacher[0]["label"], teacher[0]["answer"], teacher[0]["label_correct"]) == (0, "sky blue", True)
    free, _ = generation.pseudo_answers(
        [expert], [1.0], tok, hard=[SKY], decode=generation.DecodeSettings(4, choice_mapping="none"), max_length=32, batch_size=8
    )
    assert free[0]["label"] is None and free[0]["answer"] == "red"


def test_generated_labels_follow_the_decoding_settings(gpt2_tokenizer):
    """Choices ' sky blue' and ' red green': after ' red', ' green' is likely, after ' sky', ' blue'.
    Greedy ŷ starts with ' red' and maps to ' red green'; a sampled ŷ that starts with ' sky' scores
    the second tokens after ' sky' and maps to ' sky blue'.  The teacher-forced label cannot move."""
    tok = gpt2_tokenizer
    expert, _ = _sky_experts(tok)
    record = {**SKY, "choices": ["sky blue", "red green"]}
    greedy, _ = generation.pseudo_answers([expert], [1.0], tok, hard=[record], decode=generation.DecodeSettings(4), max_length=32, batch_size=8)
    assert greedy[0]["label_generated"] == 1 and greedy[0]["label_teacher_forced"] == 0
    sampled = [
        generation.pseudo_answers(
            [expert],
            [1.0],
            tok,
            hard=[record],
            decode=generation.DecodeSettings(4, do_sample=True, temperature=0.3, seed=seed),
            max_length=32,
            batch_size=8,
        )[0][0]
        for seed in range(12)
    ]
    starts_with_sky = [r for r in sampled if r["generated"].startswith("sky")]
    assert starts_with_sky and all(r["label_generated"] == 0 for r in starts_with_sky)
    assert all(r["label_teacher_forced"] == 0 for r in sampled)


def test_decoding_records_candidates_past_eos_and_max_new_tokens(gpt2_tokenizer):
    """ŷ stops at EOS (or max_new_tokens) but the path goes on until the longest choice is covered."""
    tok = gpt2_tokenizer
    expert, (red, sky, blue) = _sky_experts(tok)[0], _sky_experts(tok)[1][:3]
    long_choice = [red, blue, blue, sky]
    for max_new in (1, 8):
        (result,) = ensemble.ensemble_decode([expert], [1.0], tok, prompts=["Q: Sky?\nA:"], max_new_tokens=max_new, candidates=[[long_choice, [sky]]])
        assert result.ids == [red]
        assert [len(lp) for lp in result.candidate_logprobs] == [4, 1]
    cached = ensemble.ensemble_decode(
        [expert, expert], [1.0, 2.0], tok, prompts=["Q: Sky?\nA:", "Hi"], max_new_tokens=3, candidates=[[long_choice], [[sky, red]]], batch_size=2
    )
    naive = ensemble._decode(
        [expert, expert],
        [1.0, 2.0],
        tok,
        prompts=["Q: Sky?\nA:", "Hi"],
        max_new_tokens=3,
        combine="prob",
        do_sample=False,
        temperature=1.0,
        seed=0,
        batch_size=2,
        max_length=512,
        use_cache=False,
        desc="naive",
        candidates=[[long_choice], [[sky, red]]],
    )
    assert [c.ids for c in cached] == [n.ids for n in naive]
    for c, n in zip(cached, naive):
        for mine, reference in zip(c.candidate_logprobs, n.candidate_logprobs, strict=True):
            assert mine == pytest.approx(reference, abs=1e-5)


def test_eos_is_trained_with_its_answer_mean_weight_when_not_a_unit():
    assert generation.training_token_weights([[2.0, 0.0], [1.0]], eos_unit=False) == [[2.0, 0.0, 1.0], [1.0, 1.0]]
    assert generation.training_token_weights([[2.0, 0.0, 4.0]], eos_unit=True) == [[2.0, 0.0, 4.0]]


def test_a_round_after_a_rejected_one_trains_nothing_under_break():
    rejected = {"round": 2, "accepted": False, "status": "rejected", "epsilon_pre": 0.6, "n_units": 3, "next_weights": [0.2, 0.3, 0.5]}
    spec = ModelSpec("no/such/model", max_length=32, eval_batch_size=8)
    expert, tokenizer, stats = generation.token_boosting_round(
        3, spec, [], settings=None, previous=rejected, seed=0, boost=generation.BoostingSettings(on_reject="break")
    )
    assert expert is None and tokenizer is None
    assert stats["status"] == "stopped" and stats["stopped_at"] == 2 and stats["alpha"] == 0.0 and not stats["accepted"]
    assert stats["next_weights"] == [0.2, 0.3, 0.5] and stats["epsilon_pre"] == 0.6
    # under continue the round would train: it needs the model (which does not exist here)
    with pytest.raises(OSError):
        generation.token_boosting_round(
            3, spec, [], settings=None, previous=rejected, seed=0, boost=generation.BoostingSettings(on_reject="continue")
        )


STOPPED_ROUND_JOB = """
import json, runpy, sys
from types import SimpleNamespace as NS

class Files(NS):
    def keys(self):
        return list(vars(self))

out, script, previous = sys.argv[1], sys.argv[2], sys.argv[3]
params = NS(settings=dict(t=3, seed=0, on_reject="break", round1="uniform", eos_unit=False, unit="token", window=1, sample_error="any", draw_weight="mask"))
snakemake = NS(
    params=params,
    input=Files(previous=[previous], easy="no/such/easy.jsonl"),
    output=Files(model=out + "/model", stats=out + "/stats.json"),
    log=[out + "/job.log"],
    threads=1,
    wildcards={"t": "3"},
)
runpy.run_path(script, init_globals={"snakemake": snakemake})
print(json.dumps({"torch": "torch" in sys.modules, "transformers": "transformers" in sys.modules}))
"""


def test_a_stopped_round_job_answers_without_importing_torch(tmp_path):
    """scripts/token_boosting_round.py on a round after a rejected one writes the marker and the
    stopped stats without importing torch or transformers (their import is most of a job's start-up)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from ensemw2s.files import read_json, write_json

    previous = tmp_path / "round2.json"
    write_json(previous, {"round": 2, "accepted": False, "status": "rejected", "epsilon_pre": 0.6, "n_units": 3, "next_weights": [0.2, 0.3, 0.5]})
    script = Path(__file__).resolve().parents[1] / "scripts/token_boosting_round.py"
    done = subprocess.run(
        [sys.executable, "-c", STOPPED_ROUND_JOB, str(tmp_path), str(script), str(previous)], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout.splitlines()[-1]) == {"torch": False, "transformers": False}, done.stderr
    stats = read_json(tmp_path / "stats.json")
    assert stats["status"] == "stopped" and stats["stopped_at"] == 2 and stats["alpha"] == 0.0 and stats["next_weights"] == [0.2, 0.3, 0.5]
    assert read_json(tmp_path / "model" / boosting.STOPPED_MARKER)["stopped_at"] == 2


# ---------------------------------------------------------------------------------------- report
def test_rounds_are_selected_per_pair_on_seed_means():
    import pandas as pd

    from ensemw2s.report import GENERATION, aggregate_seeds, per_seed_summary

    accuracy = {(0, 1): 0.5, (0, 2): 0.7, (0, 3): 0.6, (1, 1): 0.5, (1, 2): 0.55, (1, 3): 0.65}
    rows = [
        dict(
            seed=seed,
            weak="w",
            strong="s",
            t=t,
            weak_option=0.4,
            weak_token=0.3,
            ensemble_option=0.45,
            ensemble_token=0.3,
            transfer_option=acc,
            transfer_token=0.3,
            transfer_val_option=1 - acc,
            transfer_val_token=0.3,
            oracle_option=0.8,
            oracle_token=0.5,
            **{f"{k}_option_norm": 0.5 for k in ("weak", "ensemble", "transfer", "transfer_val", "oracle")},
        )
        for (seed, t), acc in accuracy.items()
    ]
    summary = per_seed_summary(pd.DataFrame(rows), GENERATION)
    chosen = summary.groupby("selection")["t"].unique().to_dict()
    # seed means: t1 0.5, t2 0.625, t3 0.625 -> best = 2 (tie to the earlier); val means favour t1,
    # but rounds are selected among the ensemble rounds t >= 2 (t2 and t3 tie on val -> 2)
    assert {k: list(v) for k, v in chosen.items()} == {"best": [2], "final": [3], "val_selected": [2]}
    best = summary[summary["selection"] == "best"]
    assert best["ensemble_pgr_option"].tolist() == pytest.approx([(0.7 - 0.4) / 0.4, (0.55 - 0.4) / 0.4])
    aggregated = aggregate_seeds(summary, ["weak", "strong", "selection"]).set_index("selection")
    assert aggregated.loc["best", "ensemble_option"] == pytest.approx(0.625)
    assert aggregated.loc["best", "ensemble_option_sem"] == pytest.approx(0.075)  # std (ddof 1) 0.106 / sqrt 2


def test_one_run_tables_and_bars_pick_the_round_best_in_that_run():
    """Tables 5/8 ("here we run experiment once") and their bar figures show the run of seed 0: its
    best round is the one best in that run (t = 3), not the best seed mean (t = 2)."""
    import pandas as pd

    from ensemw2s import report

    accuracy = {(0, 1): 0.5, (0, 2): 0.6, (0, 3): 0.65, (1, 1): 0.5, (1, 2): 0.8, (1, 3): 0.55}  # means: t2 0.7, t3 0.6
    rows = [
        dict(
            seed=seed,
            weak="w",
            strong="s",
            t=t,
            **{f"{role}_{m}": 0.4 for role in ("weak", "ensemble") for m in ("option", "token", "option_norm")},
            **{f"oracle_{m}": 0.9 for m in ("option", "token", "option_norm")},
            **{f"transfer_{m}": acc for m in ("option", "token", "option_norm")},
            **{f"transfer_val_{m}": acc for m in ("option", "token", "option_norm")},
        )
        for (seed, t), acc in accuracy.items()
    ]
    tidy = pd.DataFrame(rows)
    assert report.per_seed_summary(tidy, report.GENERATION).query("selection == 'best'")["t"].unique().tolist() == [2]
    tables = report.generation_tables({"random": tidy, "easyhard": tidy}, report_seed=0)
    one_run = tables["one_run"][0]
    assert one_run["t"].tolist() == [3, 3] and one_run["split"].tolist() == ["random", "easyhard"]
    assert one_run["improvement_option"].tolist() == pytest.approx([0.15, 0.15])
    assert tables["random"][0].set_index("selection").loc["best", "t"] == 2  # Tables 3/4: still the seed means
    bars = report.bars_frame(report.one_run_summary(tidy, 0, report.GENERATION), 0)
    assert bars.query("model == 'w2s ensemble' and measure == 'option accuracy'")["accuracy"].tolist() == [0.65]
    assert report.one_run_summary(tidy, 1, report.GENERATION).query("selection == 'best'")["t"].tolist() == [2]
    with pytest.raises(ValueError, match="no run with seed 7"):
        report.one_run_summary(tidy, 7, report.GENERATION)


def test_round1_trains_uniformly_or_on_draws_from_d1():
    d1 = boosting.uniform_weights(50)
    assert generation.round_draws(1, d1, seed=3, round1="uniform") is None
    drawn = generation.round_draws(1, d1, seed=3, round1="drawn")
    assert drawn.sum() == 50 and (drawn == 0).any()  # n draws with replacement leave some units out
    assert (generation.round_draws(2, d1, seed=3) == generation.round_draws(2, d1, seed=3, round1="drawn")).all()


# ---------------------------------------------------------------------- batched (stacked) experts
def _decode_both(experts, weights, tok, prompts, max_new, combine, candidates):
    def run(batched):
        return ensemble._decode(
            experts,
            weights,
            tok,
            prompts=prompts,
            max_new_tokens=max_new,
            combine=combine,
            do_sample=False,
            temperature=1.0,
            seed=0,
            batch_size=len(prompts),
            max_length=512,
            use_cache=True,
            desc="decode",
            candidates=candidates,
            batched=batched,
        )

    return run(True), run(False)


@pytest.mark.parametrize("family", ["gpt_neox", "gpt2"])
@pytest.mark.parametrize("combine", ["prob", "logit"])
def test_batched_experts_decode_and_score_like_the_per_expert_loop(tokenizer, family, combine, caplog):
    """One vmapped forward for all experts per step gives the per-expert decoder's tokens, and its
    candidate log-probs and mixture scores within 1e-5 (greedy, float32, left-padded batch)."""
    import logging
    import warnings

    experts = _models(tokenizer, family)
    weights = [0.5, 1.0, 0.25]
    ids = lambda s: tokenizer(s, add_special_tokens=False)["input_ids"]  # noqa: E731
    candidates = [[ids(" blue sky today and every day of the year"), ids(" red")], [ids(" because")], [ids(" hello there"), ids(" x"), ids(" y z")]]
    caplog.set_level(logging.INFO, logger="ensemw2s.experts")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        warnings.simplefilter("error", FutureWarning)  # transformers' deprecations (e.g. past_key_values)
        batched, loop = _decode_both(experts, weights, tokenizer, PROMPTS, 4, combine, candidates)
    assert "batched in one vmapped forward" in caplog.text and "batched=False" in caplog.text and "falling back" not in caplog.text
    assert [b.ids for b in batched] == [looped.ids for looped in loop]
    for b, looped, row in zip(batched, loop, candidates, strict=True):
        assert [len(c) for c in b.candidate_logprobs] == [len(c) for c in row]  # recorded past max_new_tokens
        for mine, reference in zip(b.candidate_logprobs, looped.candidate_logprobs, strict=True):
            assert mine == pytest.approx(reference, abs=1e-5)
    # ... and the same as the reference that re-encodes every prefix
    naive = ensemble._decode(
        experts,
        weights,
        tokenizer,
        prompts=PROMPTS,
        max_new_tokens=4,
        combine=combine,
        do_sample=False,
        temperature=1.0,
        seed=0,
        batch_size=3,
        max_length=512,
        use_cache=False,
        desc="naive",
        candidates=candidates,
    )
    assert [n.ids for n in naive] == [b.ids for b in batched]
    # scoring: the stacked mixture over a padded batch equals the per-expert one
    input_ids, mask = text.pad([ids(p) for p in PROMPTS], tokenizer.pad_token_id, left=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        stacked = ensemble.mixture_logprobs(experts, weights, combine)(input_ids, mask)
    per_expert = ensemble.mixture_logprobs(experts, weights, combine, batched=False)(input_ids, mask)
    assert torch.allclose(stacked[mask.bool()], per_expert[mask.bool()], atol=1e-5)
    assert "failed" not in caplog.text


def test_experts_of_different_shapes_run_one_at_a_time(tokenizer, caplog):
    import logging

    from ensemw2s import experts as experts_module

    small = _models(tokenizer, seeds=(0,))
    wide = [build_tiny_model({"family": "gpt_neox", "hidden_size": 48, "num_layers": 2, "num_heads": 2}, tokenizer, 1).eval()]
    caplog.set_level(logging.INFO, logger="ensemw2s.experts")
    assert experts_module.make_runner(small + wide).path == "loop" and "different configs" in caplog.text
    assert experts_module.make_runner(small + _models(tokenizer, "gpt2", seeds=(1,))).path == "loop"
    assert experts_module.make_runner(_models(tokenizer)).path == "stacked"
    one = ensemble.ensemble_generate(small + wide, [1.0, 1.0], tokenizer, prompts=PROMPTS, max_new_tokens=5, batch_size=3)
    assert one == ensemble.naive_ensemble_generate(small + wide, [1.0, 1.0], tokenizer, prompts=PROMPTS, max_new_tokens=5, batch_size=3)


def test_a_failing_batched_step_falls_back_to_the_loop(tokenizer, monkeypatch, caplog):
    from ensemw2s import experts as experts_module

    experts = _models(tokenizer)
    reference = [
        d.ids
        for d in ensemble._decode(
            experts,
            [1, 2, 3],
            tokenizer,
            prompts=PROMPTS,
            max_new_tokens=5,
            combine="prob",
            do_sample=False,
            temperature=1.0,
            seed=0,
            batch_size=3,
            max_length=512,
            use_cache=True,
            desc="d",
            batched=False,
        )
    ]

    def broken(self, *args, **kwargs):
        raise RuntimeError("vmap cannot do this")

    monkeypatch.setattr(experts_module.StackedExperts, "step", broken)
    assert ensemble.ensemble_generate(experts, [1, 2, 3], tokenizer, prompts=PROMPTS, max_new_tokens=5, batch_size=3) == reference
    assert "falling back to one forward per expert" in caplog.text


@pytest.mark.parametrize("mask_kind", ["bool", "additive", "none"])
def test_one_query_attention_equals_sdpa(mask_kind):
    """The decoding step's attention (one query per sequence against its cache, left padding
    masked) equals PyTorch's SDPA within float rounding, for the mask forms transformers passes."""
    from ensemw2s.experts import _one_query_attention

    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(3, 4, n, 8, generator=g) for n in (1, 7, 7))
    keep = torch.ones(3, 1, 1, 7, dtype=torch.bool)
    keep[0, ..., :3] = False  # a left-padded row
    keep[2, ..., :1] = False
    mask = {"bool": keep, "additive": torch.zeros(keep.shape).masked_fill(~keep, float("-inf")), "none": None}[mask_kind]
    for scale in (None, 0.3):
        expected = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale)
        assert torch.allclose(_one_query_attention(q, k, v, mask, scale), expected, atol=1e-6)
