"""Disk the paper-scale run's saved experts need, computed (not measured on a cluster).

Parameter counts come from each model's architecture (the published hyperparameters below, built
on the meta device: nothing is downloaded; tied embeddings counted once) x bytes per parameter
(4 in fp32, 2 in bf16: ``training.save_dtype``) x the number of experts the config plans (every
weak model of a track: rounds x split kinds x seeds, the count ``snakemake -n`` plans for
``token_boosting_round`` / ``classification_round``).  Students, gold models and oracles write
metrics only, no weights.  Not counted: the tokenizer files in each expert folder (a few MB), the
hub cache of the pretrained models, and the transient training checkpoints (``.checkpoints/``:
weights + AdamW moments, about 12 bytes per parameter per running training job, briefly twice
while a new checkpoint replaces the last).

    python benchmarks/disk.py --configfile config/paper.yaml
"""

from __future__ import annotations

import argparse

import torch
import yaml

from common import REPO

ARCH = {  # hub id: (family, hidden, layers, heads, intermediate, vocab, tied embeddings)
    "EleutherAI/pythia-70m": ("gpt_neox", 512, 6, 8, 2048, 50304, False),
    "EleutherAI/pythia-160m": ("gpt_neox", 768, 12, 12, 3072, 50304, False),
    "EleutherAI/pythia-410m": ("gpt_neox", 1024, 24, 16, 4096, 50304, False),
    "EleutherAI/pythia-1b": ("gpt_neox", 2048, 16, 8, 8192, 50304, False),
    "EleutherAI/pythia-1.4b": ("gpt_neox", 2048, 24, 16, 8192, 50304, False),
    "EleutherAI/pythia-2.8b": ("gpt_neox", 2560, 32, 32, 10240, 50304, False),
    "gpt2": ("gpt2", 768, 12, 12, 3072, 50257, True),
    "gpt2-medium": ("gpt2", 1024, 24, 16, 4096, 50257, True),
    "gpt2-large": ("gpt2", 1280, 36, 20, 5120, 50257, True),
    "gpt2-xl": ("gpt2", 1600, 48, 25, 6400, 50257, True),
    "Qwen/Qwen1.5-1.8B": ("qwen2", 2048, 24, 16, 5504, 151936, False),
}


def parameters(hub: str, classifier: bool) -> int:
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, GPT2Config, GPTNeoXConfig, Qwen2Config

    family, hidden, layers, heads, inter, vocab, tied = ARCH[hub]
    if family == "gpt_neox":
        config = GPTNeoXConfig(
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=heads,
            intermediate_size=inter,
            vocab_size=vocab,
            rotary_pct=0.25,
            max_position_embeddings=2048,
            tie_word_embeddings=tied,
        )
    elif family == "gpt2":
        config = GPT2Config(n_embd=hidden, n_layer=layers, n_head=heads, n_inner=inter, vocab_size=vocab, n_positions=1024, tie_word_embeddings=tied)
    else:
        config = Qwen2Config(
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=heads,
            num_key_value_heads=heads,
            intermediate_size=inter,
            vocab_size=vocab,
            tie_word_embeddings=tied,
        )
    if classifier:
        config.num_labels = 2
    with torch.device("meta"):
        model = (AutoModelForSequenceClassification if classifier else AutoModelForCausalLM).from_config(config)
    return sum(p.numel() for p in model.parameters())  # shared (tied) parameters once


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", default="config/paper.yaml")
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    overlay = yaml.safe_load((REPO / args.configfile).read_text())
    registry = {**config["models"], **overlay["models"]}
    seeds = len(overlay.get("seeds", config["seeds"]))
    splits = 2  # random and difficulty-based (easy/hard) split kinds
    print(
        f"{'track':15s} {'weak model':14s} {'parameters':>14s} {'experts':>8s} {'fp32 GB/expert':>15s} {'bf16 GB/expert':>15s} {'fp32 GB':>9s} {'bf16 GB':>9s}"
    )
    totals = {}
    for track, classifier in (("generation", False), ("classification", True)):
        section = overlay[track]
        rounds = section["rounds"]
        datasets = len(section.get("datasets", ["sciq"]))
        for key in section["models"][:-1]:  # every model but the strongest is a weak model
            n = parameters(registry[key]["hub"], classifier)
            experts = rounds * splits * seeds * datasets
            fp32, bf16 = 4 * n / 1e9, 2 * n / 1e9
            totals.setdefault(track, [0.0, 0.0, 0])
            totals[track][0] += experts * fp32
            totals[track][1] += experts * bf16
            totals[track][2] += experts
            print(f"{track:15s} {key:14s} {n:14,d} {experts:8d} {fp32:15.2f} {bf16:15.2f} {experts * fp32:9.0f} {experts * bf16:9.0f}")
    for track, (fp32, bf16, experts) in totals.items():
        print(f"{track:15s} {'all':14s} {'':14s} {experts:8d} {'':15s} {'':15s} {fp32:9.0f} {bf16:9.0f}")
    print(
        f"{'both tracks':15s} {'':14s} {'':14s} {sum(t[2] for t in totals.values()):8d} {'':15s} {'':15s} "
        f"{sum(t[0] for t in totals.values()):9.0f} {sum(t[1] for t in totals.values()):9.0f}"
    )


if __name__ == "__main__":
    main()
