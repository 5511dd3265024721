"""Reading inputs: whole small files, only the start of large ones, and inputs that change."""
from __future__ import annotations

import os

import pytest

from ctpx.engine import runner_fs
from ctpx.engine.runner import apply_tree
from ctpx.engine.runner_fs import HEAD_BYTES, WHOLE_BELOW, InputFile

from .helpers import dicom_bytes, script_file, tree_digest, write

BIG = 256 * 1024   # pixels: 512 KiB of pixel data, a file well above WHOLE_BELOW


def test_small_files_are_read_whole_and_large_ones_from_their_start(tmp_path):
    small = write(tmp_path / "small.dcm", dicom_bytes(1))
    big_bytes = dicom_bytes(2, pixels=BIG)
    assert len(big_bytes) >= WHOLE_BELOW
    big = write(tmp_path / "big.dcm", big_bytes)
    with InputFile(small) as f:
        assert f.complete and f.data == dicom_bytes(1) and f.unchanged()
    with InputFile(big) as f:
        assert not f.complete and f.data == big_bytes[:HEAD_BYTES] and f.size == len(big_bytes)
        assert f.unchanged()
        assert f.read_all() == big_bytes and f.complete and f.unchanged()
    with InputFile(big) as f:
        with open(big, "ab") as g:
            g.write(b"\0\0")
        assert not f.unchanged()


def _run(tmp_path, src, name, **kw):
    return apply_tree(script_file(tmp_path), src, tmp_path / name, quiet=True, jobs=1, **kw)


def test_reading_only_the_start_gives_the_same_outputs(tmp_path, monkeypatch):
    src = tmp_path / "in"
    for i in range(3):
        write(src / f"ct{i}.dcm", dicom_bytes(i, instance=i, pixels=BIG))
    write(src / "small.dcm", dicom_bytes(7))
    reads = []
    real = InputFile.read_all
    monkeypatch.setattr(InputFile, "read_all", lambda self: reads.append(1) or real(self))
    rep = _run(tmp_path, src, "start")
    assert rep.summary["ok"] == 4 and not reads   # the pixel data was never read by Python
    monkeypatch.setattr(runner_fs, "WHOLE_BELOW", 1 << 40)
    _run(tmp_path, src, "whole")
    assert tree_digest(tmp_path / "start") == tree_digest(tmp_path / "whole")


@pytest.mark.parametrize("how", ["truncated", "rewritten"])
def test_an_input_cut_or_rewritten_after_it_was_read_is_refused(tmp_path, monkeypatch, how):
    src = tmp_path / "in"
    victim = write(src / "b.dcm", dicom_bytes(2, pixels=BIG))
    os.utime(victim, ns=(10**18, 10**18))   # so that any later write shows in its mtime
    for name in ("a.dcm", "c.dcm"):
        write(src / name, dicom_bytes(ord(name[0]), pixels=BIG))
    real_init = InputFile.__init__

    def init(self, path):
        real_init(self, path)
        if os.path.basename(path) == "b.dcm":   # someone else writes to it right after
            if how == "truncated":
                os.truncate(victim, HEAD_BYTES + 100)
            else:
                with open(victim, "r+b") as f:
                    f.seek(-4, os.SEEK_END)
                    f.write(b"XXXX")
    monkeypatch.setattr(InputFile, "__init__", init)
    rep = _run(tmp_path, src, "out")
    recs = {r["input"]: r for r in rep.iter_files()}
    assert recs["b.dcm"]["status"] == "quarantined" and recs["b.dcm"]["code"] == "RUN12"
    assert "changed while" in recs["b.dcm"]["message"]
    assert recs["a.dcm"]["status"] == recs["c.dcm"]["status"] == "ok"
    outs = [f for _, _, fs in os.walk(tmp_path / "out") for f in fs]
    assert len(outs) == 2 and all(f.endswith(".dcm") for f in outs)
