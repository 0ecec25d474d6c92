# Appendix G.2's ablations of the generation track, on the track's own experts and students:
#   Figure 10      experts combined by probabilities or by logits, in pseudo-labels and evaluation;
#   Figures 11-12  token-level boosting with an error window of L tokens;
#   (text only)    one weight per example instead of one per token.
# Each varies one thing by a wildcard ({combine}, {variant}), so every variant lives in one DAG
# beside the main run, and the main run's own variant is read from the main results, never redone.


use rule token_boosting_round as ablation_boosting_round with:
    input:
        easy=split_part("weak_train"),
        model=lambda wc: model_inputs(wc.weak),
        previous=lambda wc: [f"{variant_round_dir(wc, wc.variant, int(wc.t) - 1)}/stats.json"] if int(wc.t) > 1 else [],
    output:
        model=directory(f"{ABLATION_ROUND_DIR}/model"),
        stats=f"{ABLATION_ROUND_DIR}/stats.json",
    log:
        "results/logs/ablations/boosting/{dataset}/{split}/seed{seed}/{weak}/{variant}/round{t}.log",
    wildcard_constraints:
        dataset=alternatives(ABLATION_DATASETS),
        weak=alternatives(GEN.weak),
        variant=alternatives(ABLATION_VARIANTS),
        t=r"\d+",
    params:
        settings=rules.token_boosting_round.params.settings.updated(
            unit=lambda wc: variant_unit(wc.variant),
            window=lambda wc: variant_window(wc.variant),
            sample_error=lambda wc: variant_sample_error(wc.variant),
            checkpoint_dir=lambda wc: checkpoint_dir(variant_round_dir(wc, wc.variant, wc.t)),
        ),


rule ensemble_curve:
    """The weak ensemble of the first t rounds of one boosting variant, t = 1..T, on test and val."""
    input:
        stats=lambda wc: variant_rounds(wc, "stats.json"),
        experts=lambda wc: variant_rounds(wc, "model"),
        test=split_part("test"),
        val=split_part("val"),
    output:
        "results/ablations/curves/{dataset}/{split}/seed{seed}/{weak}/{variant}.json",
    log:
        "results/logs/ablations/curves/{dataset}/{split}/seed{seed}/{weak}/{variant}.log",
    wildcard_constraints:
        dataset=alternatives(ABLATION_DATASETS),
        weak=alternatives(GEN.weak),
        variant=alternatives(list(dict.fromkeys(WINDOW_VARIANTS + WEIGHTING_VARIANTS))),
    conda:
        ENV
    threads: 1
    resources:
        **model_resources(weak_model),
    params:
        settings=job_settings(
            combine=GENERATION.get("combine"),
            choice_eos=config["eval"]["choice_eos"],
            eos_unit=GENERATION.get("eos_unit"),
            max_length=config["training"]["max_length"],
            eval_batch_size=config["training"]["eval_batch_size"],
            mixed_precision=config["training"]["mixed_precision"],
        ),
    script:
        "../scripts/ensemble_curve.py"


use rule ensemble_pseudo_answers as ablation_combine_labels with:
    output:
        labels="results/ablations/combine/labels/{dataset}/{split}/seed{seed}/{weak}/{combine}/T{t}.jsonl",
        metrics="results/ablations/combine/labels/{dataset}/{split}/seed{seed}/{weak}/{combine}/T{t}.metrics.json",
        choices="results/ablations/combine/labels/{dataset}/{split}/seed{seed}/{weak}/{combine}/T{t}.choices.csv",
    log:
        "results/logs/ablations/combine/labels/{dataset}/{split}/seed{seed}/{weak}/{combine}/T{t}.log",
    wildcard_constraints:
        dataset=alternatives(ABLATION_DATASETS),
        weak=alternatives(GEN.weak),
        combine=alternatives(OTHER_COMBINES),
        t=r"\d+",
    params:
        settings=rules.ensemble_pseudo_answers.params.settings.updated(
            combine=lambda wc: wc.combine,
        ),


use rule generation_student as ablation_combine_student with:
    input:
        unpack(ood_parts),
        **student_inputs(combine_labels, combine_choices),
    output:
        metrics="results/ablations/combine/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/{combine}/T{t}/metrics.json",
        choices="results/ablations/combine/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/{combine}/T{t}/choices.csv",
    log:
        "results/logs/ablations/combine/students/{dataset}/{split}/seed{seed}/{weak}_to_{strong}/{combine}/T{t}.log",
    wildcard_constraints:
        dataset=alternatives(ABLATION_DATASETS),
        weak=alternatives(GEN.weak),
        strong=alternatives(GEN.strong),
        combine=alternatives(OTHER_COMBINES),
        t=r"\d+",
    params:
        settings=rules.generation_student.params.settings.updated(
            checkpoint_dir=lambda wc: f"{CHECKPOINT_ROOT}/ablations/combine/students/{wc.dataset}/{wc.split}/seed{wc.seed}/{wc.weak}_to_{wc.strong}/{wc.combine}/T{wc.t}",
        ),


