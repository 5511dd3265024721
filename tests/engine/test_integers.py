"""@integer stores: in memory, and SQLite shared by several processes."""
from __future__ import annotations

import multiprocessing as mp
import os
import pickle

import pytest

from ctpx.engine.integers import MemoryIntegers, SqliteIntegers, open_integers


def test_memory_store_numbers_each_type_from_one():
    s = MemoryIntegers()
    assert [s.get("ptid", "a"), s.get("ptid", "b"), s.get("ptid", "a"), s.get("acc", "a")] == [1, 2, 1, 1]
    assert s.peek("ptid", "b") == 2 and s.peek("ptid", "zz") is None
    assert pickle.loads(pickle.dumps(s)).get("ptid", "b") == 2


def test_sqlite_store_persists(tmp_path):
    s = SqliteIntegers(str(tmp_path))
    assert s.get("ptid", "a") == 1 and s.get("ptid", "b") == 2
    s.close()
    again = SqliteIntegers(str(tmp_path))
    assert again.peek("ptid", "a") == 1 and again.get("ptid", "c") == 3
    assert pickle.loads(pickle.dumps(again)).get("ptid", "b") == 2


def _worker(args):
    folder, keys = args
    store = SqliteIntegers(folder)
    return [(k, store.get("ptid", k)) for k in keys]


def test_sqlite_store_is_consistent_across_processes(tmp_path):
    keys = [f"k{i % 40}" for i in range(200)]
    chunks = [(str(tmp_path), keys[i::4]) for i in range(4)]
    with mp.get_context("spawn").Pool(4) as pool:
        results = [pair for part in pool.map(_worker, chunks) for pair in part]
    given = {}
    for k, n in results:
        assert given.setdefault(k, n) == n          # one number per key, in every process
    assert sorted(given.values()) == list(range(1, 41))   # no number handed out twice


def test_open_integers_specs(tmp_path):
    assert isinstance(open_integers(None), MemoryIntegers)
    assert open_integers(False) is None
    assert isinstance(open_integers(str(tmp_path)), SqliteIntegers)
    store = MemoryIntegers()
    assert open_integers(store) is store
    with pytest.raises(TypeError):
        open_integers(42)


def _open_and_count(folder, barrier):
    from ctpx.engine.integers import SqliteIntegers
    barrier.wait()
    store = SqliteIntegers(folder)
    return store.get("t", str(os.getpid()))


def test_many_processes_can_create_the_store_at_once(tmp_path):
    import multiprocessing as mp
    ctx = mp.get_context("fork")
    n = 12
    with ctx.Manager() as m:
        barrier = m.Barrier(n)
        with ctx.Pool(n) as pool:
            values = pool.starmap(_open_and_count, [(str(tmp_path), barrier)] * n)
    assert sorted(values) == list(range(1, n + 1))
