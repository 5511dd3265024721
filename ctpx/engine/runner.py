"""The folder runner: de-identify a tree of DICOM files with one script (``ctpx apply``).

``apply_tree(script, IN, OUT, **options) -> RunReport``. The guarantees a curator relies on:

- inputs are opened read-only and never modified; symbolic links are never followed;
- every output is written to ``OUT/.ctpx-tmp`` and renamed into place only when complete and
  flushed, so a killed run leaves no partial ``.dcm``;
- outputs are named and journalled strictly in input order, which makes collision suffixes and
  ``@integer`` numbers independent of the number of workers and of timing: two runs with the same
  inputs, script and parameters give byte-identical trees, and ``--resume`` after a kill gives the
  same tree as a run that was never interrupted;
- the run report, the journal, the @integer store and the mapping files identify patients, so
  they are kept beside OUT, never inside it.

The unit of work is one file (``runner_worker.Worker.process``); this module walks IN, hands
files to workers, and names, journals and reports the results in order.
"""
from __future__ import annotations

import datetime as _dt
import errno
import gc
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from .. import __version__
from ..errors import CtpxError, OutputError, UsageError
from . import runner_paths as paths
from .runner_discovery import Entry, count_files, walk
from .runner_fs import Flusher, fsync_dir
from .runner_journal import Journal, journal_exists, open_journal
from .runner_progress import Progress
from .runner_worker import Worker, WorkerConfig

REPORT_FORMAT = "ctpx-apply-report/1"
UID_MAPPING = "uid_mapping.csv"
PATIENT_MAPPING = "patid_mapping.csv"
MAPPING_CONFLICTS = "mapping_conflicts.csv"
MASK = "*****"
LOCK_NAME = "lock"

EXIT_OK, EXIT_NOT_ALL_OK, EXIT_FATAL, EXIT_INTERRUPTED = 0, 1, 2, 130

# Parameter names that hold secrets (the @encrypt key, passwords, tokens) by convention.
_SECRET_NAME = re.compile(r"KEY|SECRET|PASSW|PASSPHRASE|TOKEN|CREDENTIAL|PWD", re.I)

# How often the journal is committed (and the folders holding new outputs flushed).
CHECKPOINT_SECONDS = 1.0
CHECKPOINT_FILES = 1000


@dataclass
class RunReport:
    """What a run did.

    ``summary`` and ``meta`` are the report's summary and header; ``not_written`` holds the
    first ``SAMPLE`` files that were skipped or quarantined. ``iter_files()`` streams the
    per-file records back from the written report (one record per line, so a 500,000-file
    report is never loaded whole); ``files`` is the same as a list, for small runs and tests.
    """

    report_path: str | None
    out: str
    summary: dict[str, Any]
    exit_status: int
    interrupted: bool = False
    resumed: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    not_written: list[dict[str, Any]] = field(default_factory=list)

    def iter_files(self) -> Iterator[dict[str, Any]]:
        if not self.report_path:
            return
        with open(self.report_path, encoding="utf-8") as f:
            for line in f:
                if line.startswith('  "files": ['):
                    break
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    break
                yield json.loads(line.rstrip(","))

    @property
    def files(self) -> list[dict[str, Any]]:
        return list(self.iter_files())


#: How many not-written files a RunReport carries for display.
SAMPLE = 50


# ---------------------------------------------------------------------------------------------
# Script identity and secrets

def _load(script_or_path) -> tuple[Any, str, str | None]:
    """(Script IR, sha256 of the script text, path or None)."""
    from ..script import load_script
    from ..script.ir import Script
    if isinstance(script_or_path, Script):
        from ..script.printer import to_xml
        text = to_xml(script_or_path).encode("utf-8")
        return script_or_path, hashlib.sha256(text).hexdigest(), script_or_path.path
    path = os.fspath(script_or_path)
    script = load_script(path)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return script, digest, os.path.abspath(path)


