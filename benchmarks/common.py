"""Shared setup of the benchmarks: model shapes, the shipped tokenizer, QuaRTz prompts."""

from __future__ import annotations

import json
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
SHAPES = {  # random weights, real architectures: speed does not depend on what the weights learned
    "tiny": {"family": "gpt_neox", "hidden_size": 64, "num_layers": 2, "num_heads": 4},
    "pythia-70m": {"family": "gpt_neox", "hidden_size": 512, "num_layers": 6, "num_heads": 8, "intermediate_size": 2048},
    "pythia-160m": {"family": "gpt_neox", "hidden_size": 768, "num_layers": 12, "num_heads": 12, "intermediate_size": 3072},
    "pythia-410m": {"family": "gpt_neox", "hidden_size": 1024, "num_layers": 24, "num_heads": 16, "intermediate_size": 4096},
}


def add_common_args(parser, shape: str = "pythia-70m") -> None:
    parser.add_argument("--shape", choices=sorted(SHAPES), default=shape)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch default)")


def setup(args):
    from ensemw2s import models

    if args.threads:
        torch.set_num_threads(args.threads)
    return models.load_shipped_tokenizer(REPO / "resources/tokenizers/pythia")


def quartz(n: int) -> list[dict]:
    rows = [json.loads(line) for line in (REPO / "resources/data/quartz/validation.jsonl").read_text().splitlines()]
    return rows[:n]


def build(args, tokenizer, seed: int, max_positions: int = 2048):
    from ensemw2s import models

    arch = dict(SHAPES[args.shape], max_position_embeddings=max_positions)
    return models.build_tiny_model(arch, tokenizer, seed).to(args.device, getattr(torch, args.dtype))


def synchronize(device: str) -> None:
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def header(args, **extra) -> str:
    items = dict(shape=args.shape, device=args.device, dtype=args.dtype, threads=torch.get_num_threads(), **extra)
    return " ".join(f"{k}={v}" for k, v in items.items())


def best_times(methods: dict, inputs, repeats: int, device: str) -> tuple[dict, dict]:
    """Each method on ``inputs`` after a warm-up on the first two, ``repeats`` times, interleaved:
    (best seconds per method, its last output).  Ratios come from one run, never across runs."""
    import time

    for method in methods.values():  # warm-up
        method(inputs[: min(2, len(inputs))])
    best, outputs = {}, {}
    for _ in range(repeats):
        for name, method in methods.items():
            synchronize(device)
            start = time.perf_counter()
            outputs[name] = method(inputs)
            synchronize(device)
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - start)
    return best, outputs
