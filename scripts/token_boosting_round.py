"""One EnsemW2S-AdaBoost round: train expert t on the easy set, write it and its round statistics."""

from ensemw2s import generation, models
from ensemw2s.boosting import round_seed
from ensemw2s.files import read_json, read_jsonl, write_json
from ensemw2s.runtime import job
from ensemw2s.train import settings_from_params

p = snakemake.params  # noqa: F821
with job(snakemake.log[0], snakemake.threads) as log:  # noqa: F821
    previous = read_json(snakemake.input.previous[0]) if snakemake.input.previous else None  # noqa: F821
    expert, tokenizer, stats = generation.token_boosting_round(
        p.t, p.model_source, read_jsonl(snakemake.input.easy), settings_from_params(p, seed=round_seed(p.seed, p.t), epochs=p.epochs),  # noqa: F821
        p.max_length, p.eval_batch_size, previous, p.seed, p.trust_remote_code,
    )
    models.save_model(expert, tokenizer, snakemake.output.model)  # noqa: F821
    write_json(snakemake.output.stats, {"run": dict(snakemake.wildcards.items()), **stats})  # noqa: F821
    log.info("round %d: eps_pre %.4f eps %.4f alpha %.4f accepted %s", p.t, stats["epsilon_pre"], stats["epsilon"], stats["alpha"], stats["accepted"])
