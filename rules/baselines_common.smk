# Config look-ups and input functions of the plain-ensemble baselines (rules/baselines.smk), both
# tracks.  Beside EnsemW2S-AdaBoost (the main run, method "boosting"), on the ablations' datasets of
# either track and their splits: bagging and seeds ensembles of T experts voting uniformly, and one
# weak model trained T x its epochs (ensemw2s.baselines).  Expert 1 of each, and so T = 1, is the
# main run's round-1 expert.
BASELINES = list(ABLATIONS["baselines"])
BASELINE_DATASETS = {name: [d for d in ABLATIONS["datasets"] if d in track.datasets] if BASELINES else [] for name, track in TRACKS.items()}
BASELINE_TABLE_DATASETS = [d for datasets in BASELINE_DATASETS.values() for d in datasets]
BASELINE_EXPERT_DIR = "results/baselines/experts/{dataset}/{split}/seed{seed}/{weak}/{kind}/expert{t}"


def baseline_constraints(track_name):
    track = TRACKS[track_name]
    return dict(
        dataset=alternatives(BASELINE_DATASETS[track_name]),
        split=alternatives(ABLATIONS["splits"]),
        weak=alternatives(track.weak),
        strong=alternatives(track.strong),
        kind=alternatives(BASELINES),
        t=r"[2-9]|[1-9]\d+",  # T = 1 is the main run's
    )


BASELINE_CONSTRAINTS = {name: baseline_constraints(name) for name in TRACKS}


def baseline_expert_dir(wc, kind, t):
    """Expert ``t`` of baseline ``kind`` (compute: the model trained t x its epochs)."""
    if int(t) == 1:
        return round_dir(wc, 1)
    return BASELINE_EXPERT_DIR.format(dataset=wc.dataset, split=wc.split, seed=wc.seed, weak=wc.weak, kind=kind, t=t)


def baseline_experts(what):
    """``what`` (model, predictions.csv or stats.json) of the experts of baseline ``wc.kind`` at T = ``wc.t``."""

    def experts(wc):
        rounds = [int(wc.t)] if wc.kind == "compute" else range(1, int(wc.t) + 1)
        return [f"{baseline_expert_dir(wc, wc.kind, t)}/{what}" for t in rounds]

    return experts


def baseline_label_file(run, method, t, ext):
    """The labels (``ext`` jsonl), metrics.json or per-item file of ``method`` at T = ``t`` for ``run``
    (dataset/split/seed{s}/weak): the main run's for boosting and for T = 1."""
    if method == "boosting" or int(t) == 1:
        return f"results/labels/{run}/T{t}.{ext}"
    return f"results/baselines/labels/{run}/{method}/T{t}.{ext}"


def baseline_student_file(run, method, t, name):
    """A student's metrics.json or per-item file (``name``) for ``run`` (dataset/split/seed{s}/weak_to_strong)."""
    if method == "boosting" or int(t) == 1:
        return f"results/students/{run}/T{t}/{name}"
    return f"results/baselines/students/{run}/{method}/T{t}/{name}"


def baseline_labels(ext):
    return lambda wc: baseline_label_file(f"{wc.dataset}/{wc.split}/seed{wc.seed}/{wc.weak}", wc.kind, wc.t, ext)


def baseline_results(wc):
    """Everything the baselines table of ``wc.dataset`` reads, for every (split, seed, pair, method,
    T): each job's metrics and the per-item results beside them (``*_items``)."""
    track = TRACKS[track_of(wc.dataset)]
    items = ITEM_FILES[track.name]
    files = {"labels": [], "label_items": [], "students": [], "student_items": [], "oracles": []}
    for split in ABLATIONS["splits"]:
        for seed in config["seeds"]:
            run = f"{wc.dataset}/{split}/seed{seed}"
            for t in range(1, track.rounds + 1):
                for method in ["boosting", *BASELINES]:
                    for weak in track.weak:
                        files["labels"].append(baseline_label_file(f"{run}/{weak}", method, t, "metrics.json"))
                        files["label_items"].append(baseline_label_file(f"{run}/{weak}", method, t, items))
                    for weak, strong in track.pairs:
                        files["students"].append(baseline_student_file(f"{run}/{weak}_to_{strong}", method, t, "metrics.json"))
                        files["student_items"].append(baseline_student_file(f"{run}/{weak}_to_{strong}", method, t, items))
            files["oracles"].extend(f"results/oracle/{run}/{strong}/metrics.json" for strong in track.strong)
    return {key: list(dict.fromkeys(paths)) for key, paths in files.items()}


def baseline_targets():
    targets = []
    for dataset in BASELINE_TABLE_DATASETS:
        targets.extend(f"results/tables/baselines_{dataset}.{ext}" for ext in TABLE_FILES)
        targets.extend(f"figures/baselines_{dataset}.{ext}" for ext in FIGURE_FILES)
    return targets
