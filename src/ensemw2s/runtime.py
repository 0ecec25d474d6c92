"""What every workflow script does first: log to the rule's log file, pin threads, seed."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import types
from collections.abc import Iterator

# Operational settings: they cannot change an output, so they reach jobs through the environment
# (set from the config by rules/common.smk), not through params, and editing them reruns nothing.
OPERATIONAL = {
    "checkpoint_every": ("ENSEMW2S_CHECKPOINT_EVERY", int, 0),  # optimiser steps; 0 = only on SIGTERM
    "progress_interval": ("ENSEMW2S_PROGRESS_INTERVAL", float, 5.0),  # seconds between progress lines
}


def operational(name: str):
    """The value of an operational setting in this job (its default outside the workflow)."""
    variable, kind, default = OPERATIONAL[name]
    value = os.environ.get(variable, "")
    try:
        return kind(value) if value.strip() else default
    except ValueError:
        raise ValueError(f"environment variable {variable}={value!r} is not a valid {kind.__name__}") from None


def job_settings(smk) -> types.SimpleNamespace:
    """The config values of a workflow job, by name: the rule's one ``settings`` param (a dict,
    see ``JobSettings`` in rules/common.smk), so a script reads ``settings.lr``."""
    try:
        return types.SimpleNamespace(**smk.params.settings)
    except AttributeError:
        raise ValueError(f"rule {smk.rule!r} passes no `settings=job_settings(...)` param") from None


def progress_interval() -> float:
    """Seconds between two progress lines of a job's log (tqdm's mininterval)."""
    return operational("progress_interval")


@contextlib.contextmanager
def job(log_path: str | None, threads: int = 1) -> Iterator[logging.Logger]:
    """Send stdout, stderr (tqdm progress included) and logging to ``log_path``; use ``threads``
    CPU threads, so the same inputs give byte-identical outputs on a CPU."""
    saved_fds = []
    if log_path:
        # Redirect the file descriptors, not just sys.stdout/stderr: libraries that grabbed a
        # handle to stderr at import (transformers' logger) and C extensions land in the log too.
        sys.stdout.flush()
        sys.stderr.flush()
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        for fd in (1, 2):
            saved_fds.append((fd, os.dup(fd)))
            os.dup2(log_fd, fd)
        os.close(log_fd)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    # torch is imported only by the jobs that train or score (a table or label job saves ~2 s):
    # a job that already imported it is pinned here, one that imports it later reads the variables.
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(max(1, threads))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(max(1, threads))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        yield logging.getLogger("ensemw2s")
    except BaseException:
        logging.getLogger("ensemw2s").exception("job failed")
        raise
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, saved in saved_fds:
            os.dup2(saved, fd)
            os.close(saved)
