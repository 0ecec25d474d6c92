"""The sandbox: seeded synthetic arithmetic and comparison tasks that tiny models learn in seconds on a CPU.

Each item asks for a sum, ``question = "a+b=?"`` (so the prompt is ``"Q: 12+39=?\\nA:"``), and offers
the correct sum among near-miss distractors, all distinct and non-negative:

* the sum computed *without carrying* (each digit ``(a_i + b_i) mod 10``), for items with a carry,
  drawn with probability ``no_carry_share`` where it has as many digits as the sum (a shorter
  distractor would give itself away by its length);
* otherwise the sum with one digit moved up or down by one (position drawn uniformly; a move
  that would give a leading zero or leave the digits is turned the other way);
* extra choices (``n_choices > 2``): more one-digit moves, then the nearest numbers of the same
  length (``n_choices`` is at most 8, so a one-digit sum still has enough).

Difficulty is graded by construction: ``constructed_difficulty`` is the number of leading digits the
correct sum shares with its closest distractor (0: they differ in the leading digit, ``57+68=?``
with ``125`` against ``225``; 2: only in the units, ``125`` against ``124``).  Tiny models learn
magnitudes first (the leading digits) and exact digits last, so a longer shared prefix is harder:
measured on tiny GPT-NeoX models (multiple choice, 1-2 digit operands), option accuracy by level
0/1/2 was 0.66/0.57/0.45 (1 layer, width 32) and 0.91/0.66/0.60 (2 layers, width 64); see
config/config.yaml.  With 1-2 digit operands the levels are 0-2, with 1-3 digits 0-3.  (A first
definition, operand digits + carries, was graded the wrong way: carried sums were *easier*.)
Operand digit counts are drawn uniformly in ``[min_digits, max_digits]``, operands uniformly among
numbers of that many digits (``0-9`` for one digit).  Items are drawn one after another from one
seeded generator and a repeated question is drawn again, so no question appears twice (a test item
never repeats a training item); the same settings give the same records.

A second operation, ``operation="max"`` (default ``"add"``, whose records are unchanged), asks for
the larger of two numbers, ``question = "max(a,b)=?"``, against the smaller one (extra choices:
one-digit moves of the larger, then the nearest numbers).  The operands have the same number of
digits (drawn uniformly in ``[min_digits, max_digits]``) and share ``k`` leading digits, ``k`` drawn
uniformly in ``[0, digits - 1]``, so ``constructed_difficulty`` (the same definition) is ``k``: the
digits to read past before the two differ.  Within a small CPU budget (about 100-200 optimiser
steps) tiny models learn the comparison but not the sum: a tiny classifier never learned to verify a
full sum (binary addition stayed near chance), and multiple-choice addition showed no weak/strong
gap at that budget, so ``sandbox_binary`` in config/config.yaml uses ``max`` (measurements there).
Unlike addition, the levels are *not* monotone in accuracy for tiny models (e.g. a binary weak
classifier scored 0.52 on level 0 and 0.74 on level 1).

A third operation, ``operation="largest"`` (``sandbox_mc`` in config/config.yaml), asks for the largest
of ``n`` numbers, ``question = "max(a,b,c)=?"``, ``n`` uniform in ``[min_operands, max_operands]``, all
operands distinct and of one length (digits uniform in ``[min_digits, max_digits]``); the distractor
is the runner-up (extra choices: one-digit moves of the largest, then the nearest numbers).  Its
``constructed_difficulty`` is ``n - 2``, the comparisons beyond one pair.  This is the operation on
which tiny models show weak-to-strong generalisation, because of *pretraining knowledge*: with
:func:`worked_examples` the tiny models are pretrained on solved comparisons in another wording
("the largest of 12, 39 and 27 is 39."), never on a question of the task, with long-tailed exposure
(``operand_weights``: few-operand comparisons common, many-operand ones rare, as facts about rare
entities are in real corpora).  The strong model (wider, deeper, pretrained for more steps) learns
the skill well and the weak one poorly; fine-tuning with a small learning rate then mostly teaches
the "Q: ...\nA:" layout, so a strong student trained on the weak model's pseudo-answers can do
better than its teacher (the run's tables show it: docs/sandbox.md).

Two formats share the layout of :mod:`ensemw2s.data` (``id, question, context, choices, gold``):

* multiple choice (generation track, like QuaRTz): the gold position is drawn per item;
* classification (``binary=True``, like binary SciQ): in addition ``binary_answer`` and
  ``binary_label``, drawn exactly as :func:`ensemw2s.data.normalise_sciq` draws them: the shown
  answer is correct with probability 0.5, else a random distractor, seeded per item id.

Pure Python: no torch, no files.
"""

