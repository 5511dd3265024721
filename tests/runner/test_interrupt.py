"""Killed, interrupted and failing runs: no partial output, and --resume finishes the job with
exactly the bytes an uninterrupted run gives."""
from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from ctpx.engine import runner_worker
from ctpx.engine.runner import apply_tree
from ctpx.errors import CtpxError

from .helpers import dicom_bytes, script_file, tree_digest, write

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def big_tree(root, files: int) -> None:
    """Enough files that a run lasts past its first checkpoint (one second, or 1,000 files)."""
    per_patient = 50
    for i in range(files):
        p, inst = divmod(i, per_patient)
        write(os.path.join(root, f"PAT{p:03d}", f"S{inst % 2}", f"IM{inst:03d}.dcm"),
              dicom_bytes(p, 0, inst % 2, inst))


def flat_tree_and_reference(tmp_path, files: int, patients: int):
    """``files`` flat inputs over ``patients`` patients, the test script, and the output of an
    uninterrupted single-process run to compare with: (src, script, ref)."""
    src = tmp_path / "in"
    for i in range(files):
        write(src / f"f{i:02d}.dcm", dicom_bytes(i % patients, instance=i))
    script = script_file(tmp_path)
    ref = tmp_path / "ref"
    apply_tree(script, src, ref, jobs=1, quiet=True)
    return src, script, ref


def cli(*args) -> list[str]:
    return [sys.executable, "-m", "ctpx", "apply", *map(str, args)]


def start(args) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=ROOT)


def journal_rows(state) -> int:
    import sqlite3
    path = os.path.join(state, "journal.sqlite")
    if not os.path.exists(path):
        return 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def wait_for_journal(state, proc, timeout: float = 60.0) -> None:
    """Until a first batch is journalled, so that --resume has a prefix to skip."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if journal_rows(state) > 0:
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be interrupted: {proc.communicate()}")
        time.sleep(0.005)
    pytest.fail("nothing was journalled")


def wait_for_outputs(out, proc, minimum: int = 1, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = 0
        for _, _, files in os.walk(out):
            n += sum(1 for f in files if f.endswith(".dcm"))
        if n >= minimum:
            return n
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be interrupted: {proc.communicate()}")
        time.sleep(0.002)
    pytest.fail("no output appeared")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A 3,000-file tree, its uninterrupted reference output and mapping."""
    base = tmp_path_factory.mktemp("corpus")
    src = base / "in"
    big_tree(src, 3000)
    script = script_file(base)
    ref = base / "ref"
    rep = apply_tree(script, src, ref, jobs=1, quiet=True, mapping=str(base / "ref-map"))
    assert rep.exit_status == 0 and rep.summary["ok"] == 3000
    return {"src": src, "script": script, "ref": ref, "digest": tree_digest(ref),
            "map": tree_digest(base / "ref-map")}


def test_sigkill_leaves_no_partial_output_and_resume_is_byte_identical(tmp_path, corpus):
    out, m = tmp_path / "out", tmp_path / "map"
    proc = start(cli(corpus["script"], corpus["src"], out, "--jobs", "2", "--quiet",
                     "--mapping", m))
    wait_for_journal(tmp_path / "out.ctpx-state", proc)
    proc.send_signal(signal.SIGKILL)          # the coordinator only; its workers must follow
    proc.wait()
    time.sleep(0.2)
    partial = tree_digest(out)
    ref = corpus["digest"]
    dcm = {k: v for k, v in partial.items() if k.endswith(".dcm")}
    assert dcm, "nothing was written before the kill"
    assert len(dcm) < len(ref), "the run finished before the kill"
    # every .dcm present is complete: the very bytes of the uninterrupted run
    for rel, digest in dcm.items():
        assert ref.get(rel) == digest, rel
    # anything else is a temporary file in OUT/.ctpx-tmp, never a .dcm
    assert all(k.startswith(".ctpx-tmp/") and k.endswith(".part")
               for k in partial if not k.endswith(".dcm"))
    assert not (tmp_path / "out.ctpx-report.json").exists()

    done = subprocess.run(cli(corpus["script"], corpus["src"], out, "--jobs", "2", "--quiet",
                              "--resume", "--mapping", m, "--format", "json"),
                          capture_output=True, cwd=ROOT, text=True)
    assert done.returncode == 0, done.stderr
    assert tree_digest(out) == ref
    assert tree_digest(m) == corpus["map"]
    report = json.loads((tmp_path / "out.ctpx-report.json").read_text())
    assert report["resumed"] is True and report["summary"]["files"] == 3000
    assert report["summary"]["processed_this_run"] < 3000
    assert [f["input"] for f in report["files"]] == sorted(f["input"] for f in report["files"])


