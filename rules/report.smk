# Tables and figures: cheap, local, never retrain anything.  First the claims table: the paper's
# claims (resources/paper/claims.csv), one row each, judged against every dataset's tidy metrics.  Each figure (PNG shown, PDF) and
# each table (HTML shown, CSV; its .md / .tex siblings hold the same numbers) is marked for `snakemake --report`: category = the
# track, subcategory = the dataset, labels = the paper artifact (report_labels; report/*.rst are the captions, report/workflow.rst
# the front page).


localrules:
    claims_table,
    difficulty_histogram,


rule claims_table:
    """The paper's claims, one row each: the paper's value, the reproduced one, the judging rule,
    a verdict (tiny models: claims about the paper's not comparable; the method's direction also
    judged on the sandbox) and the artifact that shows the numbers (ensemw2s.claims_table); and
    claims_units.csv, the headline quantities unit by unit: each claim's value per dataset, split,
    pair, round and seed, with the accuracies it is computed from."""
    input:
        claims="resources/paper/claims.csv",
        metrics=claims_metrics(),
        intervals=[f"results/metrics/{dataset}/{split}.intervals.csv" for dataset in ID_OOD_DATASETS for split in SPLIT_KINDS],
    output:
        table=report(
            CLAIMS_TABLE[0],
            caption="../report/claims.rst",
            category=REPORT_CATEGORIES["claims"],
            subcategory=ALL_DATASETS_SUBCATEGORY,
            labels=report_labels("CSV", "claims", "the paper's claims, judged"),
        ),
        md=CLAIMS_TABLE[1],
        tex=CLAIMS_TABLE[2],
        html=report(
            CLAIMS_TABLE[3],
            caption="../report/claims.rst",
            category=REPORT_CATEGORIES["claims"],
            subcategory=ALL_DATASETS_SUBCATEGORY,
            labels=report_labels("HTML", "claims", "the paper's claims, judged"),
        ),
        units=report(
            CLAIMS_TABLE[4],
            caption="../report/claims_units.rst",
            category=REPORT_CATEGORIES["claims"],
            subcategory=ALL_DATASETS_SUBCATEGORY,
            labels=report_labels("CSV", "claims (units)", "each claim's values, unit by unit"),
        ),
    log:
        "results/logs/tables/claims.log",
    conda:
        ENV
    params:
        settings=job_settings(
            tracks={dataset: track_of(dataset) for dataset in ID_OOD_DATASETS},
            sandbox=[dataset for dataset in ID_OOD_DATASETS if config["datasets"][dataset]["source"] == "sandbox"],
            paper_models=paper_models(),
            tables=claims_tables()[0],
            rounds_tables=claims_tables()[1],
            caption=(
                f"The paper's claims judged against this run ({len(config['seeds'])} seed(s)): paper value, reproduced value (mean ± SEM over "
                "seeds; where it is one pair's gain or PGR on a main test set, its 95 % paired bootstrap interval over test items), the "
                "judging rule and a verdict; claims about the paper's datasets are not comparable on tiny models, and the method's "
                "direction is also judged on the sandbox."
            ),
        ),
    script:
        "../scripts/claims_table.py"


rule difficulty_histogram:
    input:
        "results/difficulty/{dataset}.csv",
    output:
        *reported_files(
            "figures/{dataset}_difficulty",
            FIGURE_SUFFIXES,
            caption="../report/difficulty_histogram.rst",
            category=report_track,
            subcategory="{dataset}",
            artifact=lambda wc: paper_figure("difficulty histogram", wc.dataset, track_of(wc.dataset)),
            shows="difficulty ratings",
            dataset="{dataset}",
        ),
    log:
        "results/logs/figures/{dataset}_difficulty.log",
    conda:
        ENV
    params:
        settings=job_settings(
            bins=config["difficulty"]["histogram_bins"],
            rater=rater,
        ),
    script:
        "../scripts/plot_difficulty.py"


# Both tracks: the tidy metrics of a (dataset, split), one row per (seed, weak, strong, t), joined
# by run key (ensemw2s.report.tidy_rows), and the PGR figure (Figure 2 for SciQ, 4 for QuaRTz, 15
# for ARC) drawn from them by the same report module.
localrules:
    metrics,
    gain_intervals,
    pgr_figure,


