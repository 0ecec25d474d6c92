"""Resumable training in real processes: SIGKILL midway then rerun resumes from the last checkpoint
with the same final result; SIGTERM (SLURM's time-limit signal) checkpoints before exiting; a
retried workflow job asks for more memory and time (attempt-scaled resources)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, snakemake

DRIVER = REPO / "tests/drivers/train_driver.py"
TOTAL_STEPS = 30  # 48 items / batch 8 x 5 epochs


def _start(tmp_path: Path, name: str, checkpoint_every: int, delay: float) -> tuple[subprocess.Popen, Path, Path]:
    checkpoints, output = tmp_path / f"{name}_checkpoints", tmp_path / f"{name}.json"
    process = subprocess.Popen(
        [sys.executable, str(DRIVER), str(checkpoints), str(output), str(checkpoint_every), str(delay)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, checkpoints / "latest" / "progress.json", output


def _wait_for(condition, process: subprocess.Popen, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"driver ended before {what}:\n{process.stdout.read()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _run_to_end(tmp_path: Path, name: str, checkpoint_every: int) -> dict:
    process, _, output = _start(tmp_path, name, checkpoint_every, 0.0)
    log = process.communicate(timeout=300)[0]
    assert process.returncode == 0, log
    return json.loads(output.read_text())


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    return _run_to_end(tmp_path_factory.mktemp("uninterrupted"), "run", checkpoint_every=5)


def _steps_computed(output: Path) -> int:
    steps = output.with_suffix(".steps")
    return len(steps.read_text().splitlines()) if steps.exists() else 0


def test_sigkill_then_rerun_resumes_with_the_uninterrupted_result(tmp_path, uninterrupted):
    process, progress, output = _start(tmp_path, "killed", checkpoint_every=5, delay=0.3)
    _wait_for(progress.exists, process, "the first checkpoint")
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL and not output.exists()
    saved_step = json.loads(progress.read_text())["step"]
    assert 5 <= saved_step < TOTAL_STEPS and saved_step % 5 == 0
    steps_before_kill = _steps_computed(output)

    resumed = _run_to_end(tmp_path, "killed", checkpoint_every=5)
    assert resumed["resumed_from_step"] == saved_step  # the step counter continues from the checkpoint
    assert resumed["steps"] == uninterrupted["steps"] == TOTAL_STEPS
    assert _steps_computed(output) - steps_before_kill == TOTAL_STEPS - saved_step  # only the rest ran
    for key in ("final_loss", "held_out_loss", "weights_checksum"):
        assert resumed[key] == pytest.approx(uninterrupted[key], rel=1e-6, abs=1e-7), key
    assert not progress.parent.parent.exists()  # checkpoints removed once training ends


def test_sigterm_checkpoints_before_exiting(tmp_path, uninterrupted):
    # checkpoint_every = 0: the only checkpoint is the one SIGTERM makes.
    process, progress, output = _start(tmp_path, "terminated", checkpoint_every=0, delay=0.3)
    _wait_for(lambda: _steps_computed(output) >= 3, process, "three training steps")
    process.send_signal(signal.SIGTERM)
    log = process.communicate(timeout=120)[0]
    assert process.returncode == 143, log
    assert "SIGTERM: checkpoint saved at step" in log
    saved_step = json.loads(progress.read_text())["step"]
    assert 3 <= saved_step < TOTAL_STEPS and not output.exists()

    resumed = _run_to_end(tmp_path, "terminated", checkpoint_every=0)
    assert resumed["resumed_from_step"] == saved_step
    for key in ("final_loss", "held_out_loss", "weights_checksum"):
        assert resumed[key] == pytest.approx(uninterrupted[key], rel=1e-6, abs=1e-7), key


@pytest.mark.workflow
def test_retried_training_job_asks_for_more_memory_and_time(default_run, tmp_path):
    """A training job whose first attempt fails is retried with attempt-scaled mem_mb and runtime
    (rules/common.smk: model_resources).  On a copy of the default run, the tiny rater's weights
    are corrupted (mtime kept, so nothing upstream reruns) and one fold is forced to rerun."""
    workdir = tmp_path / "run"
    shutil.copytree(default_run, workdir, symlinks=True)
    weights = workdir / "results/models/tiny-weak/model.safetensors"
    stat = weights.stat()
    weights.write_bytes(b"not a safetensors file")
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.utime(weights.parent, ns=(stat.st_atime_ns, weights.parent.stat().st_mtime_ns))
    fold = "results/difficulty/quartz/fold0.csv"
    result = snakemake("-c1", "--retries", "1", "--forcerun", fold, "--until", "difficulty_fold", fold, cwd=workdir, check=False)
    assert result.returncode != 0
    log = result.stdout + result.stderr
    # Attempt 1 asks for the registry's values (4000 MB, 60 min), attempt 2 for 1.5x memory, 2x time.
    assert "mem_mb=4000" in log and "runtime=60" in log, log[-3000:]
    assert "mem_mb=6000" in log and "runtime=120" in log, log[-3000:]
    assert "attempt 2" in log.lower() or "Trying to restart job" in log or log.count("rule difficulty_fold") >= 2
