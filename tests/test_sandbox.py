"""The sandbox generator (no training): seeded, well-formed, graded, balanced; its config and tokenizer."""

from collections import Counter

import pytest
import yaml

from ensemw2s import data, sandbox
from ensemw2s.text import classification_text


@pytest.fixture(scope="module")
def mc():
    return data.load_sandbox("sandbox_mc", "generation", seed=0, n_items=2000)


@pytest.fixture(scope="module")
def binary():
    return data.load_sandbox("sandbox_binary", "classification", seed=0, n_items=2000, n_choices=4)


def test_same_seed_same_records_other_seed_other_records(mc):
    assert data.load_sandbox("sandbox_mc", "generation", seed=0, n_items=2000) == mc
    assert data.load_sandbox("sandbox_mc", "generation", seed=1, n_items=2000) != mc


def test_records_are_well_formed(mc, binary):
    for records in (mc, binary):
        assert len({r["id"] for r in records}) == len(records)
        assert len({r["question"] for r in records}) == len(records)  # no question twice
        for r in records:
            assert set(r) >= {"id", "question", "context", "choices", "gold", "constructed_difficulty"}
            a, b = map(int, r["question"].removesuffix("=?").split("+"))
            assert len(set(r["choices"])) == len(r["choices"])
            assert [c == str(a + b) for c in r["choices"]].count(True) == 1
            assert r["choices"][r["gold"]] == str(a + b)
            wrong = [c for c in r["choices"] if c != str(a + b)]
            assert all(len(c) == len(str(a + b)) for c in wrong)  # no distractor betrayed by its length
            assert r["constructed_difficulty"] == sandbox.constructed_difficulty(str(a + b), wrong)
    assert {len(r["choices"]) for r in mc} == {2} and {len(r["choices"]) for r in binary} == {4}
    assert "binary_label" not in mc[0]
    # the gold position is not a shortcut
    assert 0.45 < sum(r["gold"] for r in mc) / len(mc) < 0.55


def test_difficulty_spans_levels(mc):
    levels = Counter(r["constructed_difficulty"] for r in mc)
    assert set(levels) == {0, 1, 2}  # 1-2 digit operands: sums of up to 3 digits
    assert min(levels.values()) > 100
    deeper = sandbox.generate("sandbox_mc", 2000, max_digits=3)
    assert {r["constructed_difficulty"] for r in deeper} == {0, 1, 2, 3}
    assert sandbox.constructed_difficulty("125", ["225"]) == 0
    assert sandbox.constructed_difficulty("125", ["124", "225"]) == 2


def test_binary_view_as_sciq(binary):
    share = sum(r["binary_label"] for r in binary) / len(binary)
    assert 0.46 < share < 0.54
    for r in binary:
        gold = r["choices"][r["gold"]]
        assert (r["binary_answer"] == gold) == bool(r["binary_label"])
        assert r["binary_answer"] in r["choices"]


def test_carry_helpers():
    assert sandbox.carries(57, 68) == 2 and sandbox.carries(12, 34) == 0 and sandbox.carries(95, 5) == 2
    assert sandbox.no_carry_sum(57, 68) == 15 and sandbox.no_carry_sum(17, 25) == 32


def test_impossible_settings_raise():
    with pytest.raises(data.DataError, match="distinct questions"):
        data.load_sandbox("sandbox_mc", "generation", seed=0, n_items=200, max_digits=1)  # only 100 exist
    with pytest.raises(data.DataError, match="min_digits"):
        data.load_sandbox("sandbox_mc", "generation", seed=0, min_digits=3, max_digits=2)


def test_config_entries_validate_against_schema(repo):
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    config = yaml.safe_load((repo / "config/config.yaml").read_text())
    validate(config, str(repo / "config/schema.yaml"))  # fills defaults
    for name, task in (("sandbox_mc", "generation"), ("sandbox_binary", "classification")):
        entry = config["datasets"][name]
        assert entry["source"] == "sandbox" and entry["task"] == task
        assert entry["difficulty_rater"] in config["models"]
    assert config["tokenizers"]["bpe"]["split_digits"] is True
    # a sandbox entry's own keys are checked (an entry loaded from files without a field mapping
    # is refused at parse time, naming datasets.<name>.fields: tests/test_faults.py)
    bad = yaml.safe_load((repo / "config/config.yaml").read_text())
    bad["datasets"]["sandbox_mc"]["n_choices"] = 1
    with pytest.raises(WorkflowError, match="n_choices"):
        validate(bad, str(repo / "config/schema.yaml"))


