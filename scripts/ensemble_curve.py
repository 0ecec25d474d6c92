"""The weak ensemble of the first t rounds of one boosting variant, for t = 1..T, evaluated on
test and val under the main combination (Appendix G.2's per-round curves)."""

from snakemake.iocontainers import Snakemake

from ensemw2s import boosting, generation, models
from ensemw2s.files import read_json, read_jsonl, write_json
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
inp = snakemake.input
with job(snakemake.log[0], snakemake.threads) as log:
    rounds = [read_json(path) for path in inp.stats]
    alphas = boosting.round_alphas(rounds)
    scoring = generation.EvalSettings(p.max_length, p.eval_batch_size, p.choice_eos, p.eos_unit)
    curve = generation.ensemble_curve(
        lambda s: models.load_for_inference(inp.experts[s - 1], p.mixed_precision),
        alphas,
        models.load_tokenizer(inp.experts[0]),  # round 1 always trains
        parts={"test": read_jsonl(inp.test), "val": read_jsonl(inp.val)},
        combine=p.combine,
        scoring=scoring,
    )
    for point, stats in zip(curve, rounds, strict=True):
        point["round"] = {key: stats[key] for key in ("status", "accepted", "alpha", "epsilon", "epsilon_pre", "n_units")}
        log.info("t=%d (%s): test %s", point["t"], stats["status"], point["test"])
    write_json(snakemake.output[0], {"run": dict(snakemake.wildcards.items()), "units": rounds[0].get("units"), "rows": curve})
