"""The unit of work of a run: one input file in, one record (and maybe one temporary file) out.

``Worker.process`` reads the input once, read-only (a large file only up to its pixel data,
which is then copied from the input into the output), hands the bytes to the engine,
and writes a successful result to a temporary file inside OUT, not yet flushed: the coordinator
flushes a whole batch at once. It never names the final output: the coordinator does that in input order, which is what makes
collision suffixes deterministic. The same code runs in-process (``--jobs 1``) and in worker
processes.
"""
from __future__ import annotations

import gc
import os
import signal
import time
from dataclasses import dataclass
from typing import Any

from . import runner_paths as paths
from .runner_fs import InputFile, write_file_atomic, write_temp

NOT_DICOM = "OUT10"
DICOMDIR = "OUT11"
WORKER_DIED = "OUT15"
# Engine codes reused for the same meaning when the runner detects the problem itself.
READ_ERROR = "RUN12"
INTERNAL_ERROR = "RUN19"
ENGINE_NOT_DICOM = "RUN10"

_MEDIA_DIRECTORY_SOP_CLASS = b"1.2.840.10008.1.3.10"


@dataclass
class WorkerConfig:
    """Everything a worker needs; picklable, so it can cross into a spawned process."""

    script: Any                   # a Script IR
    params: dict[str, str]
    lookup_path: str | None
    mode: str
    in_root: str                  # real path of IN (a folder), or of the single input file
    tmp_dir: str                  # OUT/.ctpx-tmp
    quarantine_dir: str | None
    state_dir: str | None         # holds the @integer store
    fsync: bool = True
    compiled: Any = None          # the script compiled once by the coordinator, if any


def _is_dicomdir(rel: str, data: bytes) -> bool:
    if rel.rsplit("/", 1)[-1].upper() == "DICOMDIR":
        return True
    # The media storage SOP class sits in the file meta, within the first few hundred bytes.
    head = data[:1024]
    at = head.find(_MEDIA_DIRECTORY_SOP_CLASS)
    if at < 0:
        return False
    nxt = head[at + len(_MEDIA_DIRECTORY_SOP_CLASS):at + len(_MEDIA_DIRECTORY_SOP_CLASS) + 1]
    return not nxt or nxt not in b"0123456789."   # not the prefix of a longer UID


def looks_like_dicom(data: bytes) -> bool:
    """A cheap guess, used only to tell a DICOM file the engine refused (quarantined, for
    review) from a file that is not DICOM at all (a README, a thumbnail: reported, not copied).
    """
    if data[128:132] == b"DICM" or data[:4] == b"DICM":
        return True
    if len(data) < 8:
        return False
    for order in ("little", "big"):
        group = int.from_bytes(data[0:2], order)
        if group not in (0x0000, 0x0002, 0x0008, 0x0010, 0x0018, 0x0020, 0x0028):
            continue
        vr = data[4:6]
        if vr.isalpha() and vr.isupper():
            return True                       # explicit VR
        if int.from_bytes(data[4:8], order) <= len(data) - 8:
            return True                       # implicit VR, a length that fits
    return False


_DICOM_SUFFIXES = (".dcm", ".dicom", ".dic", ".ima")


def claims_dicom(rel: str, data: bytes) -> bool:
    """True when a file the engine cannot read still presents itself as DICOM (by content or
    by name): that is a damaged DICOM file, quarantined for review, not a stray document."""
    return rel.lower().endswith(_DICOM_SUFFIXES) or looks_like_dicom(data)


