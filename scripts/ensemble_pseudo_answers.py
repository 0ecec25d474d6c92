"""Pseudo-answers for the hard questions from the ensemble of the first t experts, and the
ensemble's own accuracy on test and val (under the same mixture)."""

from ensemw2s import ensemble, generation, models
from ensemw2s.files import read_json, read_jsonl, write_json, write_jsonl
from ensemw2s.runtime import job

p = snakemake.params  # noqa: F821
inp = snakemake.input  # noqa: F821
with job(snakemake.log[0], snakemake.threads) as log:  # noqa: F821
    rounds = [read_json(path) for path in inp.stats]
    alphas = [r["alpha"] if r["accepted"] else 0.0 for r in rounds]
    tokenizer = models.load_tokenizer(inp.experts[0])
    experts = [models.load_for_inference(path, p.mixed_precision) for path in inp.experts]
    decode = generation.DecodeSettings(p.max_new_tokens, p.combine, p.decode == "sample", p.temperature, p.seed, p.choice_nll)
    rows, summary = generation.pseudo_answers(experts, alphas, tokenizer, read_jsonl(inp.hard), decode, p.max_length, p.eval_batch_size)
    mixture = ensemble.mixture_logprobs(experts, summary["ensemble_weights"], p.combine)
    evaluation = generation.evaluate_parts(
        mixture, tokenizer, {"test": read_jsonl(inp.test), "val": read_jsonl(inp.val)}, p.max_length, p.eval_batch_size, p.choice_nll == "mean"
    )
    write_jsonl(snakemake.output.labels, rows)  # noqa: F821
    write_json(snakemake.output.metrics, {"run": dict(snakemake.wildcards.items()), **summary, **evaluation, "alphas": alphas, "rounds": len(rounds)})  # noqa: F821
    log.info("T=%d: %s; test %s", len(rounds), summary, evaluation["test"])
