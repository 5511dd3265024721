"""Several worker processes for one run (``--jobs N``, N > 1).

Each worker has its own pair of pipes, so the coordinator always knows which files a worker
holds: if one dies (a crash in a decoder, the kernel's out-of-memory killer), the file it was on
is quarantined with ``OUT15`` and the files queued behind it go to a fresh worker. There is no
lock shared between workers that a dying process could leave held.

Memory stays flat: the coordinator hands out small chunks, at most ``WINDOW`` files ahead of the
first file not yet finished, and keeps only small records for finished files that wait for an
earlier one (results are named and journalled in input order).
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import selectors
import signal
import time
from collections import deque
from typing import Any, Iterator

from ..errors import CtpxError
from .runner_discovery import Entry
from .runner_integers import prepare_store
from .runner_worker import WORKER_DIED, worker_main

CHUNK_FILES = 16
CHUNK_BYTES = 8 << 20
PER_WORKER_FILES = 32     # files queued on one worker (about two chunks)
# Bytes queued on one worker: Ctrl-C waits for what workers hold, so a worker busy with a
# 1 GB multi-frame file gets nothing more until it is done.
PER_WORKER_BYTES = 2 * CHUNK_BYTES
WINDOW = 4096             # files handed out beyond the first unfinished one
PACE_QUEUED = 8           # files each worker must still hold for the coordinator to nap
PACE_SECONDS = 0.002


def _context():
    methods = mp.get_all_start_methods()
    # fork starts workers in milliseconds; the coordinator runs no threads when it forks.
    return mp.get_context("fork" if "fork" in methods else "spawn")


class _Handle:
    def __init__(self, ctx, cfg, parent_pid: int, lowwater, serial: int):
        self.tasks_r, self.tasks = ctx.Pipe(duplex=False)
        self.results, self.results_w = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=worker_main, name=f"ctpx-worker-{serial}",
                                args=(cfg, self.tasks_r, self.results_w, parent_pid, lowwater),
                                daemon=True)
        self.proc.start()
        # The child holds its own ends; closing ours lets EOF mean "the other side is gone".
        self.tasks_r.close()
        self.results_w.close()
        self.outstanding: deque[tuple[int, str, str, int]] = deque()   # idx, rel, path, size
        self.bytes = 0
        self.ready = False
        self.closed = False

    def send(self, chunk) -> None:
        self.tasks.send([item[:3] for item in chunk])
        self.outstanding.extend(chunk)
        self.bytes += sum(item[3] for item in chunk)

    def done(self, idx: int) -> None:
        if self.outstanding and self.outstanding[0][0] == idx:
            self.bytes -= self.outstanding.popleft()[3]

    def has_room(self) -> bool:
        return (not self.closed and len(self.outstanding) < PER_WORKER_FILES
                and self.bytes < PER_WORKER_BYTES)

    def stop(self) -> None:
        if not self.closed:
            try:
                self.tasks.send(None)
            except OSError:
                pass
            self.closed = True

    def close(self) -> None:
        for c in (self.tasks, self.results):
            try:
                c.close()
            except OSError:
                pass


class _Watch:
    """Waits for a result or the end of any worker. The selector lives as long as the set of
    workers does (the coordinator wakes up every few files; building a selector each time
    costs more than the wait)."""

    def __init__(self):
        self.sel = None
        self.handles: list[_Handle] = []

    def update(self, workers: list[_Handle]) -> None:
        if self.sel is not None and workers == self.handles:
            return
        # A worker came or went: start afresh rather than unregister descriptors that are
        # closed already, and whose numbers its replacement may be reusing.
        self.close()
        self.sel = (selectors.PollSelector if hasattr(selectors, "PollSelector")
                    else selectors.SelectSelector)()
        for w in workers:
            self.sel.register(w.results.fileno(), selectors.EVENT_READ, (w, False))
            self.sel.register(w.proc.sentinel, selectors.EVENT_READ, (w, True))
        self.handles = list(workers)

    def ready(self, timeout: float) -> list[tuple[_Handle, bool]]:
        """(worker, whether it ended) for each event; a worker's end comes after its results."""
        events = [key.data for key, _ in self.sel.select(timeout)]
        return sorted(events, key=lambda wd: wd[1])

    def close(self) -> None:
        if self.sel is not None:
            self.sel.close()
            self.sel = None


