"""Option-wise scoring benchmark (run by hand; not part of the test suite).

Measures, in one run, on the same model and questions (QuaRTz, 2 choices, or ARC-Easy, 4):
  1. option-wise: ensemw2s.evaluate.evaluate_multiple_choice, the choices of a batch of questions
     together (each prompt encoded once, logits at the answer positions only),
  2. per-choice loop: one forward per (question, choice) pair (the same scoring code, batches of 1),
  3. per-choice loop, full vocabulary: one forward per pair, log-softmax over the whole vocabulary
     at every position (a plain log-prob function: what the scoring code did before it computed
     only the answer positions),
and prints questions/s of each, the ratios of option-wise to both loops, and whether all predict
the same choices.  Option-wise encodes each prompt once, the loops once per choice, so against the
same-code loop the ratio is bounded by about (choices x (prompt + answer)) / (prompt + choices x
answer) tokens where compute is the limit (a CPU).  With --experts > 1 the model is an ensemble
mixture (ensemw2s.ensemble.mixture_logprobs).

    python benchmarks/scoring.py --shape pythia-70m --questions 64 --batch-size 32
    python benchmarks/scoring.py --shape pythia-70m --dataset arc-easy --questions 64 --batch-size 32
    python benchmarks/scoring.py --shape pythia-410m --device cuda --dtype bfloat16 --questions 256
"""

from __future__ import annotations

import argparse
import json

from common import REPO, add_common_args, best_times, build, header, quartz, setup
from ensemw2s import ensemble, evaluate, text
from ensemw2s.data import normalise_arc, normalise_quartz


def questions(dataset: str, n: int) -> list[dict]:
    if dataset == "quartz":
        return [normalise_quartz(r, r["id"], "quartz", seed=0) for r in quartz(n)]
    lines = (REPO / "resources/data/arc/ARC-Easy/ARC-Easy-Dev.jsonl").read_text().splitlines()[:n]
    return [normalise_arc(r, r["id"], "arc-easy", seed=0) for r in map(json.loads, lines)]


def per_choice(logprob_fn, tokenizer, records, max_length):
    """The lowest summed NLL choice of each question, one forward per choice."""
    pairs = [text.encode_pair(tokenizer, text.sft_prompt(r), text.sft_answer(c), max_length=max_length) for r in records for c in r["choices"]]
    scores = evaluate.score_answers(logprob_fn, pairs, tokenizer.pad_token_id, batches=[[i] for i in range(len(pairs))], desc="per-choice")
    predicted, cursor = [], 0
    for r in records:
        nlls = [s.nll() for s in scores[cursor : cursor + len(r["choices"])]]
        cursor += len(r["choices"])
        predicted.append(min(range(len(nlls)), key=nlls.__getitem__))
    return predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--dataset", choices=["quartz", "arc-easy"], default="quartz")
    parser.add_argument("--questions", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32, help="pairs (question x choice) per padded forward")
    parser.add_argument("--experts", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    tokenizer = setup(args)
    records = questions(args.dataset, args.questions)
    experts = [build(args, tokenizer, seed).eval() for seed in range(args.experts)]
    fn = evaluate.model_logprobs(experts[0]) if args.experts == 1 else ensemble.mixture_logprobs(experts, [1.0] * args.experts)
    methods = {
        "option-wise": lambda rs: [
            p["predicted"]
            for p in evaluate.evaluate_multiple_choice(fn, tokenizer, rs, max_length=args.max_length, batch_size=args.batch_size).predictions
        ],
        "per-choice": lambda rs: per_choice(fn, tokenizer, rs, args.max_length),
        "per-choice-full": lambda rs: per_choice(lambda ids, mask: fn(ids, mask), tokenizer, rs, args.max_length),
    }
    best, predicted = best_times(methods, records, args.repeats, args.device)
    print(
        header(
            args,
            dataset=args.dataset,
            questions=len(records),
            choices=sum(len(r["choices"]) for r in records),
            batch=args.batch_size,
            experts=args.experts,
        )
    )
    for name in methods:
        print(f"  {name:15s}: {len(records) / best[name]:10.1f} questions/s")
    print(f"  ratio option-wise / per-choice      : {best['per-choice'] / best['option-wise']:.2f}x")
    print(f"  ratio option-wise / per-choice-full : {best['per-choice-full'] / best['option-wise']:.2f}x")
    print(f"  same predictions                    : {predicted['option-wise'] == predicted['per-choice'] == predicted['per-choice-full']}")


if __name__ == "__main__":
    main()
