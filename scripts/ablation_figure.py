"""Appendix G.2's figures from their tables: Figure 10 (combination), 11-12 (window L), weighting."""

import pandas as pd
from snakemake.iocontainers import Snakemake

from ensemw2s import plots
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
CURVE_MEASURES = {"ensemble_token_error": "weak ensemble: test token error", "ensemble_option": "weak ensemble: test option accuracy"}
WEIGHTING_NAMES = {"token-L1": "token", "sample-any": "sample (error: any token wrong)", "sample-mean": "sample (error: share wrong)"}
with job(snakemake.log[0]):
    table = pd.read_csv(snakemake.input[0])
    key = "combine" if p.kind == "combine" else "variant"
    table = table.sort_values(key, key=lambda column: column.map({v: i for i, v in enumerate(p.order)}), kind="stable")
    if p.kind == "combine":
        table["group"] = table["weak"] + "→" + table["strong"] + "\nT=" + table["t"].astype(str)
        table["panel"] = table["split"]
        measures = {"ensemble_option": "weak ensemble: test option accuracy", "transfer_option": "student: test option accuracy"}
        plots.variant_bars(table, snakemake.output[0], hue="combine", x="group", panel="panel", measures=measures, title=p.title)
    else:
        hue = "L" if p.kind == "window" else "weighting"
        table[hue] = table["variant"].str.removeprefix("token-L") if p.kind == "window" else table["variant"].map(WEIGHTING_NAMES)
        table["panel"] = table["dataset"] + " / " + table["split"] + (" / " + table["weak"] if p.kind == "weighting" else "")
        plots.variant_curves(table, snakemake.output[0], hue=hue, panel="panel", measures=CURVE_MEASURES, title=p.title)
