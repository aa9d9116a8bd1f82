import os
import stat

import pytest

from effbench.artefacts import atomic_path, provenance, read_json, write_json


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text('{"half": ')
            raise RuntimeError("killed")
    assert not target.exists()
    assert os.listdir(tmp_path) == []


def test_written_files_are_complete_and_readable(tmp_path):
    target = tmp_path / "sub" / "m.json"
    write_json(target, {"provenance": provenance({"a": 1}, seed=3), "metrics": {"x": 1.5}})
    data = read_json(target)
    assert data["metrics"]["x"] == 1.5
    assert data["provenance"]["seed"] == 3 and len(data["provenance"]["config_hash"]) == 12
    assert stat.S_IMODE(target.stat().st_mode) & 0o044      # group/other can read, unlike mkstemp's 0600