from __future__ import annotations

import random

DEFAULTS = {
    "n_items": 3000,
    "min_digits": 1,
    "max_digits": 2,
    "n_choices": 2,
    "no_carry_share": 0.5,
    "operation": "add",
    "min_operands": 2,
    "max_operands": 4,
}
OPERATIONS = ("add", "max", "largest")


class SandboxError(ValueError):
    """Generator settings that cannot give the requested items."""


def carries(a: int, b: int) -> int:
    """Number of carries in the column addition a + b."""
    count = carry = 0
    while a or b:
        carry = int(a % 10 + b % 10 + carry >= 10)
        count += carry
        a, b = a // 10, b // 10
    return count


def no_carry_sum(a: int, b: int) -> int:
    """a + b with every carry dropped: each digit is (a_i + b_i) mod 10."""
    total, place = 0, 1
    while a or b:
        total += ((a % 10 + b % 10) % 10) * place
        a, b, place = a // 10, b // 10, place * 10
    return total


def shared_prefix(x: str, y: str) -> int:
    """Number of leading characters two answers share."""
    n = 0
    while n < min(len(x), len(y)) and x[n] == y[n]:
        n += 1
    return n


def constructed_difficulty(correct: str, distractors: list[str]) -> int:
    """How many leading digits the correct sum shares with its closest distractor: the digits one
    must get right, most significant first, before the choices part.  A distractor of another
    length counts 0 (its length gives it away)."""
    return max(shared_prefix(correct, d) if len(d) == len(correct) else 0 for d in distractors)


def _digit_move(value: int, rng: random.Random) -> int:
    """``value`` with one digit (uniform position) moved by +-1, never to a leading zero."""
    digits = [int(c) for c in str(value)]
    position = rng.randrange(len(digits))
    step = rng.choice((-1, 1))
    lowest = 1 if position == 0 and len(digits) > 1 else 0
    if not lowest <= digits[position] + step <= 9:
        step = -step
    digits[position] += step
    return int("".join(map(str, digits)))


def _distractors(a: int, b: int, n: int, *, no_carry_share: float, rng: random.Random) -> list[int]:
    total = a + b
    chosen: list[int] = []

    def add(value: int) -> None:
        if value >= 0 and value != total and value not in chosen and len(chosen) < n:
            chosen.append(value)

    if carries(a, b) and rng.random() < no_carry_share:
        dropped = no_carry_sum(a, b)
        if len(str(dropped)) == len(str(total)):  # a shorter answer would give itself away
            add(dropped)
    for _ in range(4 * n):
        add(_digit_move(total, rng))
    step = 1
    while len(chosen) < n:  # deterministic fallback for many choices of a small sum: the nearest
        for value in (total + step, total - step):  # numbers of the same length
            if len(str(value)) == len(str(total)):
                add(value)
        step += 1
    return chosen


def _max_distractors(total: int, runner_up: int, n: int, *, rng: random.Random) -> list[int]:
    """The runner-up operand first, then one-digit moves of the largest and the nearest numbers."""
    chosen = [runner_up]
    for _ in range(4 * n):
        value = _digit_move(total, rng)
        if value != total and value not in chosen and len(chosen) < n:
            chosen.append(value)
    step = 1
    while len(chosen) < n:
        for value in (total + step, total - step):
            if value >= 0 and value not in chosen and len(chosen) < n:
                chosen.append(value)
        step += 1
    return chosen[:n]


def _draw_max_pair(min_digits: int, max_digits: int, rng: random.Random) -> tuple[int, int]:
    """Two distinct operands of the same length sharing ``k`` leading digits, ``k`` uniform in
    ``[0, digits - 1]``: the constructed difficulty of the comparison is ``k`` by design."""
    digits = rng.randint(min_digits, max_digits)
    a = _draw_operand(digits, rng)
    k = rng.randrange(digits)
    head = str(a)[:k] if digits > 1 else ""
    lowest = 1 if k == 0 and digits > 1 else 0
    differ = rng.choice([d for d in range(lowest, 10) if d != int(str(a)[k])])
    tail = "".join(str(rng.randrange(10)) for _ in range(digits - k - 1))
    return a, int(head + str(differ) + tail)


