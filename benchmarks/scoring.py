"""Option-wise scoring benchmark (run by hand; not part of the test suite).

Measures, in one run, on the same model and QuaRTz questions:
  1. option-wise: ensemw2s.evaluate.evaluate_multiple_choice, all choices of a batch of questions
     in one padded forward,
  2. per-choice loop: one forward per (question, choice) pair (the same scoring code, batches of 1),
and prints questions/s of both, their ratio, and whether both predict the same choices.  With
--experts > 1 the model is an ensemble mixture (ensemw2s.ensemble.mixture_logprobs).

    python benchmarks/scoring.py --shape pythia-70m --questions 64 --batch-size 32
    python benchmarks/scoring.py --shape pythia-410m --device cuda --dtype bfloat16 --questions 256
"""

from __future__ import annotations

import argparse

from common import add_common_args, best_times, build, header, quartz, setup

from ensemw2s import ensemble, evaluate, text
from ensemw2s.data import normalise_quartz


def per_choice(logprob_fn, tokenizer, records, max_length):
    """The lowest summed NLL choice of each question, one forward per choice."""
    pairs = [text.encode_pair(tokenizer, text.sft_prompt(r), text.sft_answer(c), max_length) for r in records for c in r["choices"]]
    scores = evaluate.score_answers(logprob_fn, pairs, tokenizer.pad_token_id, [[i] for i in range(len(pairs))], "per-choice")
    predicted, cursor = [], 0
    for r in records:
        nlls = [s.nll() for s in scores[cursor : cursor + len(r["choices"])]]
        cursor += len(r["choices"])
        predicted.append(min(range(len(nlls)), key=nlls.__getitem__))
    return predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--questions", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32, help="pairs (question x choice) per padded forward")
    parser.add_argument("--experts", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    tokenizer = setup(args)
    records = [normalise_quartz(r, r["id"], "quartz", 0) for r in quartz(args.questions)]
    experts = [build(args, tokenizer, seed).eval() for seed in range(args.experts)]
    fn = evaluate.model_logprobs(experts[0]) if args.experts == 1 else ensemble.mixture_logprobs(experts, [1.0] * args.experts)
    methods = {
        "option-wise": lambda rs: [p["predicted"] for p in evaluate.evaluate_multiple_choice(fn, tokenizer, rs, args.max_length, args.batch_size).predictions],
        "per-choice": lambda rs: per_choice(fn, tokenizer, rs, args.max_length),
    }
    best, predicted = best_times(methods, records, args.repeats, args.device)
    print(header(args, questions=len(records), choices=sum(len(r["choices"]) for r in records), batch=args.batch_size, experts=args.experts))
    for name in methods:
        print(f"  {name:12s}: {len(records) / best[name]:10.1f} questions/s")
    print(f"  ratio option-wise / per-choice : {best['per-choice'] / best['option-wise']:.2f}x")
    print(f"  same predictions               : {predicted['option-wise'] == predicted['per-choice']}")


if __name__ == "__main__":
    main()
