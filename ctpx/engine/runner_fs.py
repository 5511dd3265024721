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


#: Inputs larger than ``WHOLE_BELOW`` are first read only this far: the engine needs the bytes
#: before the pixel data, and the pixel data itself is copied straight from the file.
HEAD_BYTES = 128 << 10
WHOLE_BELOW = 2 * HEAD_BYTES


class InputFile:
    """An input opened read-only, without following a link and without touching atime.

    ``data`` is the whole file, or for a large file its first ``HEAD_BYTES`` (``complete`` says
    which; ``read_all()`` reads the rest). It stays open while its output is written, so that
    large values can be copied straight from it; ``unchanged()`` says whether the file
    still is what was read.
    """

    def __init__(self, path: str):
        flags = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                 | _O_CLOEXEC)
        try:
            self.fd = os.open(path, flags | _O_NOATIME)
        except PermissionError:
            # O_NOATIME is refused on files the user does not own; atime is the kernel's call.
            self.fd = os.open(path, flags)
        try:
            st = os.fstat(self.fd)
            if not stat.S_ISREG(st.st_mode):
                raise OSError(f"{path}: not a regular file any more")
            self.size = st.st_size
            self._stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
            if st.st_size >= WHOLE_BELOW:
                self.data = self._read(0, HEAD_BYTES)
                self.complete = len(self.data) < HEAD_BYTES   # it shrank: unchanged() says so
            else:
                self.data = self._read(0, None)
                self.complete = True
        except BaseException:
            os.close(self.fd)
            raise

    def _read(self, offset: int, limit: int | None) -> bytes:
        """From ``offset`` to ``limit`` bytes or, without a limit, to the end: the file may have
        grown since fstat, and nothing may be cut."""
        chunks = []
        want = limit if limit is not None else max(self.size - offset, 1 << 16)
        got = 0
        while limit is None or got < limit:
            chunk = os.pread(self.fd, want, offset + got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
            want = (limit - got) if limit is not None else 1 << 16
        return b"".join(chunks) if len(chunks) != 1 else chunks[0]

    def read_all(self) -> bytes:
        """The whole file (reading the rest of it if only the start was read)."""
        if not self.complete:
            self.data = self.data + self._read(len(self.data), None)
            self.complete = True
        return self.data

    def unchanged(self) -> bool:
        st = os.fstat(self.fd)
        return (st.st_size, st.st_mtime_ns, st.st_ino) == self._stamp and \
            (not self.complete or st.st_size == len(self.data))

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> "InputFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_temp(data, tmp: str, fsync: bool = False, src_fd: int | None = None,
               early_writeback: bool = True) -> None:
    """Write ``data`` (bytes, or an engine ``Output``, whose ranges are then copied from
    ``src_fd``) to ``tmp``. ``early_writeback`` starts writing a large file to
    disk at once, for runs that will flush it anyway."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_CLOEXEC, 0o644)
    try:
        if hasattr(data, "write_to"):
            data.write_to(fd, src_fd)
        else:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
        if fsync:
            os.fsync(fd)
        elif early_writeback and len(data) >= EARLY_WRITEBACK_BYTES and \
                _sync_file_range is not None:
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