def _draw_operands(count: int, min_digits: int, max_digits: int, *, rng: random.Random) -> list[int]:
    """``count`` distinct operands of one length (digits uniform in ``[min_digits, max_digits]``)."""
    digits = rng.randint(min_digits, max_digits)
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return rng.sample(range(low, 10**digits), count)


def largest_question(operands: list[int]) -> str:
    return "max(" + ",".join(map(str, operands)) + ")=?"


def worked_example(operands: list[int]) -> str:
    """A solved comparison in pretraining wording: "the largest of 12, 39 and 27 is 39."."""
    names = [str(v) for v in operands]
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    return f"the largest of {listed} is {max(operands)}."


def worked_examples(
    n_examples: int,
    exclude: set[str],
    operand_weights: list[float],
    *,
    min_operands: int = DEFAULTS["min_operands"],
    min_digits: int = DEFAULTS["min_digits"],
    max_digits: int = DEFAULTS["max_digits"],
    seed: int = 0,
) -> list[str]:
    """``n_examples`` distinct solved comparisons (:func:`worked_example`) for pretraining the tiny
    models: operand counts ``min_operands, min_operands + 1, ...`` drawn with ``operand_weights``
    (one weight per count), from a generator of their own, and never a question in ``exclude``
    (the task's questions: pretraining teaches the skill, not the test items)."""
    if n_examples < 0 or not operand_weights or min(operand_weights) < 0 or sum(operand_weights) <= 0:
        raise SandboxError(f"need n_examples >= 0 and non-negative operand_weights with a positive sum, got {n_examples}, {operand_weights}")
    if min_operands < 2:
        raise SandboxError(f"need min_operands >= 2, got {min_operands}")
    rng = random.Random(f"sandbox-pretraining:{seed}:{min_digits}:{max_digits}:{min_operands}")
    counts = list(range(min_operands, min_operands + len(operand_weights)))
    seen: set[str] = set()
    lines: list[str] = []
    for _ in range(50 * n_examples + 1000):
        if len(lines) == n_examples:
            return lines
        operands = _draw_operands(rng.choices(counts, weights=operand_weights)[0], min_digits, max_digits, rng=rng)
        question = largest_question(operands)
        if question in seen or question in exclude:
            continue
        seen.add(question)
        lines.append(worked_example(operands))
    raise SandboxError(f"could not draw {n_examples} distinct worked examples outside the task's {len(exclude)} questions")


def operand_set(question: str) -> frozenset[int]:
    """The unordered operands of a comparison question ``max(a,b,...)=?``."""
    if not (question.startswith("max(") and question.endswith(")=?")):
        raise SandboxError(f"not a comparison question: {question!r}")
    return frozenset(int(v) for v in question[4:-3].split(","))


def judged_line(a: int, b: int, shown: int, right: bool) -> str:
    """A judged comparison in the classification task's own layout (ensemw2s.text.classification_text)
    plus its verdict: "Q: max(43,65)=? A: 43 no"."""
    return f"Q: max({a},{b})=? A: {shown} {'yes' if right else 'no'}"


def judged_comparisons(exclude: set[frozenset[int]], *, min_digits: int, max_digits: int, seed: int = 0) -> list[str]:
    """Every judged comparison of two distinct numbers of one length (digits in ``[min_digits,
    max_digits]``) whose *unordered* operand set is not in ``exclude`` (the task's pairs,
    :func:`operand_set`: no task question appears in either order): all four lines of each pair,
    both orders x both verdicts (the larger shown: yes; the smaller: no), in an order shuffled by
    ``seed`` (a pretraining stream mixes the pairs).  Pretraining knowledge of the comparison in the
    task's layout, for the strong model to surface (README, "The sandbox")."""
    if not 1 <= min_digits <= max_digits:
        raise SandboxError(f"need 1 <= min_digits <= max_digits, got {min_digits}, {max_digits}")
    lines: list[str] = []
    for digits in range(min_digits, max_digits + 1):
        numbers = range(0 if digits == 1 else 10 ** (digits - 1), 10**digits)
        for a in numbers:
            for b in numbers:
                if a < b and frozenset((a, b)) not in exclude:
                    for x, y in ((a, b), (b, a)):
                        lines += [judged_line(x, y, b, True), judged_line(x, y, a, False)]
    random.Random(f"sandbox-judged:{seed}:{min_digits}:{max_digits}").shuffle(lines)
    return lines


