"""Pool the label-free text of every dataset (questions, backgrounds, all choices; never which
choice is gold) for training the BPE tokenizer and pretraining tiny models."""

from snakemake.iocontainers import Snakemake

from ensemw2s.data import corpus_lines
from ensemw2s.files import atomic_open, read_jsonl
from ensemw2s.runtime import job

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

with job(snakemake.log[0]) as log:
    with atomic_open(snakemake.output[0]) as handle:
        n = 0
        for path in snakemake.input:
            for line in corpus_lines(read_jsonl(path)):
                handle.write(line + "\n")
                n += 1
    log.info("%d corpus lines", n)
