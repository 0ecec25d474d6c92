"""Build a tiny causal LM from its registry entry and pretrain it on its corpora (models.<name>.pretrain_corpus)."""

from pathlib import Path

from snakemake.iocontainers import Snakemake

from ensemw2s import models
from ensemw2s.runtime import job, job_settings, operational
from ensemw2s.train import TrainSettings, pretrain_lm

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0], snakemake.threads) as log:
    tokenizer = models.load_tokenizer(snakemake.input.tokenizer)
    arch = dict(
        family=p.family,
        hidden_size=p.hidden_size,
        num_layers=p.num_layers,
        num_heads=p.num_heads,
        intermediate_size=p.intermediate_size,
        max_position_embeddings=max(p.max_length, p.pretrain_seq_len),
    )
    model = models.build_tiny_model(arch, tokenizer, p.init_seed)
    log.info("%s: %d parameters", arch, sum(t.numel() for t in model.parameters()))
    if p.pretrain_steps:
        texts = [line for path in snakemake.input.corpus for line in Path(path).read_text(encoding="utf-8").splitlines()]
        settings = TrainSettings(
            epochs=1,
            max_steps=p.pretrain_steps,
            lr=p.pretrain_lr,
            batch_size=p.pretrain_batch_size,
            seed=p.init_seed,
            warmup_ratio=0.05,
            checkpoint_dir=p.checkpoint_dir,
            checkpoint_every=operational("checkpoint_every"),
            label=f"tiny model {snakemake.wildcards.model}",
        )
        summary = pretrain_lm(model, tokenizer, texts, settings=settings, seq_len=p.pretrain_seq_len)
        log.info("pretraining: %s", summary)
    models.save_model(model, tokenizer, snakemake.output[0])