def test_split_digits_tokenizer_spells_numbers_digit_by_digit(mc):
    from ensemw2s.models import train_bpe_tokenizer

    corpus = list(data.corpus_lines(mc))
    split = train_bpe_tokenizer(corpus, 400, split_digits=True)
    tokens = split.tokenize("Q: 12+395=?\nA: 407")
    digits = [t.lstrip("Ġ") for t in tokens if any(c.isdigit() for c in t)]
    assert digits == list("12395407")
    assert split.decode(split("12+395=? 407")["input_ids"]) == "12+395=? 407"
    merged = train_bpe_tokenizer(corpus, 400)  # the default merges digits on this corpus
    assert any(sum(c.isdigit() for c in t) > 1 for t in merged.tokenize("Q: 12+395=?\nA: 407"))


def test_max_operation_is_graded_and_leaves_addition_unchanged():
    records = sandbox.generate("sandbox_binary", n_items=600, min_digits=2, max_digits=3, seed=0, binary=True, operation="max")
    levels = Counter()
    for r in records:
        a, b = map(int, r["question"][len("max(") : -len(")=?")].split(","))
        assert a != b and len(str(a)) == len(str(b))
        assert r["choices"][r["gold"]] == str(max(a, b)) and str(min(a, b)) in r["choices"]
        assert r["constructed_difficulty"] == sandbox.shared_prefix(str(a), str(b))
        levels[r["constructed_difficulty"]] += 1
    assert set(levels) == {0, 1, 2}
    assert sandbox.generate("x", n_items=50, seed=0) == sandbox.generate("x", n_items=50, seed=0, operation="add")
    with pytest.raises(sandbox.SandboxError):
        sandbox.generate("x", n_items=5, operation="min")


def test_largest_operation_asks_for_the_largest_against_the_runner_up():
    records = sandbox.generate("sandbox_mc", n_items=900, min_digits=2, max_digits=2, seed=0, operation="largest", min_operands=2, max_operands=4)
    levels = Counter()
    for r in records:
        operands = [int(v) for v in r["question"][len("max(") : -len(")=?")].split(",")]
        assert 2 <= len(operands) <= 4 and len(set(operands)) == len(operands)
        assert all(10 <= v <= 99 for v in operands)
        ranked = sorted(operands)
        assert r["choices"][r["gold"]] == str(ranked[-1]) and r["choices"][1 - r["gold"]] == str(ranked[-2])
        assert r["constructed_difficulty"] == len(operands) - 2
        levels[r["constructed_difficulty"]] += 1
    assert set(levels) == {0, 1, 2} and min(levels.values()) > 250  # operand counts uniform
    assert Counter(r["gold"] for r in records)[0] in range(400, 500)  # the gold position is drawn
    # the other operations' records do not move
    assert sandbox.generate("x", n_items=50, seed=0, operation="max") == sandbox.generate("x", n_items=50, seed=0, operation="max", max_operands=6)
    with pytest.raises(sandbox.SandboxError, match="min_operands"):
        sandbox.generate("x", n_items=5, operation="largest", min_operands=4, max_operands=3)


def test_worked_examples_teach_the_skill_without_the_task_questions():
    records = sandbox.generate("sandbox_mc", n_items=2000, min_digits=2, max_digits=2, seed=0, operation="largest")
    questions = {r["question"] for r in records}
    lines = sandbox.worked_examples(3000, questions, [8, 3, 1], min_operands=2, min_digits=2, max_digits=2, seed=0)
    assert len(lines) == len(set(lines)) == 3000
    counts = Counter()
    for line in lines:
        listed, answer = line[len("the largest of ") : -1].split(" is ")
        operands = [int(v) for v in listed.replace(" and ", ", ").split(", ")]
        assert int(answer) == max(operands)  # solved correctly
        assert sandbox.largest_question(operands) not in questions  # never a task question
        counts[len(operands)] += 1
    assert counts[2] > counts[3] > counts[4] > 0  # the long tail of exposure
    assert abs(counts[2] / 3000 - 8 / 12) < 0.05
    assert sandbox.worked_example([12, 39]) == "the largest of 12 and 39 is 39."
    assert lines == sandbox.worked_examples(3000, questions, [8, 3, 1], min_operands=2, min_digits=2, max_digits=2, seed=0)
    with pytest.raises(sandbox.SandboxError):
        sandbox.worked_examples(10, questions, [0, 0])
    with pytest.raises(sandbox.SandboxError, match="could not draw"):
        sandbox.worked_examples(500, set(), [1], min_operands=2, min_digits=1, max_digits=1)  # only 90 pairs of one digit