def _draw_operand(digits: int, rng: random.Random) -> int:
    return rng.randrange(10) if digits == 1 else rng.randrange(10 ** (digits - 1), 10**digits)


def generate(
    dataset: str,
    n_items: int = DEFAULTS["n_items"],
    min_digits: int = DEFAULTS["min_digits"],
    *,
    max_digits: int = DEFAULTS["max_digits"],
    n_choices: int = DEFAULTS["n_choices"],
    no_carry_share: float = DEFAULTS["no_carry_share"],
    seed: int = 0,
    binary: bool = False,
    operation: str = DEFAULTS["operation"],
    min_operands: int = DEFAULTS["min_operands"],
    max_operands: int = DEFAULTS["max_operands"],
) -> list[dict]:
    """``n_items`` distinct items named ``{dataset}-{index:05d}`` (see the module docstring)."""
    if not 1 <= min_digits <= max_digits:
        raise SandboxError(f"need 1 <= min_digits <= max_digits, got {min_digits}, {max_digits}")
    if n_choices < 2:
        raise SandboxError(f"need n_choices >= 2, got {n_choices}")
    if not 0.0 <= no_carry_share <= 1.0:
        raise SandboxError(f"no_carry_share must lie in [0, 1], got {no_carry_share}")
    if operation not in OPERATIONS:
        raise SandboxError(f"operation must be one of {OPERATIONS}, got {operation!r}")
    if operation == "largest" and not 2 <= min_operands <= max_operands:
        raise SandboxError(f"need 2 <= min_operands <= max_operands, got {min_operands}, {max_operands}")
    # The seed string of the addition task is kept as it was, so its records do not change.
    suffix = {"add": "", "max": ":max", "largest": f":largest:{min_operands}:{max_operands}"}[operation]
    rng = random.Random(f"sandbox:{seed}:{min_digits}:{max_digits}" + suffix)
    seen: set[str] = set()
    records: list[dict] = []
    attempts = 0
    while len(records) < n_items:
        attempts += 1
        if attempts > 50 * n_items + 1000:
            raise SandboxError(f"could not draw {n_items} distinct questions with {min_digits}-{max_digits} digit operands")
        if operation == "add":
            a = _draw_operand(rng.randint(min_digits, max_digits), rng)
            b = _draw_operand(rng.randint(min_digits, max_digits), rng)
            question = f"{a}+{b}=?"
        elif operation == "max":
            a, b = _draw_max_pair(min_digits, max_digits, rng)
            question = f"max({a},{b})=?"
        else:
            operands = _draw_operands(rng.randint(min_operands, max_operands), min_digits, max_digits, rng=rng)
            question = largest_question(operands)
        if question in seen:
            continue
        seen.add(question)
        if operation == "add":
            correct = str(a + b)
            wrong = [str(v) for v in _distractors(a, b, n_choices - 1, no_carry_share=no_carry_share, rng=rng)]
        elif operation == "max":
            correct = str(max(a, b))
            wrong = [str(v) for v in _max_distractors(max(a, b), min(a, b), n_choices - 1, rng=rng)]
        else:
            ranked = sorted(operands)
            correct = str(ranked[-1])
            wrong = [str(v) for v in _max_distractors(ranked[-1], ranked[-2], n_choices - 1, rng=rng)]
        gold = rng.randrange(n_choices)
        choices = wrong[:gold] + [correct] + wrong[gold:]
        record = {
            "id": f"{dataset}-{len(records):05d}",
            "question": question,
            "context": "",
            "choices": choices,
            "gold": gold,
            "constructed_difficulty": len(operands) - 2 if operation == "largest" else constructed_difficulty(correct, wrong),
        }
        if binary:
            # As data.normalise_sciq: its own generator per item, so the draws depend on id only.
            item_rng = random.Random(f"{seed}:{record['id']}")
            label = int(item_rng.random() < 0.5)
            record["binary_answer"] = correct if label else item_rng.choice(wrong)
            record["binary_label"] = label
        records.append(record)
    return records