rule metrics:
    input:
        unpack(run_results),
    output:
        "results/metrics/{dataset}/{split}.csv",
    log:
        "results/logs/metrics/{dataset}/{split}.log",
    wildcard_constraints:
        dataset=alternatives(CLS.datasets + GEN.datasets),
    conda:
        ENV
    params:
        settings=job_settings(
            track=lambda wc: track_of(wc.dataset),
        ),
    script:
        "../scripts/collect_metrics.py"


rule gain_intervals:
    """Each gain the tables report (weak ensemble − single weak, student − baseline student, PGR
    of each) per (pair, T) with its 95 % paired bootstrap interval over test items, combined over
    seeds (ensemw2s.gains, ensemw2s.bootstrap)."""
    input:
        unpack(item_results),
    output:
        "results/metrics/{dataset}/{split}.intervals.csv",
    log:
        "results/logs/metrics/{dataset}/{split}.intervals.log",
    wildcard_constraints:
        dataset=alternatives(CLS.datasets + GEN.datasets),
    conda:
        ENV
    params:
        settings=job_settings(
            track=lambda wc: track_of(wc.dataset),
            bootstrap_resamples=config["eval"]["bootstrap_resamples"],
        ),
    script:
        "../scripts/gain_intervals.py"


rule pgr_figure:
    input:
        random="results/metrics/{dataset}/random.csv",
        easyhard="results/metrics/{dataset}/easyhard.csv",
    output:
        *reported_files(
            "figures/{dataset}_pgr",
            FIGURE_SUFFIXES,
            caption="../report/pgr_figure.rst",
            category=report_track,
            subcategory="{dataset}",
            artifact=lambda wc: paper_figure("PGR figure", wc.dataset, track_of(wc.dataset)),
            shows="transfer and PGR",
            dataset="{dataset}",
        ),
    log:
        "results/logs/figures/{dataset}_pgr.log",
    wildcard_constraints:
        dataset=alternatives(CLS.datasets + GEN.datasets),
    conda:
        ENV
    params:
        settings=job_settings(
            track=lambda wc: track_of(wc.dataset),
            models=lambda wc: TRACKS[track_of(wc.dataset)].models,
            measure=lambda wc: GENERATION["figure_measure"] if track_of(wc.dataset) == "generation" else "acc",
            round=lambda wc: config[track_of(wc.dataset)]["figure_round"],
        ),
    script:
        "../scripts/pgr_figure.py"


# Classification track: Tables 1 (SciQ, random split) and 2 (easy-hard); the same per other
# classification dataset (CLS_TABLES in rules/classification_common.smk).
localrules:
    classification_table,


rule classification_table:
    input:
        metrics=lambda wc: "results/metrics/{}/{}.csv".format(*CLS_TABLES[wc.table][:2]),
        intervals=lambda wc: "results/metrics/{}/{}.intervals.csv".format(*CLS_TABLES[wc.table][:2]),
    output:
        **{
            kind: reported_files(
                f"results/tables/{{table}}{tail}",
                TABLE_SUFFIXES,
                caption=f"../report/classification_table{tail}.rst",
                category=REPORT_CATEGORIES["classification"],
                subcategory=classification_table_dataset,
                artifact=lambda wc: table_artifact(CLS_TABLES[wc.table][2], f"Table {1 + SPLIT_KINDS.index(CLS_TABLES[wc.table][1])}"),
                shows=shows,
                dataset=classification_table_dataset,
                split=lambda wc: CLS_TABLES[wc.table][1],
            )
            for kind, tail, shows in (("pairs", "", "weak-to-strong per pair"), ("rounds", "_rounds", "weak-to-strong per pair, round by round"))
        },
    log:
        "results/logs/tables/{table}.log",
    wildcard_constraints:
        table=alternatives(CLS_TABLES),
    conda:
        ENV
    params:
        settings=job_settings(
            models=CLS.models,
            caption=lambda wc: (
                f"{CLS_TABLES[wc.table][2]}: weak-to-strong generalization on {CLS_TABLES[wc.table][0]} ({CLS_TABLES[wc.table][1]} split) "
                f"with AdaBoost ensembles of weak classifiers; test accuracy, "
                + (f"mean ± SEM over {len(config['seeds'])} seeds" if len(config["seeds"]) > 1 else "one seed (no SEM)")
                + f". weak (T=t): the weak model alone (T=1) and the t-round ensemble's {CLASSIFICATION['combine']} vote, whose labels the "
                "students learn; α_t = ½ln((1−ε_t)/ε_t) and Err_t, the weighted training error, per round; w2s ensemble: the student of the "
                "best round T ≥ 2 on test (the paper's choice; the final and validation-selected rounds and the other vote are in the CSV). "
                "Each gain with its 95 % paired bootstrap interval over test items, combined over seeds."
            ),
        ),
    script:
        "../scripts/classification_table.py"


