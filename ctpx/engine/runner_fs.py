"""File-system primitives of the runner: read-only input, temporary output, durable renames.

Durability is batched. Workers write each output to a temporary file without flushing it; at a
checkpoint the coordinator flushes the whole output file system once (``syncfs``), renames the
batch into place, flushes again so the renames themselves are on disk, and only then commits
the journal. A power cut therefore leaves either a complete output or none (never a partial
``.dcm``), and never a journalled file that is missing. One flush per batch instead of one
``fsync`` per file is what keeps small-file throughput close to a plain copy.
"""
from __future__ import annotations

import os
import stat

_O_NOATIME = getattr(os, "O_NOATIME", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _load_syncfs():
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.syncfs
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


_syncfs = _load_syncfs()


def _load_sync_file_range():
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_sync_file_range = _load_sync_file_range()
_SYNC_FILE_RANGE_WRITE = 2
#: Outputs at least this large start their write-back as soon as they are written.
EARLY_WRITEBACK_BYTES = 128 << 10


def read_input(path: str) -> bytes:
    """The whole file, opened read-only, without following a link and without touching atime."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | _O_CLOEXEC
    try:
        fd = os.open(path, flags | _O_NOATIME)
    except PermissionError:
        # O_NOATIME is refused on files the user does not own; atime is then the kernel's call.
        fd = os.open(path, flags)
    with os.fdopen(fd, "rb", buffering=0) as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{path}: not a regular file any more")
        data = f.read(st.st_size) if st.st_size else b""
        # The file may have grown since fstat; read to the end so nothing is silently cut.
        more = f.read()
        if more:
            data += more
    return data


def write_temp(data, tmp: str, fsync: bool = False) -> None:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_CLOEXEC, 0o644)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        if fsync:
            os.fsync(fd)
        elif len(data) >= EARLY_WRITEBACK_BYTES and _sync_file_range is not None:
            # Start writing to disk now, without waiting: the checkpoint's flush then finds
            # little left to do, so the disk works while the workers keep de-identifying.
            _sync_file_range(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)
    except BaseException:
        os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    os.close(fd)


def fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass   # some file systems refuse fsync on folders; their renames are synchronous
    finally:
        os.close(fd)


def write_file_atomic(data, final: str, tmp_dir: str, tag: str) -> None:
    """A one-off durable file (a quarantine copy): temporary name, fsync, rename, fsync."""
    tmp = os.path.join(tmp_dir, f"{tag}.{os.getpid()}.part")
    write_temp(data, tmp, fsync=True)
    folder = os.path.dirname(final)
    os.makedirs(folder, exist_ok=True)
    os.replace(tmp, final)
    fsync_dir(folder)


class Flusher:
    """Makes a batch of outputs durable: ``data(tmps)`` before the renames, ``names(dirs)``
    after them. Uses one ``syncfs`` of the output file system where Linux offers it, and
    per-file ``fsync`` elsewhere."""

    def __init__(self, anchor: str, enabled: bool = True):
        self.enabled = enabled
        self.fd = None
        if enabled and _syncfs is not None:
            try:
                self.fd = os.open(anchor, os.O_RDONLY | _O_CLOEXEC)
            except OSError:
                self.fd = None

    def _syncfs(self) -> bool:
        if self.fd is None:
            return False
        return _syncfs(self.fd) == 0

    def data(self, tmps: list[str]) -> None:
        if not self.enabled or self._syncfs():
            return
        for t in tmps:
            fd = os.open(t, os.O_RDONLY | _O_CLOEXEC)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def names(self, dirs) -> None:
        if not self.enabled or self._syncfs():
            return
        for d in sorted(dirs):
            fsync_dir(d)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
