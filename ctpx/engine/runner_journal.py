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
-- An original value that files replaced in different ways ('' for a PatientID removed): uids and
-- patients keep the first replacement, this table the others, with the input that made each.
CREATE TABLE IF NOT EXISTS conflicts (
    kind TEXT NOT NULL,
    old TEXT NOT NULL,
    new TEXT NOT NULL,
    input TEXT NOT NULL,
    PRIMARY KEY (kind, old, new)
) WITHOUT ROWID;
"""

#: Replacements recently journalled, per kind: most files of a series repeat its study, series
#: and frame-of-reference UIDs and its PatientID, and those need no database look-up. Bounded,
#: so memory stays flat.
_KNOWN_MAX = 4096
#: The ``kind`` a conflict row gives each mapping table.
_KIND = {"uids": "uid", "patients": "patient"}


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
        self._known: dict[str, dict[str, str | None]] = {"uids": {}, "patients": {}}

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
        for table in ("meta", "files", "uids", "patients", "conflicts"):
            self.db.execute(f"DELETE FROM {table}")
        self.commit()
        for known in self._known.values():
            known.clear()

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
            for old, new in uid_map.items():
                self._replaced("uids", old, new, rec["input"])
        pid = rec.get("patient")
        if pid is not None and pid[0] is not None:
            self._replaced("patients", pid[0], pid[1], rec["input"])

    def _replaced(self, table: str, old: str, new: str | None, input_rel: str) -> None:
        """Journal that ``old`` became ``new``; the first replacement of a value is the one
        kept, and a different later one is recorded as a conflict."""
        known = self._known[table]
        if old in known:
            kept = known[old]
        else:
            row = self.db.execute(f"SELECT new FROM {table} WHERE old = ?", (old,)).fetchone()
            if row is None:
                self.db.execute(f"INSERT INTO {table} (old, new) VALUES (?, ?)", (old, new))
                kept = new
            else:
                kept = row[0]
            if len(known) >= _KNOWN_MAX:
                known.clear()
            known[old] = kept
        if kept != new:
            self.db.execute("INSERT OR IGNORE INTO conflicts (kind, old, new, input) "
                            "VALUES (?, ?, ?, ?)",
                            (_KIND[table], old, "" if new is None else new, input_rel))

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

    def conflict_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM conflicts").fetchone()[0]

    def conflict_rows(self) -> Iterator[tuple[str, str, str, str, str]]:
        """(kind, old, kept replacement, other replacement, input that made it), sorted."""
        yield from self.db.execute(
            "SELECT c.kind, c.old, COALESCE(u.new, p.new, ''), c.new, c.input FROM conflicts c "
            "LEFT JOIN uids u ON c.kind = 'uid' AND u.old = c.old "
            "LEFT JOIN patients p ON c.kind = 'patient' AND p.old = c.old "
            "ORDER BY c.kind, c.old, c.new")

    def uid_rows(self) -> Iterator[tuple[str, str]]:
        yield from self.db.execute("SELECT old, new FROM uids ORDER BY old")

    def patient_rows(self) -> Iterator[tuple[str, str | None]]:
        yield from self.db.execute("SELECT old, new FROM patients ORDER BY old")


def open_journal(state_dir: str) -> Journal:
    os.makedirs(state_dir, exist_ok=True)
    return Journal(os.path.join(state_dir, JOURNAL_NAME))


def journal_exists(state_dir: str) -> bool:
    return os.path.isfile(os.path.join(state_dir, JOURNAL_NAME))
