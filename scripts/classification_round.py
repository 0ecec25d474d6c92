"""One boosting round: train expert t under D_t, predict every split part, write ε_t, α_t, D_{t+1}.

Under ``on_reject: break`` (and ``retry``, once a round's retries were rejected too) a round after
a rejected (or stopped) round is *stopped*: it trains nothing and writes stats "stopped at round r"
(α = 0), NaN predictions, and, when experts are kept, a model directory holding only a marker file
(nothing loads it); it is answered before torch and the model code are imported.
"""

from snakemake.iocontainers import Snakemake

from ensemw2s import boosting, classification, splits
from ensemw2s.files import atomic_path, read_json, read_jsonl, write_json
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
inp, out = snakemake.input, snakemake.output
with job(snakemake.log[0], snakemake.threads) as log:
    parts = splits.read_parts(inp, read_jsonl, classification.PARTS)
    previous = read_json(inp.previous[0]) if inp.previous else None
    stats = boosting.stopped_round(p.t, previous, p.on_reject, weighting=p.weighting, training=None)
    if stats is not None:
        probabilities = classification.stopped_probabilities(parts)
        if "expert" in out.keys():
            boosting.write_stopped_marker(out.expert, stats["round"], stats["stopped_at"])
    else:
        from ensemw2s import models
        from ensemw2s.train import settings_from_params, spec_from_params

        model, tokenizer, stats, probabilities = classification.boosting_round(
            p.t,
            spec_from_params(p),
            parts,
            previous=previous,
            settings=settings_from_params(p, seed=boosting.round_seed(p.seed, p.t), epochs=p.epochs),
            weighting=p.weighting,
            on_reject=p.on_reject,
            max_retries=getattr(p, "max_retries", 0),  # only rounds t >= 2 under on_reject: retry get it
            dropout=classification.dropout_probability(p.dropout),
            head_init=p.head_init,
        )
        if "expert" in out.keys():
            models.save_model(model, tokenizer, out.expert, dtype=models.save_dtype(p.save_dtype, p.mixed_precision))
    with atomic_path(out.predictions) as tmp:
        classification.predictions_frame(parts, probabilities).to_csv(tmp, index=False, float_format="%.6f")
    write_json(out.stats, {"run": dict(snakemake.wildcards.items()), **stats})
    if stats["status"] == "stopped":
        log.info("round %d: stopped at round %d (on_reject: %s): nothing trained, alpha 0", p.t, stats["stopped_at"], p.on_reject)
    else:
        for a in stats.get("attempts", []):  # on_reject: retry
            log.info(
                "round %d, attempt %d (seed %d): epsilon %.4f, %s", p.t, a["attempt"], a["seed"], a["epsilon"], boosting.round_status(a["accepted"])
            )
        log.info(
            "round %d: epsilon %.4f, alpha %.4f (paper convention %.4f), %s",
            p.t,
            stats["epsilon"],
            stats["alpha"],
            boosting.paper_alpha(stats["alpha"]),
            stats["status"],
        )