def test_ctrl_c_finishes_in_flight_files_writes_the_report_and_exits_130(tmp_path, corpus):
    out = tmp_path / "out"
    proc = start(cli(corpus["script"], corpus["src"], out, "--jobs", "2", "--quiet"))
    wait_for_outputs(out, proc)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    report = json.loads((tmp_path / "out.ctpx-report.json").read_text())
    assert report["interrupted"] is True
    n = report["summary"]["files"]
    assert 0 < n < 3000
    # every file the report lists as ok is in place, complete, and nothing else is
    written = tree_digest(out)
    listed = {f["output"] for f in report["files"] if f["status"] == "ok"}
    assert set(written) == listed
    for rel, digest in written.items():
        assert corpus["digest"][rel] == digest
    rep = apply_tree(corpus["script"], corpus["src"], out, jobs=2, quiet=True, resume=True)
    assert rep.exit_status == 0 and rep.resumed
    assert tree_digest(out) == corpus["digest"]


def test_resume_refuses_a_different_script_or_changed_inputs(tmp_path):
    src = tmp_path / "in"
    for i in range(6):
        write(src / f"f{i}.dcm", dicom_bytes(i))
    script = script_file(tmp_path)
    out = tmp_path / "out"
    apply_tree(script, src, out, jobs=1, quiet=True)
    other = script_file(tmp_path, open(script).read().replace("@hash(this,10)", "@hash(this,9)"),
                        "other.script")
    with pytest.raises(CtpxError) as e:
        apply_tree(other, src, out, jobs=1, quiet=True, resume=True)
    assert e.value.code == "OUT05" and "script" in e.value.message
    with pytest.raises(CtpxError) as e:
        apply_tree(script, src, out, jobs=1, quiet=True, resume=True, params={"DATEINC": "5"})
    assert e.value.code == "OUT05" and "params" in e.value.message
    os.unlink(src / "f0.dcm")
    with pytest.raises(CtpxError) as e:
        apply_tree(script, src, out, jobs=1, quiet=True, resume=True)
    assert e.value.code == "OUT05" and "changed" in e.value.message
    # a finished run resumes to the same result without redoing anything
    write(src / "f0.dcm", dicom_bytes(0))
    rep = apply_tree(script, src, out, jobs=1, quiet=True, resume=True)
    assert rep.summary["processed_this_run"] == 0 and rep.summary["ok"] == 6


def test_disk_full_stops_the_run_and_resume_completes_it(tmp_path, monkeypatch):
    src, script, ref = flat_tree_and_reference(tmp_path, 12, 3)

    real = runner_worker.write_temp
    calls = {"n": 0}

    def full_disk(data, tmp, **kw):
        calls["n"] += 1
        if calls["n"] > 7:
            raise OSError(errno.ENOSPC, "No space left on device", tmp)
        return real(data, tmp, **kw)

    monkeypatch.setattr(runner_worker, "write_temp", full_disk)
    out = tmp_path / "out"
    with pytest.raises(CtpxError) as e:
        apply_tree(script, src, out, jobs=1, quiet=True)
    assert e.value.code == "OUT04" and "disk is full" in e.value.message
    report = json.loads((tmp_path / "out.ctpx-report.json").read_text())
    assert report["fatal"].startswith("OUT04") and report["summary"]["exit_status"] == 2
    assert report["summary"]["files"] == 7
    assert all(v == tree_digest(ref)[k] for k, v in tree_digest(out).items()
               if k.endswith(".dcm"))
    monkeypatch.setattr(runner_worker, "write_temp", real)
    rep = apply_tree(script, src, out, jobs=1, quiet=True, resume=True)
    assert rep.exit_status == 0
    assert tree_digest(out) == tree_digest(ref)


