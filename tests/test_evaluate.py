import pytest
import torch

from ensemw2s import evaluate, text


class CountingLookupModel:
    """A hand-built 'model': the next-token distribution depends only on the current token, via a
    fixed table, so every option's NLL can be computed by hand.  Counts forward passes."""

    def __init__(self, vocab_size, table):
        self.table = table  # {current token: {next token: probability}}
        self.vocab_size = vocab_size
        self.calls = 0

    def __call__(self, input_ids, attention_mask):
        self.calls += 1
        probs = torch.full((*input_ids.shape, self.vocab_size), 1e-3)
        for b in range(input_ids.shape[0]):
            for j in range(input_ids.shape[1]):
                for token, p in self.table.get(int(input_ids[b, j]), {}).items():
                    probs[b, j, token] = p
        return torch.log(probs / probs.sum(-1, keepdim=True))


def _ids(tokenizer, s):
    return tokenizer(s, add_special_tokens=False)["input_ids"]


def test_option_wise_accuracy_on_hand_built_model(gpt2_tokenizer):
    tokenizer = gpt2_tokenizer
    eos = tokenizer.eos_token_id
    red, blue = _ids(tokenizer, " red"), _ids(tokenizer, " blue")
    assert len(red) == 1 and len(blue) == 1
    colon = _ids(tokenizer, "Q: Sky?\nA:")[-1]
    # After the prompt's last token: ' blue' is likely; both answers are followed by EOS.
    table = {colon: {blue[0]: 0.6, red[0]: 0.3}, red[0]: {eos: 0.9}, blue[0]: {eos: 0.9}}
    model = CountingLookupModel(len(tokenizer), table)
    records = [
        {"id": "right", "question": "Sky?", "context": "", "choices": ["red", "blue"], "gold": 1},
        {"id": "wrong", "question": "Sky?", "context": "", "choices": ["blue", "red"], "gold": 1},
        {"id": "three", "question": "Sky?", "context": "", "choices": ["red", "green", "blue"], "gold": 2},
    ]
    result = evaluate.evaluate_multiple_choice(model, tokenizer, records, max_length=64, batch_size=16)
    assert [p["predicted"] for p in result.predictions] == [1, 0, 2]
    assert result.option_accuracy == pytest.approx(2 / 3)
    lp = model(torch.tensor([[colon, blue[0]]]), None)[0]
    # lm-evaluation-harness acc: the choice's tokens only, no EOS term (eval.choice_eos: false)
    assert result.predictions[0]["choice_nll"][1] == pytest.approx(-lp[0, blue[0]].item(), rel=1e-5)
    with_eos = evaluate.evaluate_multiple_choice(model, tokenizer, records[:1], max_length=64, batch_size=16, choice_eos=True)
    assert with_eos.predictions[0]["choice_nll"][1] == pytest.approx(-(lp[0, blue[0]] + lp[1, eos]).item(), rel=1e-5)
    # 7 option sequences fit one batch of 16: all choices scored in one padded forward pass.
    assert model.calls == 3  # one for the evaluation, one for the hand computation, one with EOS


def test_the_eos_term_can_change_the_prediction_and_is_off_by_default(gpt2_tokenizer):
    tokenizer = gpt2_tokenizer
    eos = tokenizer.eos_token_id
    red, blue = _ids(tokenizer, " red")[0], _ids(tokenizer, " blue")[0]
    colon = _ids(tokenizer, "Q: Sky?\nA:")[-1]
    # ' red' is likelier than ' blue', but after ' red' EOS is very unlikely.
    model = CountingLookupModel(len(tokenizer), {colon: {red: 0.5, blue: 0.3}, blue: {eos: 0.9}})
    records = [{"id": "x", "question": "Sky?", "context": "", "choices": ["red", "blue"], "gold": 1}]
    assert evaluate.evaluate_multiple_choice(model, tokenizer, records, max_length=64, batch_size=4).predictions[0]["predicted"] == 0
    assert evaluate.evaluate_multiple_choice(model, tokenizer, records, max_length=64, batch_size=4, choice_eos=True).predictions[0]["predicted"] == 1


