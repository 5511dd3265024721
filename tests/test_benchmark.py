"""The benchmark's own helpers: what they compute and copy, never how fast (no timed tests)."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from .runner.helpers import tree_digest, write

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("ctpx_bench_run",
                                                  os.path.join(ROOT, "benchmarks", "run.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_paired_ratio_is_per_round_throughput(bench):
    # b took 0.1 s in every round; a took 0.2, 0.4 and 0.25 s: a's throughput is 0.5x, 0.25x
    # and 0.4x of b's.
    r = {"a": {"rounds": [0.2, 0.4, 0.25]}, "b": {"rounds": [0.1, 0.1, 0.1]}}
    assert bench.paired(r, "a", "b") == "0.25x to 0.50x, median **0.40x** (3 rounds)"


def test_paired_without_rounds_says_so(bench):
    assert bench.paired({"a": {}, "b": {"rounds": [0.1]}}, "a", "b") == "n/a"


@pytest.mark.parametrize("mode", ["plain", "durable"])
def test_file_system_floor_copies_every_byte(bench, tmp_path, mode):
    src = tmp_path / "src"
    files = [bytes([i]) * (1000 + 4099 * i) for i in range(5)]
    for i, data in enumerate(files):
        write(src / f"p{i}/s/{i}.dcm", data)
    dst = tmp_path / "dst"
    proc = subprocess.run([sys.executable, "-c", bench.FS_FLOOR, str(src), str(dst), "2", mode],
                          capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout)["run"] > 0
    copied = tree_digest(dst)
    assert sorted(copied.values()) == sorted(hashlib.sha256(d).hexdigest() for d in files)
    # the durable floor renames its temporary names away, as the runner does
    assert all(rel.endswith(".dcm") for rel in copied)


def test_evict_leaves_files_as_they_were(bench, tmp_path):
    write(tmp_path / "a/b.dcm", b"x" * 10000)
    write(tmp_path / "c.dcm", b"")
    before = tree_digest(tmp_path)
    bench.evict(str(tmp_path))
    bench.evict(str(tmp_path / "missing"))   # nothing there: nothing to do
    assert tree_digest(tmp_path) == before and len(before) == 2


def test_fresh_gives_a_new_folder_each_time(bench, tmp_path):
    a = bench.fresh(str(tmp_path), "x")
    os.makedirs(a)
    b = bench.fresh(str(tmp_path), "x")
    assert a != b and not os.path.exists(b)


def _contender(t):
    return {"run": t, "wall": t + 0.1, "files_per_s": 100 / t, "mb_per_s": 1 / t,
            "rounds": [t, t * 1.5]}


def test_table_shows_every_contender_and_ratio(bench):
    keys = ["cp", "cp_sync", "fs", "fs_durable", "pydicom", "apply_j1", "apply_j2",
            "apply_noflush"]
    corpus = {"files": 100, "bytes": 10**6}
    corpus.update({k: _contender(0.1 * (i + 1)) for i, k in enumerate(keys)})
    text = bench.fmt_table({"corpora": {"ct": corpus}}, 2)
    for label in ("`cp -r` (copy floor)", "kept safe against a power cut",
                  "`ctpx apply --jobs 2`", "round by round"):
        assert label in text
    # apply_j2 took 0.7 s and cp 0.1 s in the best rounds: 0.14x
    assert "`--jobs 2` / copy floor: **0.14x**" in text


def test_timed_runs_go_without_the_memory_monitor(bench):
    wall, peak, out = bench.run_cmd([sys.executable, "-c", "print('hi')"], monitor=False)
    assert (peak, out.strip()) == (None, "hi") and wall > 0


def test_memory_monitor_sees_the_process(bench):
    pytest.importorskip("psutil")
    _, peak, _ = bench.run_cmd([sys.executable, "-c", "import time; time.sleep(0.2)"])
    assert peak > 1 << 20   # an interpreter is more than a megabyte


def test_high_water_is_at_least_the_current_size(bench):
    psutil = pytest.importorskip("psutil")
    me = psutil.Process()
    assert bench._high_water(me) >= me.memory_info().rss * 0.9
