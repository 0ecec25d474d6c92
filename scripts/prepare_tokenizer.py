"""Train a byte-level BPE on its corpora (tokenizers.<name>.corpus), or package shipped tokenizer files, as a HF tokenizer dir."""

from pathlib import Path

from snakemake.iocontainers import Snakemake

from ensemw2s import models
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
with job(snakemake.log[0]) as log:
    if p.vocab_size:
        texts = [line for path in snakemake.input for line in Path(path).read_text(encoding="utf-8").splitlines()]
        tokenizer = models.train_bpe_tokenizer(texts, p.vocab_size, split_digits=p.split_digits)
    else:
        tokenizer = models.load_shipped_tokenizer(p.path)
    models.save_tokenizer(tokenizer, snakemake.output[0])
    log.info("tokenizer with %d tokens; 'Hello world' -> %s", len(tokenizer), tokenizer("Hello world")["input_ids"])
    log.info("'12+395=?' -> %s", tokenizer.tokenize("12+395=?"))
    log.info("'Q: max(43,65)=? A: 43' -> %s", tokenizer.tokenize("Q: max(43,65)=? A: 43"))