def _death_message(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (SIGKILL is what the out-of-memory killer sends)" if name == "SIGKILL" else ""
        return f"the worker process was killed by {name} while processing this file{hint}"
    return f"the worker process exited (status {exitcode}) while processing this file"


def run_pool(run, entries: Iterator[Entry], start: int, counter) -> None:
    """Process ``entries`` (indices from ``start``) with ``run.plan.jobs`` workers."""
    ctx = _context()
    cfg = run.worker_config()
    parent = os.getpid()
    # Shared with the workers only where @integer needs it (runner_integers); creating it
    # costs milliseconds.
    lowwater = ctx.RawValue("q", start) if cfg.state_dir else None
    serial = 0

    def spawn() -> _Handle:
        nonlocal serial
        serial += 1
        # Forked workers share the coordinator's memory until they write to it. The
        # collector's first pass in a worker would write to every object's header, copying
        # nearly every page; objects frozen at the fork are never visited there. The
        # coordinator unfreezes at once, so that a caller's garbage is still collected.
        gc.freeze()
        try:
            return _Handle(ctx, cfg, parent, lowwater, serial)
        finally:
            gc.unfreeze()

    if cfg.state_dir:
        prepare_store(cfg.state_dir)
    workers = [spawn() for _ in range(run.plan.jobs)]
    pending: dict[int, dict[str, Any]] = {}
    next_final = start          # the first index not yet named and journalled
    next_idx = start            # the next index to hand out
    exhausted = False
    fatal: CtpxError | None = None
    fatal_idx: int | None = None

    def finalize_ready() -> None:
        nonlocal next_final
        while next_final in pending:
            if fatal_idx is not None and next_final >= fatal_idx:
                break
            rec = pending.pop(next_final)
            run._finalize(rec)
            next_final += 1
        if lowwater is not None:
            lowwater.value = next_final

    def take_chunk(limit: int) -> list[tuple[int, str, str, int]]:
        nonlocal next_idx, exhausted
        chunk: list[tuple[int, str, str, int]] = []
        size = 0
        while len(chunk) < min(CHUNK_FILES, limit) and size < CHUNK_BYTES:
            if next_idx - next_final >= WINDOW:
                break
            e = next(entries, None)
            if e is None:
                exhausted = True
                break
            if e.code is not None:
                pending[next_idx] = run.immediate_record(next_idx, e)
                next_idx += 1
                continue
            chunk.append((next_idx, e.rel, e.path, e.size))
            size += e.size
            next_idx += 1
        return chunk

    def dispatch() -> None:
        while not exhausted and run.stop_reason is None and fatal is None:
            free = [w for w in workers if w.has_room()]
            if not free or next_idx - next_final >= WINDOW:
                return
            w = min(free, key=lambda h: len(h.outstanding))
            chunk = take_chunk(PER_WORKER_FILES - len(w.outstanding))
            if chunk:
                w.send(chunk)
            elif not exhausted:
                return

    def receive(w: _Handle) -> None:
        nonlocal fatal, fatal_idx
        while True:
            try:
                if not w.results.poll():
                    return
                msg = w.results.recv()
            except (EOFError, OSError):
                return
            kind = msg[0]
            if kind == "ready":
                w.ready = True
            elif kind == "fatal":
                raise CtpxError(f"a worker could not start: {msg[1]}", code="OUT16")
            else:
                rec = msg[1]
                w.done(rec["idx"])
                if "fatal_io" in rec:
                    if fatal is None or rec["idx"] < fatal_idx:
                        err = OSError(rec.get("errno"), rec["fatal_io"])
                        fatal, fatal_idx = run.output_error(err), rec["idx"]
                    continue
                pending[rec["idx"]] = rec

    def bury(w: _Handle) -> None:
        """A worker process ended: account for what it held, and replace it if needed."""
        receive(w)   # records it sent before dying
        w.proc.join(timeout=5)   # so that its exit status is known
        w.close()
        workers.remove(w)
        if not w.outstanding:
            if not w.closed and not exhausted:
                workers.append(spawn())
            return
        if not w.ready:
            raise CtpxError(f"a worker process exited before it was ready "
                            f"(exit status {w.proc.exitcode})", code="OUT16")
        idx, rel, _path, _size = w.outstanding.popleft()
        pending[idx] = {"idx": idx, "input": rel, "status": "quarantined", "code": WORKER_DIED,
                        "message": _death_message(w.proc.exitcode), "warnings": [],
                        "elapsed": 0.0}
        fresh = spawn()
        # The files queued behind the culprit go first to a fresh worker, lowest index first,
        # which keeps the @integer ordering argument intact.
        if w.outstanding:
            fresh.send(list(w.outstanding))
        workers.append(fresh)

    clean_exit = False
    watch = _Watch()
    # Not with @integer: there a worker may wait for the coordinator to take earlier results.
    pace = lowwater is None
    try:
        while True:
            dispatch()
            finalize_ready()
            if counter is not None:
                counter.poll(run.progress)
            if fatal is not None:
                # Stop once every file before the failing one is back. Files after it are
                # abandoned: their workers may be waiting for an @integer turn that must not
                # come before a resumed run reaches them.
                if not any(item[0] < fatal_idx for w in workers for item in w.outstanding):
                    break
            elif not any(w.outstanding for w in workers):
                if not pending and (exhausted or run.stop_reason is not None):
                    clean_exit = True
                    break
            if pace and run.stop_reason is None and fatal is None and \
                    all(len(w.outstanding) >= PACE_QUEUED for w in workers):
                # Every worker has work queued: let results gather, so that the coordinator
                # takes them a batch per wake-up instead of one, which leaves the CPU to the
                # workers.
                time.sleep(PACE_SECONDS)
            watch.update(workers)
            for w, dead in watch.ready(0.2):
                if w not in workers:
                    continue
                if dead:
                    bury(w)
                else:
                    receive(w)
            finalize_ready()
    finally:
        watch.close()
        if clean_exit:
            for w in workers:
                w.stop()
        for w in workers:
            if clean_exit:
                w.proc.join(timeout=10)
            if w.proc.is_alive():
                w.proc.kill()
            w.proc.join()
            w.close()
    if fatal is not None:
        # Outputs past the failing file stay as temporary files (never a .dcm); the journal
        # ends just before it, so --resume starts there.
        for idx, rec in pending.items():
            tmp = rec.get("tmp")
            if tmp:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        raise fatal
