"""Pool the label-free text of every dataset (questions, backgrounds, all choices; never which
choice is gold), and the sandbox's worked examples (solved comparisons in another wording, never a
task question), for training the BPE tokenizer and pretraining tiny models."""

from snakemake.iocontainers import Snakemake

from ensemw2s.data import corpus_lines
from ensemw2s.files import atomic_open, read_jsonl
from ensemw2s.runtime import job

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

with job(snakemake.log[0]) as log:
    with atomic_open(snakemake.output[0]) as handle:
        n = 0
        for path in snakemake.input.records:
            for line in corpus_lines(read_jsonl(path)):
                handle.write(line + "\n")
                n += 1
        worked = 0
        for path in snakemake.input.worked:
            with open(path, encoding="utf-8") as examples:
                for line in examples:
                    handle.write(line)
                    worked += 1
    log.info("%d corpus lines of dataset text, %d worked examples", n, worked)
