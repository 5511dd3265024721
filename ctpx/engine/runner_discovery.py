"""Finding the files of an input tree, in an order that does not depend on the file system.

Every regular file is a candidate: exports name DICOM files ``*.dcm``, ``IM0001``, ``1.2.3...``
or nothing in particular, so the engine decides by content. Symbolic links are never followed:
a link inside IN is a second name for a file the walk reaches anyway, and a link that leads out
of IN would read data the user did not point at. Both are reported, as are FIFOs, sockets and
devices (opening a FIFO would block the run).

Entries are sorted by name within each folder and folders are walked depth first, so the order,
and with it collision suffixes and ``@integer`` numbers, is the same on every machine.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Iterator

from .runner_paths import display_name, is_within

#: The reasons an entry is reported instead of processed (runner codes, docs/codes.md).
SYMLINK = "OUT12"
NOT_REGULAR = "OUT13"
UNREADABLE_DIR = "OUT14"


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing found under IN. ``rel`` uses ``/`` and is text (see ``display_name``);
    ``path`` is the real path; ``code`` is None for a file to process."""

    rel: str
    path: str
    size: int = 0
    code: str | None = None
    message: str = ""


def _sort_key(name: str) -> bytes:
    # Byte order of the encoded name: stable across locales, and total even for names that are
    # not valid UTF-8 (they carry surrogate escapes).
    return os.fsencode(name)


def walk(root: str, exclude: tuple[str, ...] = ()) -> Iterator[Entry]:
    """Every entry under ``root`` (a real path), depth first, names in byte order.

    ``exclude`` holds real paths never to enter (nothing of ours should be inside IN, but a
    state folder given by hand could be).
    """
    stack: list[tuple[str, str]] = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: _sort_key(e.name))
        except OSError as e:
            yield Entry(prefix.rstrip("/") or ".", folder, code=UNREADABLE_DIR,
                        message=f"folder cannot be listed: {e.strerror or e}")
            continue
        subdirs = []
        for e in entries:
            rel = prefix + display_name(e.name)
            try:
                st = e.stat(follow_symlinks=False)
            except OSError as err:
                yield Entry(rel, e.path, code=NOT_REGULAR,
                            message=f"cannot be examined: {err.strerror or err}")
                continue
            mode = st.st_mode
            if stat.S_ISLNK(mode):
                yield Entry(rel, e.path, code=SYMLINK, message=_link_message(e.path, root))
            elif stat.S_ISDIR(mode):
                if e.path in exclude:
                    continue
                subdirs.append((e.path, rel + "/"))
            elif stat.S_ISREG(mode):
                yield Entry(rel, e.path, size=st.st_size)
            else:
                yield Entry(rel, e.path, code=NOT_REGULAR,
                            message="not a regular file (FIFO, socket or device); not opened")
        # Reversed onto the stack so that the first folder by name is walked first.
        stack.extend(reversed(subdirs))


def _link_message(path: str, root: str) -> str:
    try:
        target = os.path.realpath(path)
    except OSError:
        target = None
    if target is not None and is_within(target, root) and target != root:
        return ("symbolic link not followed; it points inside IN, where the walk reaches the "
                "target under its own name")
    return "symbolic link not followed; it points outside IN (or nowhere)"


def count_files(root: str, exclude: tuple[str, ...] = ()) -> int:
    """How many regular files ``walk`` would yield, for progress estimates (no sorting)."""
    n = 0
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                for e in it:
                    try:
                        if e.is_dir(follow_symlinks=False):
                            if e.path not in exclude:
                                stack.append(e.path)
                        else:
                            n += 1
                    except OSError:
                        n += 1
        except OSError:
            continue
    return n
