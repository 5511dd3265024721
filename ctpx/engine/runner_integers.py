"""``@integer`` numbers that do not depend on how many workers ran, or how fast.

CTP numbers a new value with the next integer in the order values arrive. With several workers
the arrival order is a race, so two runs of the same tree would disagree. The runner removes the
race: a worker may take a *new* number for file ``i`` only once every file before ``i`` (in
discovery order) is done. Looking up a number that already exists never waits.

This cannot deadlock: files are handed out in increasing order and each worker takes its own
files in order, so the lowest unfinished file is always being worked on and never waits.

``lowwater`` is a shared integer the coordinator keeps equal to the first index that is not yet
done; ``current`` is set by the worker before each file.
"""
from __future__ import annotations

import os
import time

from .integers import SqliteIntegers


class OrderedIntegers:
    """Wraps the engine's persistent store; new keys are taken in input order."""

    def __init__(self, store, lowwater, parent_pid: int):
        self.store = store
        self.lowwater = lowwater
        self.parent_pid = parent_pid
        self.current = -1
        # A store that cannot look up without assigning makes every look-up wait its turn:
        # still correct, only slower.
        self._peek = getattr(store, "peek", None) or (lambda key_type, text: None)

    def get(self, key_type: str, text: str) -> int:
        found = self._peek(key_type, text)
        if found is not None:
            return found
        self._wait_turn()
        return self.store.get(key_type, text)

    def _wait_turn(self) -> None:
        # Short sleeps: with a per-file key (an @integer of the SOP Instance UID) every file
        # waits here for the previous one, and the wake-up latency is then the run's pace.
        delay = 0.00005
        while self.lowwater.value < self.current:
            if os.getppid() != self.parent_pid:
                # The coordinator is gone; taking a number now could reorder the numbering
                # that a resumed run will rely on.
                os._exit(3)
            time.sleep(delay)
            delay = min(delay * 2, 0.001)


def prepare_store(state_dir: str) -> None:
    """Create the @integer database once, before workers start.

    Workers that open a new store at the same moment race to switch it to WAL mode, and SQLite
    answers the loser "database is locked" without waiting; an existing WAL database has no
    such race.
    """
    store = SqliteIntegers(state_dir)
    store.close()


def make_integers(state_dir: str | None, lowwater, parent_pid: int):
    """(store for compile_script, the ordering wrapper or None).

    Without ``lowwater`` (one process) the store is used as is: files arrive in order anyway.
    """
    if state_dir is None:
        return None, None
    store = SqliteIntegers(state_dir)
    if lowwater is None:
        return store, None
    ordered = OrderedIntegers(store, lowwater, parent_pid)
    return ordered, ordered