def secret_params(script) -> set[str]:
    """Parameters whose values must not appear in a report: key-like names, and every
    parameter used as the key of @encrypt/@decrypt."""
    from ..script.ir import ParamRef
    names = {p.name for p in script.param_items if _SECRET_NAME.search(p.name)}
    for rule in script.rules:
        for call in rule.expr.calls():
            if call.name in ("encrypt", "decrypt"):
                for arg in call.args[1:]:
                    if isinstance(arg, ParamRef):
                        names.add(arg.name)
    return names


def masked_params(script, overrides: dict[str, str]) -> dict[str, str]:
    secret = secret_params(script) | {k for k in overrides if _SECRET_NAME.search(k)}
    values = dict(script.params)
    values.update(overrides)
    return {k: (MASK if k in secret else v) for k, v in sorted(values.items())}


def _sha256_file(path: str | None) -> str | None:
    if not path:
        return None
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Small file-system helpers

def _atomic_text(path: str, write, fsync: bool = True) -> None:
    """Write a text file through a temporary name beside it, then rename."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    # backslashreplace: a file name that is not UTF-8 becomes a JSON \udcXX escape, not an error
    with open(tmp, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as f:
        write(f)
        f.flush()
        if fsync:
            os.fsync(f.fileno())
    os.replace(tmp, path)
    if fsync:
        fsync_dir(folder)


def _is_empty_dir(path: str) -> bool:
    with os.scandir(path) as it:
        return next(it, None) is None


class _Lock:
    """An exclusive lock on the state folder, or with ``out=True`` on the output folder itself:
    two runs into one OUT would interleave their outputs and clear each other's temporary
    files, even with different state folders. ``flock`` is released by the kernel when the
    holder dies, so a killed run never leaves a stale lock."""

    def __init__(self, folder: str, out: bool = False):
        self.folder = folder
        self.out = out
        self.fd = None

    def acquire(self) -> None:
        if self.out:   # the folder itself: nothing is added to OUT
            self.fd = os.open(self.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        else:
            self.fd = os.open(os.path.join(self.folder, LOCK_NAME), os.O_RDWR | os.O_CREAT,
                              0o600)
        try:
            import fcntl
        except ImportError:  # Windows: no advisory lock; the journal's own locking remains
            return
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            self.fd = None
            what = "writing into" if self.out else "using the state folder"
            raise UsageError(f"another ctpx apply is {what} {self.folder}",
                             code="OUT06") from None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


# ---------------------------------------------------------------------------------------------
# The run

@dataclass
class _Plan:
    script: Any
    script_sha: str
    script_path: str | None
    params: dict[str, str]
    lookup: str | None
    mode: str
    layout: str
    in_root: str            # real path
    out: str                # absolute path (the output folder, or the output file)
    single: bool
    state: str
    report: str | None
    quarantine: str | None
    mapping: str | None
    jobs: int
    resume: bool
    overwrite: bool
    fsync: bool

    def identity(self) -> dict[str, Any]:
        """What must match for --resume to continue an earlier run."""
        secret_values = sorted(self.params.items())
        return {
            "format": REPORT_FORMAT,
            "script_sha256": self.script_sha,
            "params_sha256": hashlib.sha256(json.dumps(secret_values).encode()).hexdigest(),
            "lookup_sha256": _sha256_file(self.lookup) or "",
            "mode": self.mode,
            "layout": self.layout,
            "input": self.in_root,
            "output": self.out,
            "single_file": "yes" if self.single else "no",
        }


def apply_tree(script_or_path, in_dir, out_dir, *, params: dict[str, str] | None = None,
               lookup: str | None = None, mode: str = "ctp", report: str | None = None,
               jobs: int | None = None, layout: str = "hierarchy", resume: bool = False,
               overwrite: bool = False, quarantine: str | None = None,
               mapping: str | None = None, state: str | None = None, quiet: bool = False,
               progress_stream=None, fsync: bool = True,
               handle_signals: bool = True) -> RunReport:
    """De-identify ``in_dir`` (a folder, or one file) into ``out_dir`` with a CTP script.

    Raises ``CtpxError`` (codes USE, OUT, SC, IO, ...) for anything that stops the run before or
    during it; per-file problems are recorded in the report instead. See docs/apply.md.
    """
    plan = _plan(script_or_path, in_dir, out_dir, params or {}, lookup, mode, report, jobs,
                 layout, resume, overwrite, quarantine, mapping, state, fsync)
    run = _Run(plan, quiet=quiet, progress_stream=progress_stream,
               handle_signals=handle_signals)
    return run.execute()


def _plan(script_or_path, in_dir, out_dir, params, lookup, mode, report, jobs, layout, resume,
          overwrite, quarantine, mapping, state, fsync) -> _Plan:
    if mode not in ("ctp", "safe"):
        raise UsageError(f"unknown mode {mode!r}; choose ctp or safe")
    if layout not in paths.LAYOUTS:
        raise UsageError(f"unknown layout {layout!r}; choose {' or '.join(paths.LAYOUTS)}")
    if resume and overwrite:
        raise UsageError("--resume and --overwrite exclude each other")
    if jobs is None or jobs <= 0:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
            (os.cpu_count() or 1)
    in_dir, out_dir = os.fspath(in_dir), os.fspath(out_dir)
    if not os.path.exists(in_dir):
        raise UsageError(f"IN does not exist: {in_dir}", code="OUT07")
    single = not os.path.isdir(in_dir)
    in_root = paths.real(in_dir)
    if single and not os.path.isfile(in_root):
        raise UsageError(f"IN is neither a folder nor a regular file: {in_dir}", code="OUT07")
    out = os.path.abspath(out_dir)
    if lookup is not None and not os.path.isfile(lookup):
        raise UsageError(f"lookup table not found: {lookup}", code="OUT07")
    state = os.path.abspath(state) if state else paths.default_state_dir(out)
    report = os.path.abspath(report) if report else paths.default_report_path(out)
    quarantine = os.path.abspath(quarantine) if quarantine else None
    mapping = os.path.abspath(mapping) if mapping else None
    paths.check_apart(in_root, out, single_file=single, report=report, state=state,
                      quarantine=quarantine, mapping=mapping)
    if quarantine and paths.real(quarantine) == paths.real(state):
        raise UsageError("--quarantine and --state must be different folders", code="OUT03")
    script, sha, spath = _load(script_or_path)
    return _Plan(script, sha, spath, dict(params), os.path.abspath(lookup) if lookup else None,
                 mode, layout, in_root, out, single, state, report, quarantine, mapping, jobs,
                 resume, overwrite, fsync)


class _Run:
    def __init__(self, plan: _Plan, *, quiet: bool, progress_stream, handle_signals: bool):
        self.plan = plan
        self.quiet = quiet
        self.stream = progress_stream if progress_stream is not None else sys.stderr
        self.handle_signals = handle_signals
        self.compiled = None
        self.stop_reason: str | None = None     # "interrupted" once Ctrl-C was seen
        self.journal: Journal | None = None
        self.tmp_dir = os.path.join(plan.out, paths.TMP_DIR) if not plan.single else \
            os.path.join(os.path.dirname(plan.out), paths.TMP_DIR + "-" + os.path.basename(plan.out))
        self._made_dirs: set[str] = set()
        self._dirty_dirs: set[str] = set()
        self._renames: list[tuple[str, str]] = []
        self.flusher: Flusher | None = None
        self._since_commit = 0
        self._last_commit = time.monotonic()
        self.processed = 0

    # -- set-up -------------------------------------------------------------------------------
    def _prepare_out(self) -> bool:
        """Check OUT against --resume/--overwrite; returns True when resuming."""
        p = self.plan
        has_journal = journal_exists(p.state)
        if p.single:
            if os.path.isdir(p.out):
                raise UsageError(f"IN is a file, so OUT names the output file, but {p.out} is a "
                                 f"folder", code="OUT02")
            exists = os.path.exists(p.out)
            if exists and not (p.resume or p.overwrite):
                raise UsageError(f"OUT exists: {p.out} (use --overwrite to replace it)",
                                 code="OUT02")
            try:
                os.makedirs(os.path.dirname(p.out), exist_ok=True)
            except OSError as e:
                raise OutputError(f"cannot create the folder of OUT {p.out}: {e.strerror or e}",
                                  code="OUT04")
            return bool(p.resume and has_journal)
        if os.path.exists(p.out) and not os.path.isdir(p.out):
            raise UsageError(f"OUT exists and is not a folder: {p.out}", code="OUT02")
        non_empty = os.path.isdir(p.out) and not _is_empty_dir(p.out)
        if non_empty and not (p.resume or p.overwrite):
            raise UsageError(f"OUT is not empty: {p.out} (use --resume to continue an interrupted "
                             f"run, or --overwrite)", code="OUT02")
        if p.resume and non_empty and not has_journal:
            raise UsageError(f"nothing to resume: OUT is not empty but {p.state} holds no run "
                             f"journal", code="OUT05")
        try:
            os.makedirs(p.out, exist_ok=True)
        except OSError as e:
            raise OutputError(f"cannot create OUT {p.out}: {e.strerror or e}", code="OUT04")
        return bool(p.resume and has_journal)

    def _check_identity(self, journal: Journal) -> None:
        old = journal.get_meta()
        new = {k: (v if isinstance(v, str) else json.dumps(v, sort_keys=True))
               for k, v in self.plan.identity().items()}
        if not old:
            return
        differ = sorted(k for k in new if old.get(k) != new[k])
        if differ:
            raise UsageError("cannot resume: this run differs from the interrupted one in "
                             + ", ".join(differ) + " (use --overwrite to start again)",
                             code="OUT05")

    def _clean_tmp(self) -> None:
        if os.path.isdir(self.tmp_dir):
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
        if self.plan.quarantine:
            qtmp = os.path.join(self.plan.quarantine, paths.TMP_DIR)
            if os.path.isdir(qtmp):
                shutil.rmtree(qtmp, ignore_errors=True)

    # -- entries ------------------------------------------------------------------------------
    def _entries(self) -> Iterator[Entry]:
        p = self.plan
        if p.single:
            st = os.stat(p.in_root)
            yield Entry(paths.display_name(os.path.basename(p.in_root)), p.in_root,
                        size=st.st_size)
            return
        exclude = tuple(paths.real(x) for x in (p.state, p.quarantine, p.mapping) if x)
        yield from walk(p.in_root, exclude)

    def _skip_done(self, entries: Iterator[Entry], journal: Journal) -> tuple[int, Iterator[Entry]]:
        """Advance past the journalled prefix, checking that IN still lists the same files."""
        done = 0
        for idx, rel in journal.inputs():
            e = next(entries, None)
            if idx != done or e is None or e.rel != rel:
                raise UsageError("cannot resume: the files under IN changed since the interrupted "
                                 f"run (at {rel!r}); use --overwrite to start again",
                                 code="OUT05")
            done += 1
        return done, entries

    # -- naming and journalling, strictly in input order ---------------------------------------
    def _finalize(self, rec: dict[str, Any]) -> None:
        p = self.plan
        out_rel = None
        if rec["status"] == "ok":
            if p.single:
                out_rel = os.path.basename(p.out)
                final = p.out
            else:
                if p.layout == "hierarchy":
                    base = paths.hierarchy_path(rec["ids_new"])
                else:
                    base = paths.mirror_path(rec["input"])
                out_rel, n = base, 1
                while self.journal.output_taken(out_rel):
                    n += 1
                    out_rel = paths.with_suffix_number(base, n)
                final = os.path.join(p.out, *out_rel.split("/"))
            folder = os.path.dirname(final)
            self._makedirs(folder)
            self._renames.append((rec["tmp"], final))
            self._dirty_dirs.add(folder)
        row = dict(rec)
        row["output"] = out_rel
        self.journal.add(row)
        self._since_commit += 1
        self.processed += 1
        if self.progress is not None:
            self.progress.update(rec["status"])
        now = time.monotonic()
        if self._since_commit >= CHECKPOINT_FILES or now - self._last_commit >= CHECKPOINT_SECONDS:
            self._checkpoint()

    def _makedirs(self, folder: str) -> None:
        if folder in self._made_dirs:
            return
        missing = []
        f = folder
        while not os.path.isdir(f):
            missing.append(f)
            f = os.path.dirname(f)
        for d in reversed(missing):
            try:
                os.mkdir(d)
            except FileExistsError:
                pass
            # A new folder is durable only once its parent's entry is.
            self._dirty_dirs.add(os.path.dirname(d))
        self._made_dirs.add(folder)
        if len(self._made_dirs) > 4096:   # bounded: a cache, not a record
            self._made_dirs.clear()

    def _checkpoint(self) -> None:
        """Make the batch durable, rename it into place, then commit its journal rows."""
        if self._renames:
            self.flusher.data([t for t, _ in self._renames])
            for tmp, final in self._renames:
                try:
                    os.replace(tmp, final)
                except OSError as e:
                    raise self.output_error(e) from None
            self.flusher.names(self._dirty_dirs)
            self._renames.clear()
        self._dirty_dirs.clear()
        self.journal.commit()
        self._since_commit = 0
        self._last_commit = time.monotonic()

    # -- signals ------------------------------------------------------------------------------
    def _install_signals(self):
        if not self.handle_signals or not _main_thread():
            return None
        previous = {}

        def on_signal(signum, frame):
            if self.stop_reason is None:
                self.stop_reason = "interrupted"
                if self.progress is not None:
                    self.progress.note("ctpx apply: interrupted; finishing the files in progress "
                                       "(press Ctrl-C again to abandon them)")
            else:
                signal.signal(signal.SIGINT, signal.default_int_handler)
                raise KeyboardInterrupt

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
        return previous

    @staticmethod
    def _restore_signals(previous) -> None:
        if previous:
            for sig, h in previous.items():
                signal.signal(sig, h)

    # -- main ---------------------------------------------------------------------------------
    def execute(self) -> RunReport:
        p = self.plan
        self.progress = None
        self.started = _dt.datetime.now(_dt.timezone.utc)
        self.t0 = time.monotonic()
        # Compile once here, so a script the engine refuses stops the run before any output.
        self._probe_compile()
        resumed = self._prepare_out()
        os.makedirs(p.state, exist_ok=True)
        lock = _Lock(p.state)
        out_lock = _Lock(p.out, out=True) if not p.single else None
        lock.acquire()
        if out_lock is not None:
            try:
                out_lock.acquire()
            except BaseException:
                lock.release()
                raise
        try:
            self.journal = open_journal(p.state)
            if resumed:
                self._check_identity(self.journal)
            else:
                self.journal.reset()
            self.journal.set_meta(p.identity())
            self._clean_tmp()
            try:
                os.makedirs(self.tmp_dir, exist_ok=True)
                if p.quarantine:
                    os.makedirs(os.path.join(p.quarantine, paths.TMP_DIR), exist_ok=True)
            except OSError as e:
                raise self.output_error(e) from None
            self.flusher = Flusher(self.tmp_dir, p.fsync)
            entries = self._entries()
            start = 0
            if resumed:
                start, entries = self._skip_done(entries, self.journal)
            total = None if not p.single else 1
            self.progress = Progress(total, quiet=self.quiet, stream=self.stream,
                                     initial=start)
            previous = self._install_signals()
            counter = None
            fatal: CtpxError | None = None
            try:
                if not p.single and not self.quiet:   # the total serves the progress only
                    counter = _Counter(p.in_root, tuple(paths.real(x) for x in
                                                         (p.state, p.quarantine, p.mapping) if x))
                if p.jobs <= 1:
                    self._run_inline(entries, start, counter)
                else:
                    from .runner_pool import run_pool
                    run_pool(self, entries, start, counter)
            except OutputError as e:
                fatal = e
            finally:
                self._restore_signals(previous)
                if counter is not None:
                    counter.close()
                self.progress.close()
            try:
                self._checkpoint()
            except OutputError as e:
                fatal = fatal or e
            if fatal is not None:
                try:   # a report of what was done, if the disk still takes it
                    self._finish(resumed, fatal)
                except CtpxError:
                    pass
                raise fatal
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            if p.quarantine:
                shutil.rmtree(os.path.join(p.quarantine, paths.TMP_DIR), ignore_errors=True)
            return self._finish(resumed)
        finally:
            if self.journal is not None:
                try:
                    # Files finished before an abort are complete: put them in place and
                    # journal them, so that --resume does not redo them.
                    if self._renames or self.journal.in_transaction:
                        self._checkpoint()
                except Exception:
                    pass
                self.journal.close()
            if self.flusher is not None:
                self.flusher.close()
            if out_lock is not None:
                out_lock.release()
            lock.release()

    def _probe_compile(self) -> None:
        """Compile once before any file is touched (script errors stop the run here); workers
        forked later inherit the result."""
        from . import compile_script
        p = self.plan
        self.compiled = compile_script(p.script, params=p.params, lookup_path=p.lookup,
                                       mode=p.mode, integers=None)

    def _integer_state(self) -> str | None:
        """The state folder, where the script calls @integer: its store lives there. Other
        scripts get none (a store costs each worker a database to open)."""
        return self.plan.state if "integer" in self.compiled.functions else None

    def worker_config(self) -> WorkerConfig:
        p = self.plan
        return WorkerConfig(script=p.script, params=p.params, lookup_path=p.lookup, mode=p.mode,
                            in_root=p.in_root, tmp_dir=self.tmp_dir,
                            quarantine_dir=p.quarantine, state_dir=self._integer_state(),
                            fsync=p.fsync,
                            compiled=self.compiled)

    def immediate_record(self, idx: int, e: Entry) -> dict[str, Any]:
        """The record of an entry that is reported without being opened (links, devices)."""
        return {"idx": idx, "input": e.rel, "status": "skipped", "code": e.code,
                "message": e.message, "warnings": [], "elapsed": 0.0}

    def _run_inline(self, entries: Iterator[Entry], start: int, counter) -> None:
        from .runner_integers import make_integers
        integers, _ = make_integers(self._integer_state(), None, os.getpid())
        worker = Worker(self.worker_config(), integers)
        idx = start
        # What exists now outlives the run: the collector need not walk it after every few
        # hundred files' objects. Unfrozen afterwards, for the caller's sake.
        gc.freeze()
        try:
            for e in entries:
                if self.stop_reason:
                    break
                if counter is not None:
                    counter.poll(self.progress)
                if e.code is not None:
                    self._finalize(self.immediate_record(idx, e))
                else:
                    try:
                        rec = worker.process(idx, e.rel, e.path)
                    except OSError as err:
                        raise self.output_error(err) from None
                    self._finalize(rec)
                idx += 1
        finally:
            gc.unfreeze()

    def output_error(self, err: OSError) -> OutputError:
        where = f" ({err.filename})" if getattr(err, "filename", None) else ""
        hint = " -- the disk is full" if err.errno == errno.ENOSPC else ""
        return OutputError(f"cannot write an output{where}: {err.strerror or err}{hint}; rerun "
                           f"with --resume once this is fixed", code="OUT04")

    # -- the end ------------------------------------------------------------------------------
    def _finish(self, resumed: bool, fatal: CtpxError | None = None) -> RunReport:
        p = self.plan
        t = self.journal.totals()
        by_status = t["by_status"]
        wall = time.monotonic() - self.t0
        interrupted = self.stop_reason == "interrupted"
        not_ok = by_status.get("skipped", 0) + by_status.get("quarantined", 0)
        if fatal is not None:
            exit_status = EXIT_FATAL
        elif interrupted:
            exit_status = EXIT_INTERRUPTED
        else:
            exit_status = EXIT_NOT_ALL_OK if not_ok else EXIT_OK
        summary = {
            "files": t["files"],
            "ok": by_status.get("ok", 0),
            "skipped": by_status.get("skipped", 0),
            "quarantined": by_status.get("quarantined", 0),
            "not_dicom": t["by_code"].get("OUT10", 0),
            "files_with_warnings": t["files_with_warnings"],
            "mapping_conflicts": self.journal.conflict_count(),
            "by_code": t["by_code"],
            "warnings_by_code": t["warnings_by_code"],
            "bytes_in": t["bytes_in"],
            "bytes_out": t["bytes_out"],
            "processed_this_run": self.processed,
            "elapsed_s": round(wall, 3),
            "files_per_s": round(self.processed / wall, 1) if wall > 0 else None,
            "mb_per_s": None,
            "exit_status": exit_status,
        }
        # Throughput of this invocation (a resumed run counts only what it did itself).
        if wall > 0 and t["files"]:
            share = self.processed / t["files"]
            summary["mb_per_s"] = round(t["bytes_in"] * share / wall / 1e6, 2)
        meta = {
            "format": REPORT_FORMAT,
            "ctpx_version": __version__,
            "started": self.started.isoformat(timespec="seconds"),
            "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "interrupted": interrupted,
            "resumed": resumed,
            "fatal": None if fatal is None else f"{fatal.code} {fatal.message}",
            "input": p.in_root,
            "output": p.out,
            "single_file": p.single,
            "layout": p.layout,
            "mode": p.mode,
            "jobs": p.jobs,
            "script": {"path": p.script_path, "sha256": p.script_sha},
            "lookup": ({"path": p.lookup, "sha256": _sha256_file(p.lookup)} if p.lookup else None),
            "parameters": masked_params(p.script, p.params),
            "state": p.state,
            "quarantine": p.quarantine,
            "mapping": p.mapping,
        }
        if p.mapping:
            self._write_mapping()
        if p.report:
            self._write_report(meta, summary)
        sample = list(self.journal.not_written(SAMPLE))
        return RunReport(p.report, p.out, summary, exit_status, interrupted, resumed, meta,
                         sample)

    def _write_report(self, meta: dict[str, Any], summary: dict[str, Any]) -> None:
        journal = self.journal

        def write(f):
            # Streamed: the file list of a 500,000-file run never sits in memory at once.
            f.write("{\n")
            for k, v in meta.items():
                f.write(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n")
            f.write(f'  "summary": {json.dumps(summary, ensure_ascii=False)},\n')
            f.write('  "files": [')
            first = True
            for rec in journal.files():
                f.write("\n    " if first else ",\n    ")
                f.write(json.dumps(rec, ensure_ascii=False))
                first = False
            f.write("\n  ]\n}\n")

        try:
            _atomic_text(self.plan.report, write, self.plan.fsync)
        except OSError as e:
            raise OutputError(f"cannot write the run report {self.plan.report}: "
                              f"{e.strerror or e}", code="OUT04") from None

    def _write_mapping(self) -> None:
        import csv
        journal = self.journal

        def writer(header, rows):
            def write(f):
                w = csv.writer(f, lineterminator="\n")
                w.writerow(header)
                for row in rows():
                    w.writerow(["" if v is None else v for v in row])
            return write

        d = self.plan.mapping
        pair = ["id_old", "id_new"]
        try:
            _atomic_text(os.path.join(d, UID_MAPPING), writer(pair, journal.uid_rows),
                         self.plan.fsync)
            _atomic_text(os.path.join(d, PATIENT_MAPPING), writer(pair, journal.patient_rows),
                         self.plan.fsync)
            _atomic_text(os.path.join(d, MAPPING_CONFLICTS),
                         writer(["kind", "id_old", "id_new_kept", "id_new_other", "input"],
                                journal.conflict_rows), self.plan.fsync)
        except OSError as e:
            raise OutputError(f"cannot write the mapping files in {d}: {e.strerror or e}",
                              code="OUT04") from None


def _main_thread() -> bool:
    import threading
    return threading.current_thread() is threading.main_thread()


class _Counter:
    """Counts the files under IN in a child process, so the progress bar gets a total (and an
    ETA) without delaying the start, and without a thread in a process that forks workers."""

    def __init__(self, root: str, exclude: tuple[str, ...]):
        import multiprocessing as mp
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        self.conn, child = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_count_main, args=(root, exclude, child), daemon=True)
        self.proc.start()
        child.close()
        self.total = None

    def poll(self, progress) -> None:
        if self.total is None and self.conn.poll():
            try:
                self.total = self.conn.recv()
            except (EOFError, OSError):
                self.total = -1
                return
            if progress is not None:
                progress.set_total(self.total)

    def close(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join(timeout=5)
        self.conn.close()


def _count_main(root, exclude, conn) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        conn.send(count_files(root, exclude))
    finally:
        conn.close()
