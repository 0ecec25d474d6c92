"""The README and docs/ stay a usable front door: a short README that starts with the commands CI
runs, no hand-copied run numbers that can go stale (a run's numbers live in its own tables and
report), one dated timing only, and no references to pages that do not exist."""

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
# Pages other branches add (docs/extending.md: bring your own dataset and model); a link to one
# of them may dangle until that branch is merged.
PENDING_PAGES = {"docs/extending.md"}


def _docs():
    """README.md, the docs/ pages and benchmarks/README.md: (path relative to the repo, text)."""
    pages = [README, *sorted((REPO / "docs").glob("*.md")), REPO / "benchmarks/README.md"]
    return [(str(p.relative_to(REPO)), p.read_text(encoding="utf-8")) for p in pages if p.exists()]


def _section(text, heading):
    """The body of the Markdown section ``## {heading}`` (up to the next ``## ``)."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert match, f"no section '## {heading}'"
    return match.group(1)


def _blocks(text):
    """Paragraphs, list items and tables: what a sentence about one thing sits in."""
    blocks = []
    for paragraph in re.split(r"\n\s*\n", text):
        blocks.extend(re.split(r"\n(?=\s*[-*] |\s*\d+\. )", paragraph))
    return blocks


# An accuracy, PGR, agreement, ε, α or ρ as a run reports it: 0.680, 1.000, 0.59, -0.03.
RUN_NUMBER = re.compile(r"(?<![\w.])-?[01]\.\d{2,}(?![\w.])")
ABOUT_A_RUN = re.compile(r"sandbox|default run", re.I)


def run_numbers_about_the_sandbox(text):
    """Accuracy-like decimals in the paragraphs / list items that speak of the sandbox or the
    default run (the numbers such a sentence quotes are a run's, and go stale)."""
    return [(block.strip()[:120], RUN_NUMBER.findall(block)) for block in _blocks(text) if ABOUT_A_RUN.search(block) and RUN_NUMBER.search(block)]


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; depth belongs in docs/"


def test_readme_quick_start_starts_with_the_two_commands_ci_runs():
    """Quick start's first code block holds exactly two commands: the workflow on the embedded
    default, then the test suite, byte for byte the line `.ci/run` runs, on the same install."""
    quick_start = _section(README.read_text(encoding="utf-8"), "Quick start")
    block = re.search(r"```bash\n(.*?)```", quick_start, flags=re.S)
    assert block, "Quick start has no bash code block"
    assert "\n\n" not in quick_start[: block.start()].strip(), "Quick start must open with its commands (one sentence before them at most)"
    commands = [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert len(commands) == 2, commands
    ci = (REPO / ".ci/run").read_text(encoding="utf-8").splitlines()
    marker = next(i for i, line in enumerate(ci) if 'README "Quick start", command 2' in line)
    assert commands[1] == ci[marker + 1], "README's command 2 and .ci/run's test command differ"
    install = ci[marker + 1].split(" && pip install -q -e ")[0]
    assert commands[0] == f"{install} && pip install -q -e . && snakemake -c2", commands[0]


def test_readme_states_one_dated_run_time():
    """One run time, with the commit and machine it was measured on; no timing history."""
    text = README.read_text(encoding="utf-8")
    assert not re.search(r"\d+\s*min(utes)?\s+\d+\s*s\b", text), "README quotes a timing history (minutes and seconds)"
    stated = re.findall(r"about (\d+) minutes \(measured at commit ([0-9a-f]{7,40}) on a 2-core CPU\)", text)
    assert len(stated) == 1, stated
    assert len(re.findall(r"\b\d+ minutes\b", text)) == 1, "README states more than one duration"
    if (REPO / ".git").exists():
        known = subprocess.run(["git", "cat-file", "-e", f"{stated[0][1]}^{{commit}}"], cwd=REPO, capture_output=True)
        assert known.returncode == 0, f"README's timing names commit {stated[0][1]}, which this repository does not have"


@pytest.mark.parametrize("page", [path for path, _ in _docs()])
def test_no_hand_copied_sandbox_numbers(page):
    """README and docs point to the run's tables for the sandbox's numbers instead of quoting them."""
    text = dict(_docs())[page]
    assert not run_numbers_about_the_sandbox(text), run_numbers_about_the_sandbox(text)


def test_config_comments_quote_no_run_numbers():
    """config/config.yaml's comments say what a key does, not what a run measured."""
    comments = [line.split("#", 1)[1] for line in (REPO / "config/config.yaml").read_text(encoding="utf-8").splitlines() if "#" in line]
    assert not [c for c in comments if RUN_NUMBER.search(c)], [c for c in comments if RUN_NUMBER.search(c)]


def test_the_check_finds_a_quoted_number():
    """The detector itself: a sandbox sentence with an accuracy is caught, other decimals are not."""
    assert run_numbers_about_the_sandbox("On the sandbox the student\nreaches 0.796, the oracle 0.869.")
    assert run_numbers_about_the_sandbox("- the default run: PGR -0.03 on the easy-hard split")
    assert not run_numbers_about_the_sandbox("On the sandbox the rating must reach rho >= 0.1.")
    assert not run_numbers_about_the_sandbox("pythia-70m: 0.28 GB per expert")  # not about the sandbox


def test_docs_link_to_pages_that_exist():
    """Relative links and file references in README and docs resolve; docs/DESIGN.md is gone and
    nothing points to it."""
    for page, text in _docs():
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+://", target):
                continue
            resolved = (REPO / page).parent / target
            relative = str(resolved.resolve().relative_to(REPO)) if resolved.resolve().is_relative_to(REPO) else target
            assert resolved.exists() or relative in PENDING_PAGES, f"{page} links to {target}, which does not exist"
    assert not (REPO / "docs/DESIGN.md").exists()
    sources = [REPO / "README.md", REPO / "Snakefile", *REPO.glob("docs/*.md"), *REPO.glob("config/*.yaml"), *REPO.glob("config/*.md")]
    sources += [*REPO.glob("rules/*.smk"), *REPO.glob("src/ensemw2s/*.py"), *REPO.glob("scripts/*.py"), *REPO.glob("report/*.rst")]
    sources += [p for p in REPO.glob("tests/*.py") if p.name != "test_docs.py"]
    stale = [str(p.relative_to(REPO)) for p in sources if "DESIGN.md" in p.read_text(encoding="utf-8")]
    assert not stale, f"these still refer to docs/DESIGN.md: {stale}"
