"""Weighted fine-tuning benchmark (run by hand; not part of the test suite).

Trains the same model (same seed), on the same QuaRTz prompt -> gold answer pairs, batch size and
precision (fp32 on CPU; bf16 autocast with fp32 weights on CUDA), with
  1. library: ensemw2s.train.train_sft (accelerate loop, per-token loss weights),
  2. trainer: transformers.Trainer (labels -100 outside the answer),
each in its own subprocess (so peak memory is its own: max RSS on CPU, torch.cuda.max_memory_allocated
on CUDA), --repeats times alternately, and prints training tokens/s (non-pad tokens through the
model per second, whole training call), the ratio library / trainer, peak memory, and on CUDA the
MFU: 6 * parameters * tokens/s / (--peak-tflops * 1e12).

    python benchmarks/training.py --shape tiny --examples 64 --batch-size 8
    python benchmarks/training.py --shape pythia-410m --device cuda --dtype bfloat16 --examples 512 --batch-size 16 --peak-tflops 989
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import torch

from common import add_common_args, build, header, quartz, setup, synchronize
from ensemw2s import text, train
from ensemw2s.data import normalise_quartz


def worker(args) -> dict:
    import resource

    tokenizer = setup(args)
    records = [normalise_quartz(r, r["id"], "quartz", seed=0) for r in quartz(args.examples)]
    prompts = [text.sft_prompt(r) for r in records]
    answers = [text.sft_answer(r["choices"][r["gold"]]) for r in records]
    args.dtype = "float32"  # weights in fp32; bf16 is autocast (mixed precision) in both
    model = build(args, tokenizer, 0)
    n_params = sum(p.numel() for p in model.parameters())
    pairs = [text.encode_pair(tokenizer, p, a, max_length=args.max_length) for p, a in zip(prompts, answers)]
    tokens = sum(len(p.input_ids) for p in pairs) * args.epochs
    bf16 = args.precision == "bfloat16"
    if args.device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    synchronize(args.device)
    start = time.perf_counter()
    if args.worker == "library":
        settings = train.TrainSettings(epochs=args.epochs, lr=1e-5, batch_size=args.batch_size, seed=0, mixed_precision="bf16" if bf16 else "no")
        train.train_sft(
            model,
            tokenizer,
            prompts,
            answers=answers,
            settings=settings,
            max_length=args.max_length,
            token_weights=[[1.0] * p.answer_length for p in pairs],
        )
    else:
        from transformers import Trainer, TrainingArguments

        class Pairs(torch.utils.data.Dataset):
            def __len__(self):
                return len(pairs)

            def __getitem__(self, i):
                return pairs[i]

        def collate(chosen):
            batch = text.collate_pairs(chosen, tokenizer.pad_token_id)
            labels = torch.full_like(batch.input_ids, -100)
            labels[:, 1:][batch.target_mask] = batch.input_ids[:, 1:][batch.target_mask]
            return {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask, "labels": labels}

        targs = TrainingArguments(
            output_dir=args.output_dir,
            per_device_train_batch_size=args.batch_size,
            num_train_epochs=args.epochs,
            learning_rate=1e-5,
            lr_scheduler_type="linear",
            max_grad_norm=1.0,
            bf16=bf16,
            use_cpu=not args.device.startswith("cuda"),
            report_to=[],
            save_strategy="no",
            logging_strategy="no",
            disable_tqdm=True,
            dataloader_num_workers=0,
            seed=0,
            remove_unused_columns=False,
        )
        Trainer(model=model.to(args.device), args=targs, train_dataset=Pairs(), data_collator=collate).train()
    synchronize(args.device)
    seconds = time.perf_counter() - start
    memory = torch.cuda.max_memory_allocated() if args.device.startswith("cuda") else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"tokens_per_s": tokens / seconds, "seconds": seconds, "peak_bytes": memory, "params": n_params, "tokens": tokens}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--examples", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--peak-tflops", type=float, default=0.0, help="the GPU's peak bf16 dense TFLOP/s, for the MFU (CUDA)")
    parser.add_argument("--worker", choices=["library", "trainer"], help=argparse.SUPPRESS)
    parser.add_argument("--precision", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--output-dir", default="/tmp/ensemw2s-trainer-benchmark", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.precision = args.precision or args.dtype
        print("RESULT " + json.dumps(worker(args)))
        return
    if args.threads:  # the workers set it themselves (same argv); here only for the header
        torch.set_num_threads(args.threads)
    results: dict[str, list[dict]] = {"library": [], "trainer": []}
    for _ in range(args.repeats):
        for name in results:
            out = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--worker", name], capture_output=True, text=True)
            line = [text for text in out.stdout.splitlines() if text.startswith("RESULT ")]
            if out.returncode or not line:
                sys.exit(f"{name} worker failed:\n{out.stderr[-3000:]}")
            results[name].append(json.loads(line[-1][7:]))
    best = {name: max(rs, key=lambda r: r["tokens_per_s"]) for name, rs in results.items()}
    peak = {name: max(r["peak_bytes"] for r in rs) for name, rs in results.items()}
    print(
        header(
            args,
            examples=args.examples,
            batch=args.batch_size,
            epochs=args.epochs,
            params=best["library"]["params"],
            tokens=best["library"]["tokens"],
            precision="bf16 autocast" if args.dtype == "bfloat16" else "fp32",
        )
    )
    memory = "torch.cuda.max_memory_allocated" if args.device.startswith("cuda") else "max RSS of the process"
    for name in results:
        mfu = ""
        if args.device.startswith("cuda") and args.peak_tflops:
            mfu = f"   MFU {100 * 6 * best[name]['params'] * best[name]['tokens_per_s'] / (args.peak_tflops * 1e12):.1f}%"
        print(f"  {name:8s}: {best[name]['tokens_per_s']:10.1f} tokens/s   peak memory {peak[name] / 2**20:8.1f} MiB ({memory}){mfu}")
    print(f"  ratio library / trainer (tokens/s): {best['library']['tokens_per_s'] / best['trainer']['tokens_per_s']:.2f}x")


if __name__ == "__main__":
    main()
