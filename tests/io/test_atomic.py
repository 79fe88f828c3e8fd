import json
import math

import pytest

from dualion.errors import DualionUserError
from dualion.io.atomic import atomic_path, atomic_write_json, atomic_write_text


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a" / "out.txt"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_failed_write_keeps_previous_file(tmp_path):
    target = tmp_path / "out.json"
    atomic_write_json(target, {"x": 1})
    with pytest.raises(ValueError):  # NaN is not JSON
        atomic_write_json(target, {"x": math.nan})
    assert json.loads(target.read_text()) == {"x": 1}
    assert len(list(tmp_path.iterdir())) == 1


def test_atomic_path_keeps_suffix_and_cleans_up_on_error(tmp_path):
    target = tmp_path / "fig.png"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            assert tmp.suffix == ".png"
            tmp.write_text("partial")
            raise RuntimeError("boom")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_user_error_one_line():
    err = DualionUserError("expected a number\nnot text", file="x.yaml", field="energy")
    assert err.one_line() == "x.yaml: energy: expected a number not text"
    assert DualionUserError("bad").one_line() == "bad"


def test_atomic_write_uses_umask_permissions(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "r.txt", "x")
    finally:
        os.umask(old)
    # 0o666 & ~0o022 = 0o644, as for an ordinary open(..., "w")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