class Worker:
    """Takes the compiled script (or compiles it), then processes files one by one."""

    def __init__(self, cfg: WorkerConfig, integers=None):
        from .anonymize import run_bytes
        from .compile import compile_script
        self.cfg = cfg
        self._run = run_bytes
        if cfg.compiled is not None:
            self.compiled = cfg.compiled.with_integers(integers)
        else:
            self.compiled = compile_script(cfg.script, params=cfg.params,
                                           lookup_path=cfg.lookup_path, mode=cfg.mode,
                                           integers=integers)
        self.pid = os.getpid()
        # A folder of its own: file creations in one shared folder wait on each other's lock.
        self.tmp = os.path.join(cfg.tmp_dir, f"w{self.pid}")
        self._tmp_made = False

    def process(self, idx: int, rel: str, path: str) -> dict[str, Any]:
        t0 = time.perf_counter()
        rec: dict[str, Any] = {"idx": idx, "input": rel, "status": "quarantined", "code": None,
                               "message": "", "warnings": [], "tmp": None, "ids_new": None,
                               "uid_map": None, "patient": None, "quarantine": None,
                               "bytes_in": 0, "bytes_out": 0}
        try:
            src = InputFile(path)
        except OSError as e:
            rec.update(code=READ_ERROR, message=f"cannot read the input: {e.strerror or e}")
            rec["elapsed"] = time.perf_counter() - t0
            return rec
        try:
            self._process(rec, rel, src)
        finally:
            src.close()
        rec["elapsed"] = time.perf_counter() - t0
        return rec

    def _process(self, rec: dict[str, Any], rel: str, src: InputFile) -> None:
        data = src.data   # a large file's start only; the engine asks for the rest if needed
        rec["bytes_in"] = src.size
        if _is_dicomdir(rel, data):
            rec.update(status="skipped", code=DICOMDIR,
                       message="DICOMDIR (a media directory): its records name patients and "
                               "point at source paths; not written")
            return
        try:
            res, _ = self._run(self.compiled, data, size=src.size, read_all=src.read_all)
            if not res.ok:
                data = src.read_all()   # to judge and quarantine the whole file
        except OSError as e:
            rec.update(code=READ_ERROR, message=f"cannot read the input: {e.strerror or e}")
            return
        except Exception as e:  # the engine promises not to raise; keep the run alive if it does
            rec.update(code=INTERNAL_ERROR, message=f"the engine raised {type(e).__name__}: {e}")
            try:
                data = src.read_all()
            except OSError:
                return
            self._quarantine(rec, data)
            return
        rec["warnings"] = list(res.warnings or [])
        rec["message"] = res.message or ""
        if res.status == "ok":
            tmp = os.path.join(self.tmp, f"{rec['idx']}.part")
            # Not flushed here: the coordinator flushes a whole batch at once before renaming.
            # Large untouched values (pixel data) are copied straight from the input file.
            try:
                if not self._tmp_made:
                    os.makedirs(self.tmp, exist_ok=True)
                    self._tmp_made = True
                write_temp(res.output, tmp, src_fd=src.fd, early_writeback=self.cfg.fsync)
            except OSError:
                if src.unchanged():
                    raise   # the output side failed: the coordinator stops the run
                changed = True
            else:
                changed = not src.unchanged()
            if changed:
                # The copy came from a file that changed after it was read: the output
                # may mix two versions of it. Refuse it rather than guess.
                if os.path.exists(tmp):
                    os.unlink(tmp)
                rec.update(code=READ_ERROR, message="the input changed while it was being "
                                                    "de-identified; run again")
                return
            ids = res.ids or {}
            rec.update(status="ok", code=None, tmp=tmp, bytes_out=res.output.size,
                       ids_new={k: (ids.get(k) or (None, None))[1]
                                for k in paths.HIERARCHY_KEYS},
                       uid_map=dict(res.uid_map or {}),
                       patient=tuple(ids.get("PatientID") or (None, None)))
        elif res.code == ENGINE_NOT_DICOM and not claims_dicom(rel, data):
            rec.update(status="skipped", code=NOT_DICOM,
                       message="empty file" if not data else "not a DICOM file; not copied")
        else:
            rec.update(status=res.status, code=res.code)
            if res.status == "quarantined":
                self._quarantine(rec, data)

    def _quarantine(self, rec: dict[str, Any], data: bytes) -> None:
        qdir = self.cfg.quarantine_dir
        if not qdir:
            return
        rel = paths.mirror_path(rec["input"])
        final = os.path.join(qdir, *rel.split("/"))
        write_file_atomic(data, final, os.path.join(qdir, paths.TMP_DIR), str(rec["idx"]))
        rec["quarantine"] = rel


# ---------------------------------------------------------------------------------------------
# Worker processes

def _die_with_parent() -> None:
    """Ask Linux to kill this process when the coordinator dies: an orphan must not keep
    writing into OUT or taking @integer numbers that a resumed run will assign."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except Exception:
        pass   # elsewhere the worker notices the orphaning itself, between files


def worker_main(cfg: WorkerConfig, tasks, results, parent_pid: int, lowwater) -> None:
    """Body of a worker process: receive chunks of (idx, rel, path), send one record per file.

    Messages to the coordinator: ("ready",) once the script is compiled, ("rec", record) per
    file, ("fatal", text) if the worker cannot start.
    """
    _die_with_parent()
    # Ctrl-C and SIGTERM are the coordinator's to handle: it lets in-flight files finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.getppid() != parent_pid:
        return
    from .runner_integers import make_integers
    try:
        integers, ticket = make_integers(cfg.state_dir, lowwater, parent_pid)
        worker = Worker(cfg, integers)
    except BaseException as e:
        results.send(("fatal", f"{type(e).__name__}: {e}"))
        return
    # The compiled script and the modules live as long as this process: keep the cyclic
    # garbage collector from walking them again after every few hundred files' objects.
    gc.freeze()
    results.send(("ready",))
    while True:
        try:
            while not tasks.poll(1.0):
                if os.getppid() != parent_pid:
                    return   # orphaned: a resumed run will redo our files
            chunk = tasks.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for idx, rel, path in chunk:
            if os.getppid() != parent_pid:
                return
            if ticket is not None:
                ticket.current = idx
            try:
                rec = worker.process(idx, rel, path)
            except OSError as e:
                name = f" ({e.filename})" if getattr(e, "filename", None) else ""
                rec = {"idx": idx, "input": rel, "fatal_io": f"{e.strerror or e}{name}",
                       "errno": e.errno}
            results.send(("rec", rec))
