"""Where one ensemble decoding step's time goes (torch.profiler), by hand.

Profiles ``--steps`` consecutive decoding steps in the middle of a decode (from just after the
mixture chose token k to just before it chooses token k + steps), so the prefill is excluded, and
prints the top operators by self CPU time as a share of the step.  ``--impl`` picks the stacked
(vmapped) experts, the per-expert loop, or the decoder of a git revision (``--rev``), loaded from
``git show REV:src/ensemw2s/ensemble.py``: the "before" of a change.

    python benchmarks/profile_step.py --impl stacked
    python benchmarks/profile_step.py --impl rev --rev a8d3059
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
import types

import torch

from common import REPO, add_common_args, build, header, quartz, setup, synchronize
from ensemw2s import ensemble, text


def load_revision(rev: str):
    source = subprocess.run(["git", "show", f"{rev}:src/ensemw2s/ensemble.py"], cwd=REPO, check=True, capture_output=True, text=True).stdout
    module = types.ModuleType(f"ensemble_{rev}")
    module.__package__ = "ensemw2s"
    module.__dict__["__name__"] = f"ensemw2s.ensemble_{rev}"
    sys.modules[module.__name__] = module
    exec(compile(source, f"{rev}:ensemble.py", "exec"), module.__dict__)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--impl", choices=["stacked", "loop", "rev"], default="stacked")
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--experts", type=int, default=5)
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--start", type=int, default=4, help="profile from the step after this many chosen tokens")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    tokenizer = setup(args)
    prompts = [text.sft_prompt({"question": r["question"], "context": r["para"]}) for r in quartz(args.prompts)]
    experts = [build(args, tokenizer, seed).eval() for seed in range(args.experts)]
    for expert in experts:  # no early stop at a stray EOS
        with torch.no_grad():
            expert.get_output_embeddings().weight[tokenizer.eos_token_id].zero_()
    weights = [1.0 + 0.1 * s for s in range(args.experts)]
    module = load_revision(args.rev) if args.impl == "rev" else ensemble
    extra = {} if args.impl == "rev" else {"batched": args.impl == "stacked"}

    profiler = torch.profiler.profile(
        activities=[torch.profiler.ProfilerActivity.CPU] + ([torch.profiler.ProfilerActivity.CUDA] if args.device.startswith("cuda") else [])
    )
    original, calls, window = module._choose, [0], {}

    def choose(*a, **k):
        calls[0] += 1
        if calls[0] == args.start + args.steps:
            synchronize(args.device)
            window["seconds"] = time.perf_counter() - window["start"]
            profiler.stop()
        token = original(*a, **k)
        if calls[0] == args.start:
            synchronize(args.device)
            profiler.start()
            window["start"] = time.perf_counter()
        return token

    def run(n):
        return module._decode(
            experts,
            weights,
            tokenizer,
            prompts=prompts,
            max_new_tokens=n,
            combine="prob",
            do_sample=False,
            temperature=1.0,
            seed=0,
            batch_size=len(prompts),
            max_length=2048,
            use_cache=True,
            desc="decode",
            candidates=None,
            **extra,
        )

    run(2)  # warm-up
    module._choose = choose
    run(args.start + args.steps)
    module._choose = original
    events = profiler.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    print(
        header(
            args, impl=args.impl if args.impl != "rev" else f"rev {args.rev}", experts=args.experts, prompts=len(prompts), profiled_steps=args.steps
        )
    )
    print(
        f"step wall time {1000 * window['seconds'] / args.steps:.1f} ms  (profiled, {args.steps} steps); operators (self CPU) {total / 1000 / args.steps:.1f} ms/step"
    )
    print(f"{'op':48s} {'self ms/step':>12s} {'% of step':>9s} {'calls/step':>10s}")
    for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[: args.top]:
        print(
            f"{e.key[:48]:48s} {e.self_cpu_time_total / 1000 / args.steps:12.2f} {100 * e.self_cpu_time_total / total:8.1f}% {e.count / args.steps:10.1f}"
        )


if __name__ == "__main__":
    sys.exit(main())
