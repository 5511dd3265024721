"""The run journal: a SQLite file in the state folder that makes a run resumable.

It records, for each input in discovery order, what happened to it (status, code, output name),
plus every UID and PatientID the run replaced. Rows are added strictly in input order, so after
a crash the journal holds a contiguous prefix of the inputs: ``--resume`` skips exactly those and
redoes the rest. A row is committed only after its output file is renamed into place and the
folders holding it are flushed to disk, so "journalled" implies "on disk".

The journal maps input paths and identifiers to their replacements: it is key material, which is
why it lives in the state folder beside OUT and never inside it.

Memory stays flat whatever the size of the run: collision checks are index look-ups, and the
report and mapping files are streamed out of the database.
"""
from __future__ import annotations

import json
import os
import sqlite3
from typing import Any, Iterator

JOURNAL_NAME = "journal.sqlite"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    idx INTEGER PRIMARY KEY,
    input TEXT NOT NULL,
    output TEXT,
    status TEXT NOT NULL,
    code TEXT,
    message TEXT NOT NULL DEFAULT '',
    warnings TEXT NOT NULL DEFAULT '[]',
    quarantine TEXT,
    elapsed REAL NOT NULL DEFAULT 0,
    bytes_in INTEGER NOT NULL DEFAULT 0,
    bytes_out INTEGER NOT NULL DEFAULT 0
);
-- Case-insensitive so that the output tree can be copied to macOS or Windows unchanged.
CREATE UNIQUE INDEX IF NOT EXISTS files_output ON files (output COLLATE NOCASE)
    WHERE output IS NOT NULL;
CREATE TABLE IF NOT EXISTS uids (old TEXT PRIMARY KEY, new TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS patients (old TEXT PRIMARY KEY, new TEXT) WITHOUT ROWID;
"""


class Journal:
    def __init__(self, path: str):
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk when it returns (the journal vouches for the outputs).
        self.db.execute("PRAGMA synchronous=FULL")
        # One transaction: a new journal then costs one flush, not one per statement.
        self.db.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
        self._in_tx = False

    # -- run identity
    def get_meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta"))

    def set_meta(self, values: dict[str, Any]) -> None:
        self.begin()
        self.db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                            [(k, v if isinstance(v, str) else json.dumps(v, sort_keys=True))
                             for k, v in values.items()])
        self.commit()

    def reset(self) -> None:
        """Forget every file (``--overwrite``); the mapping tables go too."""
        self.begin()
        for table in ("meta", "files", "uids", "patients"):
            self.db.execute(f"DELETE FROM {table}")
        self.commit()

    # -- transactions: rows are batched, and committed at checkpoints
    def begin(self) -> None:
        if not self._in_tx:
            self.db.execute("BEGIN IMMEDIATE")
            self._in_tx = True

    def commit(self) -> None:
        if self._in_tx:
            self.db.execute("COMMIT")
            self._in_tx = False

    @property
    def in_transaction(self) -> bool:
        return self._in_tx

    def close(self) -> None:
        """Close; rows not committed are dropped (their outputs may not be in place)."""
        try:
            if self._in_tx:
                self.db.execute("ROLLBACK")
                self._in_tx = False
        finally:
            self.db.close()

    # -- files
    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM files").fetchone()[0]

    def inputs(self) -> Iterator[tuple[int, str]]:
        yield from self.db.execute("SELECT idx, input FROM files ORDER BY idx")

    def output_taken(self, rel: str) -> bool:
        return self.db.execute("SELECT 1 FROM files WHERE output = ? COLLATE NOCASE",
                               (rel,)).fetchone() is not None

    def add(self, rec: dict[str, Any]) -> None:
        self.begin()
        self.db.execute(
            "INSERT INTO files (idx, input, output, status, code, message, warnings, "
            "quarantine, elapsed, bytes_in, bytes_out) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (rec["idx"], rec["input"], rec.get("output"), rec["status"], rec.get("code"),
             rec.get("message") or "", json.dumps(rec.get("warnings") or []),
             rec.get("quarantine"), round(rec.get("elapsed", 0.0), 6), rec.get("bytes_in", 0),
             rec.get("bytes_out", 0)))
        uid_map = rec.get("uid_map")
        if uid_map:
            self.db.executemany("INSERT OR IGNORE INTO uids (old, new) VALUES (?, ?)",
                                uid_map.items())
        pid = rec.get("patient")
        if pid is not None and pid[0] is not None:
            self.db.execute("INSERT OR IGNORE INTO patients (old, new) VALUES (?, ?)", pid)

    def files(self, where: str = "", limit: int | None = None) -> Iterator[dict[str, Any]]:
        sql = ("SELECT idx, input, output, status, code, message, warnings, quarantine, elapsed, "
               f"bytes_in, bytes_out FROM files {where} ORDER BY idx")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        for (idx, inp, out, status, code, msg, warns, q, elapsed, bi, bo) in self.db.execute(sql):
            yield {"input": inp, "output": out, "status": status, "code": code, "message": msg,
                   "warnings": json.loads(warns), "quarantine": q, "elapsed": elapsed,
                   "bytes_in": bi, "bytes_out": bo}

    def not_written(self, limit: int) -> Iterator[dict[str, Any]]:
        return self.files("WHERE status != 'ok'", limit)

    def totals(self) -> dict[str, Any]:
        row = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(bytes_in),0), COALESCE(SUM(bytes_out),0), "
            "COALESCE(SUM(elapsed),0), COALESCE(SUM(warnings != '[]'),0) FROM files").fetchone()
        by_status = dict(self.db.execute("SELECT status, COUNT(*) FROM files GROUP BY status"))
        by_code = dict(self.db.execute(
            "SELECT code, COUNT(*) FROM files WHERE code IS NOT NULL GROUP BY code ORDER BY code"))
        warn_codes: dict[str, int] = {}
        for (warns,) in self.db.execute("SELECT warnings FROM files WHERE warnings != '[]'"):
            for w in json.loads(warns):
                warn_codes[w.get("code")] = warn_codes.get(w.get("code"), 0) + 1
        return {"files": row[0], "bytes_in": row[1], "bytes_out": row[2], "cpu_elapsed": row[3],
                "files_with_warnings": row[4], "by_status": by_status, "by_code": by_code,
                "warnings_by_code": dict(sorted(warn_codes.items(), key=lambda kv: str(kv[0])))}

    def uid_rows(self) -> Iterator[tuple[str, str]]:
        yield from self.db.execute("SELECT old, new FROM uids ORDER BY old")

    def patient_rows(self) -> Iterator[tuple[str, str | None]]:
        yield from self.db.execute("SELECT old, new FROM patients ORDER BY old")


def open_journal(state_dir: str) -> Journal:
    os.makedirs(state_dir, exist_ok=True)
    return Journal(os.path.join(state_dir, JOURNAL_NAME))


def journal_exists(state_dir: str) -> bool:
    return os.path.isfile(os.path.join(state_dir, JOURNAL_NAME))
