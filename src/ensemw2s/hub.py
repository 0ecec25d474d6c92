"""Hugging Face hub: fetch models and datasets once into one cache, then load them offline.

On a cluster, compute nodes often have no network, and many jobs starting at once must not each
download a model.  The workflow therefore runs a local ``prefetch`` job per hub entry (on the
login node) that downloads into the cache ``HF_HOME``; every compute job runs with
``HF_HUB_OFFLINE=1`` and ``HF_DATASETS_OFFLINE=1`` and reads only that cache.  Something missing
from the cache fails the job with :class:`HubCacheMiss`, which says what is missing, where it was
looked for, and how to fetch it.

``huggingface_hub`` and ``datasets`` read the offline switches when imported, so
:func:`go_online` must run before either is imported (the prefetch script calls it first).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
# What a model needs to load with from_pretrained(use_safetensors=True): configs, weights, tokenizer.
# Never the repository's Python code, unless the entry sets trust_remote_code (REMOTE_CODE_FILES).
MODEL_FILES = ["*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken"]
REMOTE_CODE_FILES = ["*.py"]


def split_revision(source: str) -> tuple[str, str | None]:
    """``"owner/name@revision"`` -> (``"owner/name"``, ``"revision"``); a plain id or an existing
    local path -> (source, None), which loads the default branch (main)."""
    if "@" in source and not _looks_local(source):
        repo, _, revision = source.rpartition("@")
        return repo, revision or None
    return source, None


class HubCacheMiss(RuntimeError):
    """A hub model or dataset a job needs is not in the local cache and the hub is offline."""


def cache_home() -> Path:
    """The cache every job shares: ``HF_HOME`` (default ``~/.cache/huggingface``)."""
    return Path(os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface")


def is_offline() -> bool:
    return any(os.environ.get(name, "").upper() in ("1", "ON", "YES", "TRUE") for name in OFFLINE_VARIABLES)


def go_online() -> None:
    """Allow downloads in this process (the prefetch job); call before importing hub libraries."""
    for name in OFFLINE_VARIABLES:
        os.environ[name] = "0"


def _looks_local(source: str) -> bool:
    return Path(source).exists()


@contextlib.contextmanager
def from_cache(kind: str, name: str) -> Iterator[None]:
    """Turn the hub libraries' offline cache-miss errors into :class:`HubCacheMiss`.

    ``kind`` is ``model`` or ``dataset``; ``name`` the hub id.  Local paths and online runs
    pass errors through unchanged.
    """
    try:
        yield
    except OSError as error:  # huggingface_hub, transformers and datasets raise OSError subclasses
        if not is_offline() or _looks_local(name):
            raise
        raise HubCacheMiss(
            f"hub {kind} {name!r} is not in the Hugging Face cache {cache_home()} and this job runs "
            f"offline (HF_HUB_OFFLINE=1, HF_DATASETS_OFFLINE=1). Fetch it first where there is network, "
            f"with the same cache (config key hub_cache / HF_HOME): `snakemake results/hub/{kind}s/<key>.json` "
            f"(rule prefetch_{kind}; any target that needs it runs that local rule before compute jobs). "
            f"Underlying error: {type(error).__name__}: {error}"
        ) from error


def prefetch_model(repo_id: str, revision: str | None = None, trust_remote_code: bool = False) -> dict:
    """Download a model's configs, safetensors weights and tokenizer files into the cache (and its
    ``*.py`` files only with ``trust_remote_code``); the marker records the resolved commit."""
    from huggingface_hub import snapshot_download

    patterns = MODEL_FILES + (REMOTE_CODE_FILES if trust_remote_code else [])
    path = snapshot_download(repo_id=repo_id, revision=revision, allow_patterns=patterns)
    files = sorted(str(p.relative_to(path)) for p in Path(path).rglob("*") if p.is_file())
    if not any(name.endswith(".safetensors") for name in files):
        raise HubCacheMiss(f"hub model {repo_id!r}: no safetensors weights in the snapshot ({', '.join(files) or 'no files'})")
    return {
        "kind": "model",
        "repo": repo_id,
        "revision": revision or "main",
        "resolved_revision": Path(path).name,  # the cache keeps every snapshot under snapshots/<commit hash>
        "trust_remote_code": bool(trust_remote_code),
        "snapshot": str(path),
        "files": files,
        "cache": str(cache_home()),
    }


def prefetch_dataset(path: str, configs: list[str], splits: list[str], *, revision: str = "main") -> dict:
    """Load every (config, split) once, so that ``datasets`` caches it for offline jobs; the marker
    records the resolved commit of a hub repository (None for a local folder)."""
    import datasets

    rows = {}
    for config in configs or [None]:
        for split in splits:
            loaded = datasets.load_dataset(path, config, split=split, revision=revision)
            rows["-".join(part for part in (config, split) if part)] = len(loaded)
    return {
        "kind": "dataset",
        "path": path,
        "configs": list(configs),
        "splits": list(splits),
        "revision": revision,
        "resolved_revision": _resolved_dataset_revision(path, revision),
        "rows": rows,
        "cache": str(cache_home()),
    }


def _resolved_dataset_revision(path: str, revision: str) -> str | None:
    if _looks_local(path):
        return None
    from huggingface_hub import HfApi

    return HfApi().dataset_info(path, revision=revision).sha