# ------------------------------------------------------------------------------ generation track
localrules:
    generation_bars,
    weak_ensemble_gain,
    easy_vs_hard,


for _dataset in GEN.datasets:
    _tables = generation_tables(_dataset)

    rule:
        """Tables 3/4/5 (QuaRTz) or 6/7/8 (ARC), or a non-paper dataset's three tables: random and
        easy-hard split (mean ± SEM over seeds), and one run's improvement of the ensemble over the baseline."""
        name:
            f"generation_tables_{_dataset}"
        input:
            random=f"results/metrics/{_dataset}/random.csv",
            easyhard=f"results/metrics/{_dataset}/easyhard.csv",
            random_intervals=f"results/metrics/{_dataset}/random.intervals.csv",
            easyhard_intervals=f"results/metrics/{_dataset}/easyhard.intervals.csv",
        output:
            **{
                kind: reported_files(  # option accuracy shown; the other measures' files beside it
                    stem,
                    [".csv", *GEN_MEASURE_FILES],
                    caption=f"../report/generation_table_{kind}.rst",
                    category=REPORT_CATEGORIES["generation"],
                    subcategory=_dataset,
                    artifact=table_artifact(title, generation_tables("quartz")[kind][1]),
                    shows="one run: ensemble vs baseline" if kind == "one_run" else "weak-to-strong per pair",
                    dataset=_dataset,
                    split="" if kind == "one_run" else kind,
                )
                for kind, (stem, title) in _tables.items()
            },
        log:
            f"results/logs/tables/{_dataset}.log",
        localrule: True
        conda:
            ENV
        params:
            settings=job_settings(
                dataset=_dataset,
                titles=[title for _, title in _tables.values()],
                report_seed=config["seeds"][0],
            ),
        script:
            "../scripts/generation_tables.py"


rule generation_bars:
    """Paper Figs 13/14 (QuaRTz), 16/17 (ARC): one run's weak, w2s baseline, w2s ensemble, oracle."""
    input:
        "results/metrics/{dataset}/{split}.csv",
    output:
        *reported_files(
            "figures/{dataset}_{split}_bars",
            FIGURE_SUFFIXES,
            caption="../report/generation_bars.rst",
            category=REPORT_CATEGORIES["generation"],
            subcategory="{dataset}",
            artifact=lambda wc: paper_figure("bars", wc.dataset, "generation", wc.split),
            shows="weak, baseline, ensemble, oracle",
            dataset="{dataset}",
            split="{split}",
        ),
    log:
        "results/logs/figures/{dataset}_{split}_bars.log",
    wildcard_constraints:
        dataset=alternatives(GEN.datasets),
    conda:
        ENV
    params:
        settings=job_settings(
            report_seed=config["seeds"][0],
        ),
    script:
        "../scripts/generation_bars.py"


rule weak_ensemble_gain:
    """Paper Fig 3: test token error of the single weak model vs the combined T-round ensemble."""
    input:
        expand("results/metrics/{dataset}/{split}.csv", dataset=GEN.datasets, split=SPLIT_KINDS),
    output:
        *reported_files(
            "figures/weak_ensemble_gain",
            FIGURE_SUFFIXES,
            caption="../report/weak_ensemble_gain.rst",
            category=REPORT_CATEGORIES["generation"],
            subcategory=ALL_DATASETS_SUBCATEGORY,
            artifact="Figure 3",
            shows="single weak model vs weak ensemble",
            dataset="all",
        ),
    log:
        "results/logs/figures/weak_ensemble_gain.log",
    conda:
        ENV
    params:
        settings=job_settings(
            # the panels' order; each file's rows say which (dataset, split) they are
            datasets=GEN.datasets,
            splits=SPLIT_KINDS,
        ),
    script:
        "../scripts/weak_ensemble_gain.py"