def test_acc_norm_divides_the_summed_log_likelihood_by_the_choice_characters(gpt2_tokenizer):
    tokenizer = gpt2_tokenizer
    red, sky, blue = _ids(tokenizer, " red")[0], _ids(tokenizer, " sky")[0], _ids(tokenizer, " blue")[0]
    colon = _ids(tokenizer, "Q: Sky?\nA:")[-1]
    # ' red' (3 characters) vs ' sky blue' (8): lower summed NLL for 'red', lower per character for 'sky blue'.
    table = {colon: {red: 0.5, sky: 0.3}, sky: {blue: 0.9}}
    model = CountingLookupModel(len(tokenizer), table)
    records = [{"id": "x", "question": "Sky?", "context": "", "choices": ["red", "sky blue"], "gold": 1}]
    result = evaluate.evaluate_multiple_choice(model, tokenizer, records, max_length=64, batch_size=4)
    prediction = result.predictions[0]
    assert prediction["choice_chars"] == [3, 8] and prediction["choice_tokens"] == [1, 2]
    nll = prediction["choice_nll"]
    assert nll[0] < nll[1] and nll[1] / 8 < nll[0] / 3
    assert (prediction["predicted"], prediction["predicted_norm"]) == (0, 1)
    assert (result.option_accuracy, result.option_accuracy_norm) == (0.0, 1.0)


def test_choices_of_one_question_are_never_split_across_batches(tokenizer):
    model = CountingLookupModel(len(tokenizer), {})
    records = [{"id": str(i), "question": "Q?", "context": "", "choices": ["a", "b", "c"], "gold": 0} for i in range(4)]
    evaluate.evaluate_multiple_choice(model, tokenizer, records, max_length=32, batch_size=7)
    assert model.calls == 2  # 2 questions (6 sequences) per batch of at most 7


def test_token_wise_accuracy_is_teacher_forced_argmax(gpt2_tokenizer):
    tokenizer = gpt2_tokenizer
    answer = _ids(tokenizer, " red")
    colon = _ids(tokenizer, "Q: Sky?\nA:")[-1]
    # Predicts ' red' after the prompt (right) but not EOS after ' red' (wrong): 1 of 2 tokens.
    model = CountingLookupModel(len(tokenizer), {colon: {answer[0]: 0.9}, answer[0]: {colon: 0.9}})
    records = [{"id": "x", "question": "Sky?", "context": "", "choices": ["red", "blue"], "gold": 0}]
    result = evaluate.evaluate_multiple_choice(model, tokenizer, records, max_length=64, batch_size=4, eos_unit=True)
    assert result.token_accuracy == pytest.approx(0.5)
    # EOS is not a unit by default: the choice's one token, right
    assert evaluate.evaluate_multiple_choice(model, tokenizer, records, max_length=64, batch_size=4).token_accuracy == 1.0
    scores = evaluate.answer_token_correctness(model, tokenizer, records, max_length=64, batch_size=4)
    assert scores[0].token_correct == [True, False]


def _reference_scores(model, pairs):
    """The straightforward computation: each pair alone, no padding, a full-vocabulary log-softmax
    over every position."""
    out = []
    for pair in pairs:
        ids = torch.tensor([pair.input_ids])
        with torch.no_grad():
            logprobs = torch.log_softmax(model(input_ids=ids).logits.float(), dim=-1)[0, :-1]
        targets = ids[0, 1:]
        answer = slice(pair.answer_start - 1, None)
        out.append((logprobs.gather(-1, targets[:, None])[:, 0][answer].tolist(), (logprobs.argmax(-1) == targets)[answer].tolist()))
    return out


