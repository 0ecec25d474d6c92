"""Ensemble decoding benchmark (run by hand; not part of the test suite).

Measures, in one run, on T experts of one shape and the same prompts (QuaRTz questions):
  1. the lockstep KV-cached ensemble decoder (ensemw2s.ensemble.ensemble_generate),
  2. a naive ensemble decoder that re-encodes every expert's whole prefix at each step,
  3. one expert's `generate()` (batched, KV cache), divided by T: the floor an ensemble of T
     experts cannot beat without batching the experts themselves.
and prints generated tokens/s of each and the ratios against the naive baseline and the floor.

    python benchmarks/decoding.py --shape pythia-70m --experts 5
    python benchmarks/decoding.py --shape tiny --experts 3 --device cuda --dtype bfloat16
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from ensemw2s import ensemble, models, text

REPO = Path(__file__).resolve().parents[1]
SHAPES = {  # random weights, real architectures: speed does not depend on what the weights learned
    "tiny": {"family": "gpt_neox", "hidden_size": 64, "num_layers": 2, "num_heads": 4},
    "pythia-70m": {"family": "gpt_neox", "hidden_size": 512, "num_layers": 6, "num_heads": 8, "intermediate_size": 2048},
    "pythia-160m": {"family": "gpt_neox", "hidden_size": 768, "num_layers": 12, "num_heads": 12, "intermediate_size": 3072},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="pythia-70m")
    parser.add_argument("--experts", type=int, default=5)
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    tokenizer = models.load_shipped_tokenizer(REPO / "resources/tokenizers/pythia")
    rows = [json.loads(line) for line in (REPO / "resources/data/quartz/validation.jsonl").read_text().splitlines()][: args.prompts]
    prompts = [text.sft_prompt({"question": r["question"], "context": r["para"]}) for r in rows]
    dtype = getattr(torch, args.dtype)
    arch = dict(SHAPES[args.shape], max_position_embeddings=2048)
    experts = [models.build_tiny_model(arch, tokenizer, seed).to(args.device, dtype).eval() for seed in range(args.experts)]
    # Keep generation going to max_new_tokens: random weights would otherwise stop at a stray EOS.
    for expert in experts:
        with torch.no_grad():
            bias = expert.get_output_embeddings().weight
            bias[tokenizer.eos_token_id].zero_()
    weights = [1.0 + 0.1 * s for s in range(args.experts)]
    common = dict(max_new_tokens=args.max_new_tokens, batch_size=args.batch_size, max_length=2048)

    def timed(fn):
        fn(prompts[: args.batch_size])  # warm-up
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        outputs = fn(prompts)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        return sum(len(o) for o in outputs) / seconds, outputs

    cached_rate, cached = timed(lambda p: ensemble.ensemble_generate(experts, weights, tokenizer, p, desc="cached", **common))
    naive_rate, naive = timed(lambda p: ensemble.naive_ensemble_generate(experts, weights, tokenizer, p, desc="naive", **common))

    def single_generate(batch_prompts):
        tokenizer.padding_side = "left"
        outputs = []
        for start in range(0, len(batch_prompts), args.batch_size):
            encoded = tokenizer(batch_prompts[start : start + args.batch_size], return_tensors="pt", padding=True).to(args.device)
            out = experts[0].generate(**encoded, max_new_tokens=args.max_new_tokens, min_new_tokens=args.max_new_tokens, do_sample=False,
                                      pad_token_id=tokenizer.pad_token_id)
            outputs.extend(out[:, encoded["input_ids"].shape[1]:].tolist())
        tokenizer.padding_side = "right"
        return outputs

    single_rate, _ = timed(single_generate)
    floor = single_rate / args.experts
    print(f"shape={args.shape} experts={args.experts} prompts={len(prompts)} batch={args.batch_size} new_tokens={args.max_new_tokens} "
          f"device={args.device} dtype={args.dtype} threads={torch.get_num_threads()}")
    print(f"cached lockstep ensemble : {cached_rate:10.1f} tokens/s")
    print(f"naive re-encoding        : {naive_rate:10.1f} tokens/s")
    print(f"generate() / T (floor)   : {floor:10.1f} tokens/s   (one expert: {single_rate:.1f} tokens/s)")
    print(f"ratio cached / naive     : {cached_rate / naive_rate:10.2f}x")
    print(f"ratio cached / floor     : {cached_rate / floor:10.2f}x")
    print(f"cached == naive tokens   : {cached == naive}")


if __name__ == "__main__":
    main()