rule easy_vs_hard:
    """The paper's Figure-5 table: each model trained on easy vs hard data, evaluated on hard."""
    input:
        unpack(easy_vs_hard_inputs),
    output:
        *reported_files(  # option accuracy shown; the other measures' files beside it
            "results/tables/easy_vs_hard",
            [".csv", *GEN_MEASURE_FILES],
            caption="../report/easy_vs_hard.rst",
            category=REPORT_CATEGORIES["generation"],
            subcategory=ALL_DATASETS_SUBCATEGORY,
            artifact="Figure 5",
            shows="trained on easy vs hard, tested on hard",
            dataset="all",
        ),
    log:
        "results/logs/tables/easy_vs_hard.log",
    conda:
        ENV
    script:
        "../scripts/easy_vs_hard.py"


# ------------------------------------------------- ID vs OOD (the published version, both tracks)
localrules:
    id_ood_table,
    id_ood_figure,


rule id_ood_table:
    """Expert and student gains in-distribution (random test; easy_test of the easy-hard variant
    ID_SPLIT) and out of it by difficulty (easy-hard hard test), every dataset of both tracks."""
    input:
        unpack(id_ood_inputs),
    output:
        *reported_files(
            "results/tables/id_ood",
            TABLE_SUFFIXES,
            caption="../report/id_ood.rst",
            category=REPORT_CATEGORIES["both tracks"],
            subcategory=ALL_DATASETS_SUBCATEGORY,
            artifact="ID vs OOD",
            shows="expert and student gains (table)",
            dataset="all",
        ),
        seeds="results/metrics/id_ood_seeds.csv",
    log:
        "results/logs/tables/id_ood.log",
    conda:
        ENV
    params:
        settings=job_settings(
            datasets=ID_OOD_DATASETS,
            tracks=[track_of(dataset) for dataset in ID_OOD_DATASETS],
            generation_round=GENERATION.get("figure_round", "best"),
            classification_round=CLASSIFICATION["figure_round"],
            caption=(
                f"In- vs out-of-distribution (published version): each model on the weak models' own distribution (ID: the random split's "
                f"test; where datasets.<name>.n_easy_test > 0, easy_test: easy items held out of weak training in the easy-hard variant "
                f"{ID_SPLIT}, whose weak, boosting and student runs are the ID / OOD evaluation's own) and on the hard test (OOD by difficulty); "
                f"option accuracy and token error (generation: gains are error reductions) or accuracy (classification); expert gain = weak "
                f"ensemble − single weak, student gain = ensemble- − baseline-supervised student, at each pair's round T chosen on the student "
                f"of that part (test) or of validation (val); "
                f"mean ± SEM over {len(config['seeds'])} seed(s)."
            ),
        ),
    script:
        "../scripts/id_ood_table.py"


rule id_ood_figure:
    """Small multiples: one panel per track and gain, ID vs OOD side by side per pair (seeds: the
    per-seed rows of the ID / OOD table, aggregated by the figure)."""
    input:
        "results/metrics/id_ood_seeds.csv",
    output:
        *reported_files(
            "figures/id_ood",
            FIGURE_SUFFIXES,
            caption="../report/id_ood.rst",
            category=REPORT_CATEGORIES["both tracks"],
            subcategory=ALL_DATASETS_SUBCATEGORY,
            artifact="ID vs OOD",
            shows="expert and student gains (figure)",
            dataset="all",
        ),
    log:
        "results/logs/figures/id_ood.log",
    conda:
        ENV
    params:
        settings=job_settings(
            title="Expert and student gains in and out of distribution (ID: the weak models' own distribution; OOD: harder questions)",
            figure_rounds={"generation": GENERATION.get("figure_round", "best"), "classification": CLASSIFICATION["figure_round"]},
        ),
    script:
        "../scripts/id_ood_figure.py"