def _binary_task():
    """sandbox_binary as the default config builds it: max(a,b) of two-digit operands, binary."""
    return sandbox.generate("sandbox_binary", n_items=3000, min_digits=2, max_digits=2, seed=0, binary=True, operation="max")


def test_judged_comparisons_hold_no_task_pair_in_either_order():
    records = _binary_task()
    task_pairs = {sandbox.operand_set(r["question"]) for r in records}
    lines = sandbox.judged_comparisons(task_pairs, min_digits=2, max_digits=2, seed=0)
    by_pair = {}
    for line in lines:
        question, answer = line.removeprefix("Q: ").split(" A: ")
        shown, verdict = answer.split(" ")
        a, b = sorted(sandbox.operand_set(question))
        assert (verdict == "yes") == (int(shown) == b) and int(shown) in (a, b)  # judged correctly
        by_pair.setdefault(frozenset((a, b)), set()).add((question, shown))
    assert not set(by_pair) & task_pairs  # exclusion by unordered operand set
    assert not {line.split(" A: ")[0].removeprefix("Q: ") for line in lines} & {r["question"] for r in records}
    every_pair = {frozenset((a, b)) for a in range(10, 100) for b in range(10, 100) if a != b}
    assert set(by_pair) == every_pair - task_pairs  # every other two-digit pair ...
    assert all(len(four) == 4 for four in by_pair.values()) and len(lines) == 4 * len(by_pair)  # ... both orders x both verdicts
    assert lines == sandbox.judged_comparisons(task_pairs, min_digits=2, max_digits=2, seed=0)
    assert lines != sandbox.judged_comparisons(task_pairs, min_digits=2, max_digits=2, seed=1)  # shuffled by the seed
    assert lines[:4] != sorted(lines[:4]) or lines[4:8] != sorted(lines[4:8])
    # the task's own layout (ensemw2s.text.classification_text) plus a verdict
    record = next(r for r in records if r["binary_label"] == 1)
    assert sandbox.judged_line(43, 65, 65, True) == "Q: max(43,65)=? A: 65 yes"
    assert classification_text(record) + " yes" == sandbox.judged_line(
        *map(int, record["question"][4:-3].split(",")), int(record["binary_answer"]), True
    )
    with pytest.raises(sandbox.SandboxError):
        sandbox.operand_set("12+39=?")


def test_whole_number_tokenizer_reads_every_two_digit_number_as_one_token():
    """tokenizers.<name>.split_digits: false, trained on the judged corpus as the default config's
    bpe-judged-whole is: each of 10..99 is one token, alone and where the task shows it."""
    from ensemw2s.models import train_bpe_tokenizer

    records = _binary_task()
    lines = sandbox.judged_comparisons({sandbox.operand_set(r["question"]) for r in records}, min_digits=2, max_digits=2, seed=0)
    whole = train_bpe_tokenizer(lines, 512, split_digits=False)
    for n in range(10, 100):
        assert len(whole.tokenize(str(n))) == 1, (n, whole.tokenize(str(n)))
        tokens = whole.tokenize(f"Q: max({n},{109 - n})=? A: {n}")
        numbers = [t.lstrip("Ġ") for t in tokens if any(c.isdigit() for c in t)]
        assert numbers == [str(n), str(109 - n), str(n)], tokens
    split = train_bpe_tokenizer(lines, 512, split_digits=True)  # the strong model's: digit by digit
    assert all(sum(c.isdigit() for c in t) <= 1 for t in split.tokenize("Q: max(43,65)=? A: 43"))
