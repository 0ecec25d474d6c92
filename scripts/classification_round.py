"""One boosting round: train expert t under D_t, predict every split part, write ε_t, α_t, D_{t+1}.

Under ``on_reject: break`` a round after a rejected (or stopped) round is *stopped*: it trains
nothing and writes stats "stopped at round r" (α = 0), NaN predictions, and, when experts are
kept, a model directory holding only a marker file (nothing loads it).
"""

import numpy as np
from snakemake.iocontainers import Snakemake

from ensemw2s import boosting, classification
from ensemw2s.files import atomic_path, read_json, read_jsonl, write_json
from ensemw2s.models import save_dtype, save_model, save_stopped_marker
from ensemw2s.runtime import job
from ensemw2s.train import settings_from_params

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = snakemake.params
inp, out = snakemake.input, snakemake.output
with job(snakemake.log[0], snakemake.threads) as log:
    parts = {part: read_jsonl(inp[part]) for part in classification.PARTS}
    weak_train = parts["weak_train"]
    if p.t == 1:
        previous, weights = None, boosting.uniform_weights(len(weak_train))
    else:
        previous = read_json(inp.previous[0])
        weights = np.asarray(previous["next_weights"], dtype=np.float64)
        if weights.size != len(weak_train):
            raise ValueError(f"{inp.previous[0]}: {weights.size} weights for {len(weak_train)} weak-training items")
    stats = classification.stopped_stats(p.t, previous, p.on_reject)
    if stats is not None:
        stats.update(weighting=p.weighting, training=None)
        probabilities = classification.stopped_probabilities(parts)
        if "expert" in out.keys():
            save_stopped_marker(out.expert, stats["round"], stats["stopped_at"])
    else:
        settings = settings_from_params(p, seed=boosting.round_seed(p.seed, p.t), epochs=p.epochs)
        dropout = None if p.dropout == "keep" else float(p.dropout)
        model, tokenizer, summary = classification.train_expert(
            p.model_source, weak_train, weights, p.t, settings, p.max_length, p.weighting, p.trust_remote_code, dropout, p.head_init
        )
        probabilities = {
            part: classification.predict(model, tokenizer, records, p.max_length, p.eval_batch_size, desc=part) for part, records in parts.items()
        }
        wrong = (np.asarray(probabilities["weak_train"]) > 0.5) != np.asarray([bool(r["binary_label"]) for r in weak_train])
        stats = classification.round_stats(p.t, weights, wrong, previous)
        stats.update(weighting=p.weighting, training=summary)
        if "expert" in out.keys():
            save_model(model, tokenizer, out.expert, save_dtype(p.save_dtype, p.mixed_precision))
    with atomic_path(out.predictions) as tmp:
        classification.predictions_frame(parts, probabilities).to_csv(tmp, index=False, float_format="%.6f")
    write_json(out.stats, stats)
    if stats["status"] == "stopped":
        log.info("round %d: stopped at round %d (on_reject: break): nothing trained, alpha 0", p.t, stats["stopped_at"])
    else:
        log.info(
            "round %d: epsilon %.4f, alpha %.4f (paper convention %.4f), %s",
            p.t,
            stats["epsilon"],
            stats["alpha"],
            boosting.paper_alpha(stats["alpha"]),
            stats["status"],
        )