@pytest.mark.parametrize("family", ["gpt_neox", "gpt2"])
def test_shared_prompt_scoring_equals_the_full_vocabulary_reference(tokenizer, family, caplog):
    """score_answers encodes each prompt once (KV cache shared by the choices) and computes
    log-probs at the answer positions only: the same log-probs (1e-5) and argmax correctness as the
    per-pair full computation, for a single model and for an ensemble mixture (stacked and
    per-expert), and the same predictions and NLLs as the right-padded full-vocabulary path a plain
    log-prob function takes."""
    import logging

    from ensemw2s import ensemble

    caplog.set_level(logging.INFO, logger="ensemw2s")
    from ensemw2s.models import build_tiny_model

    models = [build_tiny_model({"family": family, "hidden_size": 32, "num_layers": 2, "num_heads": 2}, tokenizer, s).eval() for s in (0, 1)]
    records = [
        {"id": "a", "question": "Why is the sky blue?", "context": "", "choices": ["more light", "less", "the same as before"], "gold": 0},
        {"id": "b", "question": "Hot?", "context": "A much longer background about heat and things that move.", "choices": ["yes", "no"], "gold": 1},
        {"id": "c", "question": "Q?", "context": "", "choices": ["a long answer with several tokens in it", "b"], "gold": 1},
    ]
    pairs = [text.encode_pair(tokenizer, text.sft_prompt(r), text.sft_answer(c), max_length=64) for r in records for c in r["choices"]]
    reference = _reference_scores(models[0], pairs)
    window = evaluate.model_logprobs(models[0])
    assert isinstance(window, evaluate.AnswerLogProbs)
    assert len(set(tuple(p.input_ids[: p.answer_start]) for p in pairs)) == len(records)  # choices share their prompt
    shared = [list(range(len(pairs)))]  # a question's choices share their prompt: encoded once
    distinct = [[0, 3, 5], [1, 4, 6], [2]]  # no prompt shared: one left-padded forward
    for batches in (shared, distinct):
        scores = evaluate.score_answers(window, pairs, tokenizer.pad_token_id, batches=batches)
        for score, (lp, correct) in zip(scores, reference, strict=True):
            assert score.token_logprobs == pytest.approx(lp, abs=1e-5)
            assert score.token_correct == correct
    # the old path (any plain callable): right-padded, every position's full log-softmax
    plain = lambda ids, mask: window(ids, mask)  # noqa: E731
    for batch_size in (2, 4, 16):
        new = evaluate.evaluate_multiple_choice(window, tokenizer, records, max_length=64, batch_size=batch_size)
        old = evaluate.evaluate_multiple_choice(plain, tokenizer, records, max_length=64, batch_size=batch_size)
        assert [p["predicted"] for p in new.predictions] == [p["predicted"] for p in old.predictions]
        assert [p["predicted_norm"] for p in new.predictions] == [p["predicted_norm"] for p in old.predictions]
        for n, o in zip(new.predictions, old.predictions, strict=True):
            assert n["choice_nll"] == pytest.approx(o["choice_nll"], abs=1e-5)
            assert n["choice_tokens"] == o["choice_tokens"]
        assert new.token_accuracy == old.token_accuracy
    # ensemble mixture: windowed stacked / per-expert vs the full mixture of the old path
    for batched in (True, False):
        mixture = ensemble.mixture_logprobs(models, [0.3, 0.7], batched=batched)
        full = evaluate.score_answers(lambda ids, mask: mixture(ids, mask), pairs, tokenizer.pad_token_id, batches=[[i] for i in range(len(pairs))])  # noqa: B023
        for batches in (shared, distinct):
            mine = evaluate.score_answers(mixture, pairs, tokenizer.pad_token_id, batches=batches)
            for m, f in zip(mine, full, strict=True):
                assert m.token_logprobs == pytest.approx(f.token_logprobs, abs=1e-5)
                assert m.token_correct == f.token_correct
    assert "batched in one vmapped forward" in caplog.text and "failed" not in caplog.text


def test_an_unscored_eos_takes_no_place_in_the_length_budget_and_truncation_is_counted(gpt2_tokenizer):
    prompt, answer = "one two three four five six seven eight", " nine"
    n_prompt, n_answer = len(_ids(gpt2_tokenizer, prompt)), len(_ids(gpt2_tokenizer, answer))
    fits = n_prompt + n_answer  # prompt + answer, no room for the EOS
    counted = text.encode_pair(gpt2_tokenizer, prompt, answer, max_length=fits)
    unscored = text.encode_pair(gpt2_tokenizer, prompt, answer, max_length=fits, eos_in_budget=False)
    assert counted.truncated and counted.answer_start == n_prompt - 1
    assert not unscored.truncated and unscored.answer_start == n_prompt
    assert unscored.input_ids == _ids(gpt2_tokenizer, prompt + answer) + [gpt2_tokenizer.eos_token_id]
    assert counted.answer_length == unscored.answer_length  # the same units either way
    records = [
        {"id": "a", "question": "x " * 40, "choices": ["yes", "no"], "gold": 0},
        {"id": "b", "question": "x", "choices": ["yes", "no"], "gold": 0},
    ]
    model = CountingLookupModel(len(gpt2_tokenizer), {})
    result = evaluate.evaluate_multiple_choice(model, gpt2_tokenizer, records, max_length=20, batch_size=4)
    assert result.n_truncated == 1
    assert evaluate.evaluate_multiple_choice(model, gpt2_tokenizer, records, max_length=200, batch_size=4).n_truncated == 0