def test_a_worker_that_dies_quarantines_its_file_and_the_run_goes_on(tmp_path, monkeypatch):
    """Stands in for a decoder crash or the out-of-memory killer: the worker process exits
    abruptly on one file (workers are forked, so the patched method is theirs too)."""
    src, script, ref = flat_tree_and_reference(tmp_path, 40, 4)

    real = runner_worker.Worker.process

    def crash_on_f17(self, idx, rel, path):
        if rel == "f17.dcm":
            os._exit(9)
        return real(self, idx, rel, path)

    monkeypatch.setattr(runner_worker.Worker, "process", crash_on_f17)
    if "fork" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("needs fork to carry the patch into workers")
    rep = apply_tree(script, src, tmp_path / "out", jobs=2, quiet=True)
    got = {f["input"]: (f["status"], f["code"]) for f in rep.files}
    assert got.pop("f17.dcm") == ("quarantined", "OUT15")
    assert set(got.values()) == {("ok", None)} and len(got) == 39
    assert rep.exit_status == 1
    ref_digest = tree_digest(ref)
    out_digest = tree_digest(tmp_path / "out")
    assert len(out_digest) == 39 and set(out_digest.items()) <= set(ref_digest.items())


def test_disk_full_in_a_worker_process_keeps_the_journal_a_prefix(tmp_path, monkeypatch):
    if "fork" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("needs fork to carry the patch into workers")
    src, script, ref = flat_tree_and_reference(tmp_path, 30, 5)

    real = runner_worker.write_temp

    def full_at_11(data, tmp, **kw):
        if os.path.basename(tmp).startswith("11."):
            raise OSError(errno.ENOSPC, "No space left on device", tmp)
        return real(data, tmp, **kw)

    monkeypatch.setattr(runner_worker, "write_temp", full_at_11)
    out = tmp_path / "out"
    with pytest.raises(CtpxError) as e:
        apply_tree(script, src, out, jobs=2, quiet=True)
    assert e.value.code == "OUT04"
    report = json.loads((tmp_path / "out.ctpx-report.json").read_text())
    assert [f["input"] for f in report["files"]] == [f"f{i:02d}.dcm" for i in range(11)]
    written = tree_digest(out)
    assert all(k.startswith(".ctpx-tmp/") or tree_digest(ref)[k] == v
               for k, v in written.items())
    assert sum(1 for k in written if k.endswith(".dcm")) == 11
    monkeypatch.setattr(runner_worker, "write_temp", real)
    rep = apply_tree(script, src, out, jobs=2, quiet=True, resume=True)
    assert rep.exit_status == 0 and rep.summary["processed_this_run"] == 19
    assert tree_digest(out) == tree_digest(ref)


def test_integer_numbers_ignore_which_worker_finishes_first(tmp_path, monkeypatch):
    """The first file is slow, so the second worker reaches its files (new patients) first;
    the numbers must still follow the walk order."""
    if "fork" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("needs fork to carry the patch into workers")
    src = tmp_path / "in"
    for p in range(40):
        write(src / f"p{p:02d}.dcm", dicom_bytes(p))
    real = runner_worker.Worker.process

    def slow_first(self, idx, rel, path):
        if rel == "p00.dcm":
            time.sleep(0.5)
        return real(self, idx, rel, path)

    monkeypatch.setattr(runner_worker.Worker, "process", slow_first)
    rep = apply_tree(script_file(tmp_path), src, tmp_path / "out", jobs=2, quiet=True)
    got = [f["output"].split("/")[0] for f in rep.files]
    assert got == [f"{i:04d}" for i in range(1, 41)]


def test_ctrl_c_in_a_single_process_run(tmp_path, monkeypatch):
    src, script, ref = flat_tree_and_reference(tmp_path, 12, 3)
    real = runner_worker.Worker.process

    def interrupt_at_5(self, idx, rel, path):
        rec = real(self, idx, rel, path)
        if idx == 4:
            os.kill(os.getpid(), signal.SIGINT)   # as if Ctrl-C were pressed now
        return rec

    monkeypatch.setattr(runner_worker.Worker, "process", interrupt_at_5)
    out = tmp_path / "out"
    rep = apply_tree(script, src, out, jobs=1, quiet=True)
    assert rep.interrupted and rep.exit_status == 130
    assert [f["input"] for f in rep.files] == [f"f{i:02d}.dcm" for i in range(5)]
    assert len(tree_digest(out)) == 5
    monkeypatch.setattr(runner_worker.Worker, "process", real)
    rep = apply_tree(script, src, out, jobs=1, quiet=True, resume=True)
    assert rep.exit_status == 0 and tree_digest(out) == tree_digest(ref)
