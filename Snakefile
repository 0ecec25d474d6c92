# EnsemW2S: weak-to-strong generalization with AdaBoost-style ensembles of small LLMs.
#   snakemake -c2                              embedded default (tiny models, shipped data)
#   snakemake --configfile config/paper.yaml   the paper's grid (Hugging Face hub models)
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/config_check.smk"


validate(config, "config/schema.yaml")  # sets the schema's defaults


include: "rules/common.smk"
include: "rules/classification_common.smk"
include: "rules/generation_common.smk"
include: "rules/baselines_common.smk"
include: "rules/prefetch.smk"
include: "rules/data.smk"
include: "rules/models.smk"
include: "rules/difficulty.smk"
include: "rules/splits.smk"
include: "rules/classification.smk"
include: "rules/generation.smk"
include: "rules/students.smk"
include: "rules/ablations.smk"
include: "rules/baselines.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        all_targets(),
