"""Output files: atomic, and readable by whoever the user's umask lets read them."""

import os
import stat

import pytest

from ensemw2s.files import atomic_path, write_json, write_jsonl


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("umask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750), (0o002, 0o664, 0o775)])
def test_outputs_get_the_umask_permissions(tmp_path, umask, file_mode, dir_mode):
    previous = os.umask(umask)
    try:
        write_json(tmp_path / "new" / "a.json", {"x": 1})
        write_jsonl(tmp_path / "b.jsonl", [{"x": 1}])
        with atomic_path(tmp_path / "model") as tmp:  # a folder output built in the temporary path
            tmp.unlink()
            (tmp / "sub").mkdir(parents=True)
            os.chmod(tmp, 0o700)  # as tempfile.mkdtemp would leave it
            (tmp / "sub" / "w.bin").write_bytes(b"0")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "new" / "a.json") == file_mode
    assert _mode(tmp_path / "b.jsonl") == file_mode
    assert _mode(tmp_path / "new") == dir_mode
    assert _mode(tmp_path / "model") == dir_mode and _mode(tmp_path / "model" / "sub") == dir_mode
    assert _mode(tmp_path / "model" / "sub" / "w.bin") == file_mode
    assert not list(tmp_path.glob(".*.part"))


def test_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "x.csv") as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
