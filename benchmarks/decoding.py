"""Ensemble decoding benchmark (run by hand; not part of the test suite).

Measures, in one run, on T experts of one shape and the same prompts (QuaRTz questions):
  1. batched: the lockstep KV-cached ensemble decoder with all experts in one vmapped forward per
     step (ensemw2s.ensemble.ensemble_generate, the default),
  2. loop: the same decoder running one forward per expert per step (batched=False),
  3. naive: re-encoding every expert's whole prefix at each step (the tested reference),
  4. floor: one expert's `generate()` (batched, KV cache) divided by T, what an ensemble of T
     experts would cost if it were exactly T single-model decodes.
Every method runs --repeats times, interleaved, and its best time counts (the machine may be shared).
Prints generated tokens/s of each and the ratios, for each value of --max-new-tokens.  The naive
decoder is slow (its step re-encodes the prompt): --naive-new-tokens caps its new tokens, which
flatters it (its cost per token grows with length), so the ratio against it is conservative.

    python benchmarks/decoding.py --shape pythia-70m --experts 5 --max-new-tokens 5 64
    python benchmarks/decoding.py --shape pythia-410m --device cuda --dtype bfloat16 --prompts 64 --batch-size 32
"""

from __future__ import annotations

import argparse

import torch

from common import add_common_args, best_times, build, header, quartz, setup
from ensemw2s import ensemble, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--experts", type=int, default=5)
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, nargs="+", default=[5, 64])
    parser.add_argument("--naive-new-tokens", type=int, default=0, help="cap on the naive decoder's new tokens (0: no cap)")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    tokenizer = setup(args)
    prompts = [text.sft_prompt({"question": r["question"], "context": r["para"]}) for r in quartz(args.prompts)]
    experts = [build(args, tokenizer, seed).eval() for seed in range(args.experts)]
    for expert in experts:  # keep generating to max_new_tokens: random weights would stop at a stray EOS
        with torch.no_grad():
            expert.get_output_embeddings().weight[tokenizer.eos_token_id].zero_()
    weights = [1.0 + 0.1 * s for s in range(args.experts)]

    def single_generate(batch_prompts, new_tokens):
        tokenizer.padding_side = "left"
        outputs = []
        for start in range(0, len(batch_prompts), args.batch_size):
            encoded = tokenizer(batch_prompts[start : start + args.batch_size], return_tensors="pt", padding=True).to(args.device)
            out = experts[0].generate(
                **encoded, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id
            )
            outputs.extend(out[:, encoded["input_ids"].shape[1] :].tolist())
        tokenizer.padding_side = "right"
        return outputs

    print(header(args, experts=args.experts, prompts=len(prompts), batch=args.batch_size))
    common = dict(batch_size=args.batch_size, max_length=2048)
    for new_tokens in args.max_new_tokens:
        naive_tokens = min(new_tokens, args.naive_new_tokens) if args.naive_new_tokens else new_tokens
        methods = {
            "batched": lambda p, n=new_tokens: ensemble.ensemble_generate(
                experts, weights, tokenizer, prompts=p, max_new_tokens=n, desc="batched", **common
            ),
            "loop": lambda p, n=new_tokens: ensemble.ensemble_generate(
                experts, weights, tokenizer, prompts=p, max_new_tokens=n, desc="loop", batched=False, **common
            ),
            "naive": lambda p, n=naive_tokens: ensemble.naive_ensemble_generate(
                experts, weights, tokenizer, prompts=p, max_new_tokens=n, desc="naive", **common
            ),
            "generate": lambda p, n=new_tokens: single_generate(p, n),
        }
        best, outputs = best_times(methods, prompts, args.repeats, args.device)
        rate = {name: sum(len(o) for o in outputs[name]) / best[name] for name in methods}
        floor = rate["generate"] / args.experts
        print(f"\nnew_tokens={new_tokens} (naive: {naive_tokens}) repeats={args.repeats}, best of each")
        print(f"  batched ensemble (vmapped) : {rate['batched']:10.1f} tokens/s")
        print(f"  per-expert lockstep (loop) : {rate['loop']:10.1f} tokens/s")
        print(f"  naive re-encoding          : {rate['naive']:10.1f} tokens/s")
        print(f"  generate() / T (floor)     : {floor:10.1f} tokens/s   (one expert: {rate['generate']:.1f} tokens/s)")
        print(f"  ratio batched / floor      : {rate['batched'] / floor:10.2f}x")
        print(f"  ratio batched / loop       : {rate['batched'] / rate['loop']:10.2f}x")
        print(f"  ratio batched / naive      : {rate['batched'] / rate['naive']:10.2f}x")
        print(f"  ratio loop / floor         : {rate['loop'] / floor:10.2f}x")
        same = outputs["batched"] == outputs["loop"] and (naive_tokens != new_tokens or outputs["batched"] == outputs["naive"])
        print(f"  batched == loop{' == naive' if naive_tokens == new_tokens else ''} tokens : {same}")


if __name__ == "__main__":
    main()
