"""Pseudo-answers for the hard questions from the ensemble of the first t experts, and the
ensemble's own accuracy on test and val (under the same mixture), with the option it chose on each
evaluated item (``choices``: the supervisor its students' agreement is measured against).

When expert t has no vote (its round was rejected or stopped), the ensemble of t experts is that
of t − 1 (:func:`ensemw2s.boosting.adds_no_vote`): where the rule gives the T − 1 job's files
(``previous_labels``, ``previous_metrics``, ``previous_choices``), its labels, accuracies and choices are read back instead of
decoded again, before torch and the model code are imported."""

import shutil

from snakemake.iocontainers import Snakemake

from ensemw2s import boosting
from ensemw2s.files import atomic_path, read_json, read_jsonl, write_json, write_jsonl
from ensemw2s.runtime import job, job_settings

snakemake: Snakemake = globals()["snakemake"]  # set by the preamble of Snakemake's script: directive

p = job_settings(snakemake)
inp = snakemake.input
with job(snakemake.log[0], snakemake.threads) as log:
    rounds = [read_json(path) for path in inp.stats]
    # the boosted ensemble votes with its rounds' alphas; a plain ensemble (ensemw2s.baselines) uniformly
    alphas = boosting.expert_alphas(rounds, p.expert_weights)
    weights_by_round = boosting.vote_weights(alphas)
    if boosting.adds_no_vote(alphas) and "previous_labels" in inp.keys():
        from ensemw2s import splits

        # what is reused must be whole: the T - 1 job's files against this job's own split parts
        hard = read_jsonl(inp.hard)
        rows = read_jsonl(inp.previous_labels)
        splits.in_record_order([r["id"] for r in rows], rows, hard, what=f"{inp.previous_labels} (pseudo-answers of {inp.hard})")
        splits.check_choices_file(inp.previous_choices, splits.read_parts(inp, read_jsonl))
        previous = read_json(inp.previous_metrics)
        expected_run = {**dict(snakemake.wildcards.items()), "t": str(len(rounds) - 1)}
        if previous.get("run") != expected_run:
            raise ValueError(f"{inp.previous_metrics}: run {previous.get('run')}, expected {expected_run}")
        reused = {k: v for k, v in previous.items() if k != "run"}
        voting_weights = [w for w in weights_by_round if w > 0]  # as decoding reports them
        summary = {**reused, "ensemble_weights": voting_weights, "same_ensemble_as_t": reused.get("same_ensemble_as_t", len(rounds) - 1)}
        evaluation, experts_voting = {}, len(voting_weights)
        with atomic_path(snakemake.output.choices) as tmp:
            shutil.copyfile(inp.previous_choices, tmp)
        log.info("T=%d: expert %d has no vote, so this is the T=%d ensemble: its labels are reused", len(rounds), len(rounds), len(rounds) - 1)
    else:
        from ensemw2s import ensemble, generation, models, splits

        # Only experts with a vote are loaded: rejected and stopped rounds weigh nothing.
        voting = [(path, w) for path, w in zip(inp.experts, weights_by_round, strict=True) if w > 0]
        tokenizer = models.load_tokenizer(voting[0][0])
        experts = [models.load_for_inference(path, p.mixed_precision) for path, _ in voting]
        weights = [w for _, w in voting]
        decode = generation.DecodeSettings(
            max_new_tokens=p.max_new_tokens,
            combine=p.combine,
            do_sample=p.decode == "sample",
            temperature=p.temperature,
            seed=p.seed,
            choice_nll=p.choice_nll,
            choice_mapping=p.choice_mapping,
            choice_eos=p.choice_eos,
        )
        rows, summary = generation.pseudo_answers(
            experts, weights, tokenizer, hard=read_jsonl(inp.hard), decode=decode, max_length=p.max_length, batch_size=p.eval_batch_size
        )
        scoring = generation.EvalSettings(p.max_length, p.eval_batch_size, p.choice_eos, p.eos_unit)
        mixture = ensemble.mixture_logprobs(experts, weights, p.combine)
        parts = splits.read_parts(inp, read_jsonl)
        evaluation, chosen = generation.score_parts(mixture, tokenizer, parts, scoring=scoring)
        with atomic_path(snakemake.output.choices) as tmp:
            generation.choices_frame(parts, chosen).to_csv(tmp, index=False)
        experts_voting = len(experts)
    write_jsonl(snakemake.output.labels, rows)
    summary.update(alphas=alphas, rounds=len(rounds), experts_voting=experts_voting, stopped_at=rounds[-1].get("stopped_at"))
    write_json(snakemake.output.metrics, {"run": dict(snakemake.wildcards.items()), **summary, **evaluation})
    log.info("T=%d: %s", len(rounds), {k: v for k, v in summary.items() if not isinstance(v, dict | list)})
