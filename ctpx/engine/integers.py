"""``@integer`` counters: the same ``keyType/value`` always gets the same number, from 1 up.

``MemoryIntegers`` keeps the counters in a dict (one run, one process). ``SqliteIntegers`` keeps
them in ``<state folder>/integers.sqlite``; every assignment is one ``BEGIN IMMEDIATE``
transaction, so several worker processes sharing the folder hand out each number once and agree
on every key. Numbering depends on the order in which values arrive, as it does in CTP (whose
counters live in a jdbm database under the stage root): it is not reproducible from the script
alone.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time


class MemoryIntegers:
    def __init__(self):
        self._values: dict[tuple[str, str], int] = {}
        self._last: dict[str, int] = {}
        self._lock = threading.Lock()

    def get(self, key_type: str, text: str) -> int:
        with self._lock:
            k = (key_type, text)
            v = self._values.get(k)
            if v is None:
                v = self._last.get(key_type, 0) + 1
                self._last[key_type] = v
                self._values[k] = v
            return v

    def peek(self, key_type: str, text: str) -> int | None:
        """The number already given to ``key_type/text``, or None (nothing is assigned)."""
        return self._values.get((key_type, text))

    def __getstate__(self):
        return {"values": dict(self._values), "last": dict(self._last)}

    def __setstate__(self, state):
        self._values = state["values"]
        self._last = state["last"]
        self._lock = threading.Lock()


class SqliteIntegers:
    """Counters in a SQLite database shared by processes (WAL journal, immediate transactions)."""

    FILENAME = "integers.sqlite"

    def __init__(self, folder: str, timeout: float = 60.0):
        os.makedirs(folder, exist_ok=True)
        self.folder = folder
        self.path = os.path.join(folder, self.FILENAME)
        self.timeout = timeout
        self._conn = None
        self._pid = None
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS counters (type TEXT PRIMARY KEY, last INTEGER NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS integers (type TEXT NOT NULL, text TEXT NOT NULL, "
                       "value INTEGER NOT NULL, PRIMARY KEY (type, text))")

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            _use_wal(conn, self.timeout)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._conn = conn
            self._pid = os.getpid()
        return self._conn

    def peek(self, key_type: str, text: str) -> int | None:
        """The number already given to ``key_type/text``, or None (nothing is assigned)."""
        row = self._connect().execute("SELECT value FROM integers WHERE type=? AND text=?",
                                      (key_type, text)).fetchone()
        return None if row is None else row[0]

    def get(self, key_type: str, text: str) -> int:
        found = self.peek(key_type, text)
        if found is not None:
            return found
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT value FROM integers WHERE type=? AND text=?",
                             (key_type, text)).fetchone()
            if row is None:
                cur = db.execute("SELECT last FROM counters WHERE type=?", (key_type,)).fetchone()
                value = (cur[0] if cur else 0) + 1
                db.execute("INSERT OR REPLACE INTO counters (type, last) VALUES (?, ?)",
                           (key_type, value))
                db.execute("INSERT INTO integers (type, text, value) VALUES (?, ?, ?)",
                           (key_type, text, value))
            else:
                value = row[0]
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return value

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __getstate__(self):
        return {"folder": self.folder, "timeout": self.timeout}

    def __setstate__(self, state):
        self.__init__(state["folder"], state["timeout"])


def _use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch a new database to WAL. SQLite answers "database is locked" at once, without
    waiting for its busy timeout, when several processes make that switch together: retry."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def open_integers(spec) -> object | None:
    """An integer store from what ``compile_script(integers=...)`` was given.

    None -> a new in-memory store; a path (str/PathLike) -> the SQLite store in that folder;
    ``False`` -> no store at all (``@integer`` then quarantines, as CTP does without a table);
    anything with a ``get(key_type, text)`` method is used as is.
    """
    if spec is None:
        return MemoryIntegers()
    if spec is False:
        return None
    if isinstance(spec, (str, os.PathLike)):
        return SqliteIntegers(os.fspath(spec))
    if hasattr(spec, "get"):
        return spec
    raise TypeError(f"not an integer store: {spec!r}")