# ------------------------------------------------------------------ tables and figures (local)
localrules:
    ablation_combine_table,
    ablation_curve_table,
    ablation_figure,


rule ablation_combine_table:
    """Figure 10's numbers: weak-ensemble and student test accuracy per pair, split, T and combination."""
    input:
        unpack(combine_results),
    output:
        *reported_files(
            "results/tables/ablation_combine_{dataset}",
            TABLE_SUFFIXES,
            caption="../report/ablation_combine.rst",
            category=REPORT_CATEGORIES["generation"],
            subcategory="ablations",
            artifact="Figure 10",
            shows=f"{ABLATION_SHOWS['combine']} (table)",
            dataset="{dataset}",
        ),
    log:
        "results/logs/tables/ablation_combine_{dataset}.log",
    wildcard_constraints:
        dataset=alternatives(ABLATION_DATASETS),
    conda:
        ENV
    params:
        settings=job_settings(
            combines=ABLATIONS["combine"],
            main_combine=GENERATION.get("combine"),
            caption=lambda wc: f"Appendix G.2, Figure 10 on {wc.dataset}: experts combined by probabilities (Eq. 1) or by logits; test accuracy, mean ± SEM over {len(config['seeds'])} seed(s).",
        ),
    script:
        "../scripts/ablation_combine_table.py"


rule ablation_curve_table:
    """Figures 11-12 (one weak model, every window L) and the token- vs sample-level weighting (one
    dataset, both variants): the weak ensemble's test accuracy and token error per round."""
    input:
        lambda wc: (
            curve_files(ABLATION_DATASETS, [wc.name], WINDOW_VARIANTS)
            if wc.kind == "window"
            else curve_files([wc.name], GEN.weak, WEIGHTING_VARIANTS)
        ),
    output:
        *reported_files(
            "results/tables/ablation_{kind}_{name}",
            TABLE_SUFFIXES,
            caption="../report/ablation_curves.rst",
            category=REPORT_CATEGORIES["generation"],
            subcategory="ablations",
            artifact=lambda wc: ABLATION_ARTIFACTS[wc.kind],
            shows=lambda wc: ablation_shows(wc, "table"),
            dataset=ablation_dataset,
        ),
    log:
        "results/logs/tables/ablation_{kind}_{name}.log",
    wildcard_constraints:
        kind="window|weighting",
        name=alternatives(list(dict.fromkeys(WINDOW_MODELS + ABLATION_DATASETS))),
    conda:
        ENV
    params:
        settings=job_settings(
            caption=lambda wc: (
                f"Appendix G.2, Figures 11-12: token-level boosting of {wc.name} with an error window of L tokens"
                if wc.kind == "window"
                else f"Appendix G.2 on {wc.name}: token- vs sample-level weighting"
            )
            + f"; the weak ensemble of the first t rounds on test, mean ± SEM over {len(config['seeds'])} seed(s).",
        ),
    script:
        "../scripts/ablation_curve_table.py"


rule ablation_figure:
    input:
        "results/tables/ablation_{kind}_{name}.csv",
    output:
        *reported_files(
            "figures/ablation_{kind}_{name}",
            FIGURE_SUFFIXES,
            caption="../report/ablation_figure.rst",
            category=REPORT_CATEGORIES["generation"],
            subcategory="ablations",
            artifact=lambda wc: ABLATION_ARTIFACTS[wc.kind],
            shows=lambda wc: ablation_shows(wc, "figure"),
            dataset=ablation_dataset,
        ),
    log:
        "results/logs/figures/ablation_{kind}_{name}.log",
    wildcard_constraints:
        kind="combine|window|weighting",
        name=alternatives(list(dict.fromkeys(WINDOW_MODELS + ABLATION_DATASETS))),
    conda:
        ENV
    params:
        settings=job_settings(
            kind=lambda wc: wc.kind,
            order=lambda wc: {"combine": ABLATIONS["combine"], "window": WINDOW_VARIANTS, "weighting": WEIGHTING_VARIANTS}[wc.kind],
            title=lambda wc: {
                "combine": f"{wc.name}: probability vs logit combination (Appendix G.2, Fig. 10)",
                "window": f"{wc.name}: error window L of token-level boosting (Appendix G.2, Figs. 11-12)",
                "weighting": f"{wc.name}: token- vs sample-level weighting (Appendix G.2)",
            }[wc.kind],
        ),
    script:
        "../scripts/ablation_figure.py"
