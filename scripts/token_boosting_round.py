"""One EnsemW2S-AdaBoost round: train expert t on the easy set, write it and its round statistics
(or, after a rejection under on_reject: break, a marker and "stopped" statistics).

A stopped round is answered before torch and the model code are imported (about 5 s of a job's
start-up): it trains nothing."""

from snakemake.iocontainers import Snakemake

from ensemw2s import boosting
from ensemw2s.files import read_json, read_jsonl, write_json
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
inp, out = snakemake.input, snakemake.output
with job(snakemake.log[0], snakemake.threads) as log:
    previous = read_json(inp.previous[0]) if inp.previous else None
    boost = boosting.BoostingSettings(
        on_reject=p.on_reject,
        round1=p.round1,
        eos_unit=p.eos_unit,
        unit=p.unit,
        window=p.window,
        sample_error=p.sample_error,
        draw_weight=p.draw_weight,
    )
    stats = boost.stopped_round_stats(p.t, previous)
    if stats is not None:
        boosting.write_stopped_marker(out.model, p.t, stats["stopped_at"])
        log.info("round %d: stopped at round %d (on_reject: break), nothing trained", p.t, stats["stopped_at"])
    else:
        from ensemw2s import generation, models
        from ensemw2s.train import settings_from_params, spec_from_params

        expert, tokenizer, stats = generation.token_boosting_round(
            p.t,
            spec_from_params(p),
            read_jsonl(inp.easy),
            settings=settings_from_params(p, seed=boosting.round_seed(p.seed, p.t), epochs=p.epochs),
            previous=previous,
            seed=p.seed,
            boost=boost,
        )
        models.save_model(expert, tokenizer, out.model, dtype=models.save_dtype(p.save_dtype, p.mixed_precision))
        log.info("round %d: eps_pre %.4f eps %.4f alpha %.4f %s", p.t, stats["epsilon_pre"], stats["epsilon"], stats["alpha"], stats["status"])
    write_json(out.stats, {"run": dict(snakemake.wildcards.items()), **stats})
