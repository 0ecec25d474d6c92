"""Atomic file output: a reader never sees a half-written artifact."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def current_umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _give_umask_permissions(path: Path) -> None:
    """What ``open()`` / ``mkdir()`` would have given: 0666 (files) or 0777 (folders) less the umask.
    mkstemp creates 0600 files, which colleagues sharing the results could not read."""
    mask = current_umask()
    for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
        if item.is_symlink():
            continue
        os.chmod(item, (0o777 if item.is_dir() else 0o666) & ~mask)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only on success.

    The result gets the permissions the user's umask gives (0644 files, 0755 folders under umask
    022), as if it had been written in place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        if tmp.exists():
            _give_umask_permissions(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike) -> Iterator[Path]:
    """``atomic_path`` for a folder output (a model, a tokenizer): yield an empty temporary folder
    beside ``path``; only on success does it get the umask's permissions and take ``path``'s place
    whole (a folder already there is replaced, not merged into)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    try:
        yield tmp
        _give_umask_permissions(tmp)
        if path.is_dir() and not path.is_symlink():
            previous = tmp.with_suffix(".old")
            os.replace(path, previous)
            os.replace(tmp, path)
            shutil.rmtree(previous)
        else:
            os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w") -> Iterator[Any]:
    with atomic_path(path) as tmp, open(tmp, mode, encoding=None if "b" in mode else "utf-8") as handle:
        yield handle


def write_jsonl(path: str | os.PathLike, rows: Iterable[dict]) -> None:
    with atomic_open(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


class FileFormatError(ValueError):
    """An intermediate file that cannot be read; the message names the file (and line)."""


def read_text(path: str | os.PathLike) -> str:
    """A UTF-8 text file; a byte that is not UTF-8 fails naming the file, line and byte offset."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise FileFormatError(f"{path}:{line}: not UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start}: {error.reason})") from None


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    rows = []
    for line_number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise FileFormatError(f"{path}:{line_number}: not valid JSON ({error.msg}; truncated or corrupt file?)") from None
    return rows


def write_json(path: str | os.PathLike, obj: Any) -> None:
    with atomic_open(path) as handle:
        json.dump(obj, handle, indent=2, sort_keys=True)
        handle.write("\n")


def read_json(path: str | os.PathLike) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        what = "empty file" if not text.strip() else f"not valid JSON ({error.msg})"
        raise FileFormatError(f"{path}:{error.lineno}: {what}; truncated or corrupt file?") from None
