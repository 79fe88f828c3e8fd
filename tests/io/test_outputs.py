"""dualion.io.outputs: manifest written last, incomplete sets detectable, rollback, stale temp files."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dualion.errors import DualionUserError, DualionWarning
from dualion.io.atomic import atomic_write_json, atomic_write_text, check_out_dir
from dualion.io.outputs import (MANIFEST, check_stem, clean_stale_temps, output_set, read_manifest, temp_prefix,
                                verify)

REPO = Path(__file__).resolve().parents[2]


def _write_set(out: Path, command: str = "dualion test", n: int = 3) -> None:
    with output_set(out, command=command):
        for k in range(n):
            atomic_write_text(out / f"t{k}.txt", f"table {k}\n")
        atomic_write_json(out / "sub" / "s.json", {"k": n})


def test_manifest_lists_every_file_with_size_and_sha256(tmp_path):
    out = tmp_path / "o"
    _write_set(out)
    doc = read_manifest(out)
    (entry,) = doc["sets"]
    assert entry["status"] == "complete" and entry["command"] == "dualion test" and entry["finished"]
    assert entry["dualion_version"]
    files = {f["path"]: f for f in entry["files"]}
    assert set(files) == {"t0.txt", "t1.txt", "t2.txt", "sub/s.json"}
    for rel, f in files.items():
        data = (out / rel).read_bytes()
        assert f["bytes"] == len(data) and f["sha256"] == hashlib.sha256(data).hexdigest()
    # written last: no listed file is newer than the manifest
    assert all((out / r).stat().st_mtime_ns <= (out / MANIFEST).stat().st_mtime_ns for r in files)
    assert verify(out).ok and verify(out, strict=True).ok


def test_verify_detects_changed_missing_and_incomplete(tmp_path):
    out = tmp_path / "o"
    _write_set(out)
    (out / "t1.txt").write_text("table 1\n")            # same size, same content: still fine
    assert verify(out).ok
    (out / "t1.txt").write_text("table X\n")            # same size, other content
    v = verify(out)
    assert not v.ok and "t1.txt: sha256 differs" in v.message
    (out / "t1.txt").write_text("longer table 1\n")
    assert "bytes, manifest says" in verify(out).message
    (out / "t1.txt").unlink()
    assert "t1.txt: missing" in verify(out).message
    # a run that dies between its first file and the manifest: its entry stays "incomplete"
    out2 = tmp_path / "o2"
    with pytest.raises(RuntimeError):
        with output_set(out2, command="dualion crash"):
            atomic_write_text(out2 / "a.txt", "a")
            raise RuntimeError("killed")
    v = verify(out2)
    assert not v.ok and v.problems[0].startswith("incomplete set") and "dualion crash" in v.problems[0]
    # the rerun of the same command replaces the incomplete entry
    with output_set(out2, command="dualion crash"):
        atomic_write_text(out2 / "a.txt", "a")
    assert verify(out2).ok and len(read_manifest(out2)["sets"]) == 1
    (tmp_path / "o3").mkdir()
    assert "manifest.json: missing" in verify(tmp_path / "o3").message


def test_user_error_leaves_nothing_behind(tmp_path):
    out = tmp_path / "new" / "deep"
    with pytest.raises(DualionUserError):
        with output_set(out, command="dualion x"):
            atomic_write_text(out / "a" / "b.txt", "partial")
            raise DualionUserError("bad option", field="--x")
    assert not (tmp_path / "new").exists()
    # into a folder with an earlier set: new files go, the manifest is restored
    out = tmp_path / "o"
    _write_set(out)
    before = (out / MANIFEST).read_bytes()
    with pytest.raises(DualionUserError):
        with output_set(out, command="dualion other"):
            atomic_write_text(out / "new.txt", "n")
            raise DualionUserError("bad")
    assert not (out / "new.txt").exists() and (out / MANIFEST).read_bytes() == before and verify(out).ok


def test_sets_share_a_folder_and_take_over_rewritten_files(tmp_path):
    out = tmp_path / "o"
    _write_set(out, "dualion a")
    with output_set(out, command="dualion b"):
        atomic_write_text(out / "t0.txt", "rewritten by b\n")
        atomic_write_text(out / "b.txt", "b\n")
    sets = {s["command"]: {f["path"] for f in s["files"]} for s in read_manifest(out)["sets"]}
    assert sets == {"dualion a": {"t1.txt", "t2.txt", "sub/s.json"}, "dualion b": {"t0.txt", "b.txt"}}
    assert verify(out).ok
    with output_set(out, command="dualion c"):           # c rewrites everything a still owns: a goes
        for rel in ("t1.txt", "t2.txt", "sub/s.json"):
            atomic_write_text(out / rel, "c\n")
    assert [s["command"] for s in read_manifest(out)["sets"]] == ["dualion b", "dualion c"]


def test_folder_with_outputs_but_no_manifest_is_repaired_with_one_warning(tmp_path):
    out = tmp_path / "o"
    _write_set(out)
    (out / MANIFEST).unlink()
    assert not verify(out).ok
    with pytest.warns(DualionWarning, match="manifest.json: missing") as rec:
        _write_set(out)
    assert len([w for w in rec if issubclass(w.category, DualionWarning)]) == 1
    assert verify(out).ok


def test_nested_sets_record_into_the_outer_manifest(tmp_path):
    out = tmp_path / "demo"
    with output_set(out, command="dualion demo"):
        with output_set(out / "fig1"):
            atomic_write_text(out / "fig1" / "a.csv", "1\n")
        atomic_write_text(out / "summary.md", "#\n")
    assert not (out / "fig1" / MANIFEST).exists()
    assert {f["path"] for f in read_manifest(out)["sets"][0]["files"]} == {"fig1/a.csv", "summary.md"}


def test_stale_temp_files_of_dead_writers_are_removed_on_the_next_write(tmp_path):
    d = tmp_path / "o"
    d.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = d / f".table.{dead}-abc123.tmp.csv"               # its writer has exited
    mine = d / f"{temp_prefix('fig')}xyz.tmp.png"               # a live writer (this process)
    old = d / ".legacy.q1w2e3.tmp.json"                         # no PID, older than an hour
    young = d / ".legacy.r4t5y6.tmp.json"                       # no PID, fresh
    for p in (stale, mine, old, young):
        p.write_bytes(b"partial")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    atomic_write_text(d / "table.csv", "a,b\n")
    left = sorted(p.name for p in d.iterdir())
    assert stale.name not in left and old.name not in left
    assert mine.name in left and young.name in left and "table.csv" in left
    assert clean_stale_temps(d) == []                           # once per folder per process


def test_out_dir_checks_use_a_real_write_probe(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    for bad in (f, f / "sub"):
        with pytest.raises(DualionUserError, match="is a file") as ei:
            check_out_dir(bad)
        assert ei.value.field == "--out"
    with pytest.raises(DualionUserError, match="cannot write the output folder"):
        check_out_dir("/proc/dualion-test/out")                 # not writable, even for root
    assert check_out_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b" and not (tmp_path / "a").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dualion-probe")]


def test_read_only_folder_is_refused_even_for_root(tmp_path):
    """A read-only bind mount (or an immutable folder) refuses writes even to root, where os.access says yes."""
    ro = tmp_path / "ro"
    ro.mkdir()
    made = None
    if subprocess.run(["mount", "--bind", "-o", "ro", str(ro), str(ro)], capture_output=True).returncode == 0:
        made = ["umount", str(ro)]
    elif subprocess.run(["chattr", "+i", str(ro)], capture_output=True).returncode == 0:
        made = ["chattr", "-i", str(ro)]
    if made is None:
        pytest.skip("neither a read-only bind mount nor chattr +i is allowed here")
    try:
        with pytest.raises(DualionUserError, match="cannot write the output folder"):
            check_out_dir(ro / "out")
    finally:
        subprocess.run(made, capture_output=True)


def test_stems_stay_inside_the_output_folder():
    assert check_stem("distortion") == "distortion"
    for bad in ("../../x", "/tmp/x", "a/b", ".hidden", "", "..", "a\\b"):
        with pytest.raises(DualionUserError, match="plain file name") as ei:
            check_stem(bad)
        assert ei.value.field == "--stem"


def test_verify_cli_exit_codes(tmp_path, run_cli):
    out = tmp_path / "o"
    _write_set(out)
    res = run_cli("verify", out)
    assert res.code == 0 and "ok: 4 files" in res.stdout
    (out / "t0.txt").write_text("changed!\n")
    res = run_cli("verify", out)
    assert res.code == 2 and res.stderr.count("\n") == 1 and "t0.txt" in res.stderr
    (out / MANIFEST).write_text(json.dumps({"kind": "something else"}))
    res = run_cli("verify", out)
    assert res.code == 2 and "not a dualion output manifest" in res.stderr


def test_cli_commands_write_a_manifest(tmp_path, run_cli):
    out = tmp_path / "fig6c"
    res = run_cli("diagram", "paired-vacancy", "--out", out)
    assert res.code == 0
    (entry,) = read_manifest(out)["sets"]
    assert entry["command"] == f"dualion diagram paired-vacancy --out {out}"
    assert {f["path"] for f in entry["files"]} >= {"diagram.png", "diagram.svg", "diagram.json"}
    assert verify(out, strict=True).ok
