"""Serialise the engine's output tree as a DICOM Part 10 file, the way CTP's writer lays it out.

- File meta information is regenerated: MediaStorage UIDs follow the output's SOP Class/Instance
  UID, the transfer syntax is the input's (explicit VR little endian when the input had no meta
  information), the optional meta elements are dropped.
- Group length elements are dropped at every level.
- Sequences and items are written with undefined length.
- Values are copied as they are held (memoryviews into the input for untouched elements, so pixel
  data is never copied or decoded); they are byte-swapped only when the byte order changes (a big
  endian file without meta information becomes little endian).
- The result is an ``Output``: a list of parts, where a large untouched value is a range of the
  input file. Writing it to disk copies what is not already in memory straight from the input
  file through one reused buffer (or inside the kernel, ``copy_file_range``, where input and
  output offsets line up on a page), so large pixel data is never held whole in memory.
"""
from __future__ import annotations

import array
import os
import struct
import sys
import threading
import uuid
import zlib

from .. import __version__
from .model import PIXEL_DATA, Elem, NotRead
from .parse import (DEFLATED_LE, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, KNOWN_VRS, LONG_VRS,
                    Incomplete, ParsedFile)

#: ctpx's implementation class UID: a 2.25 (UUID-derived) UID, stable across versions.
IMPLEMENTATION_UID = "2.25." + str(uuid.uuid5(uuid.NAMESPACE_URL, "urn:ctpx:implementation").int)
IMPLEMENTATION_VERSION = ("CTPX_" + __version__)[:16]

_SWAP = {"US": 2, "SS": 2, "OW": 2, "AT": 2, "UL": 4, "SL": 4, "FL": 4, "OF": 4, "OL": 4,
         "FD": 8, "OD": 8, "SV": 8, "UV": 8, "OV": 8}
_ARRAY_CODE = {2: "H", 4: "L", 8: "Q"}
_NATIVE_LITTLE = sys.byteorder == "little"


def _swap(raw, size: int) -> bytes:
    a = array.array(_ARRAY_CODE[size])
    b = bytes(raw)
    n = len(b) - len(b) % size
    a.frombytes(b[:n])
    a.byteswap()
    return a.tobytes() + b[n:]


#: Untouched values at least this large are written as ranges of the input file.
RANGE_MIN = 64 << 10


class _Range:
    """``length`` bytes of the input, from ``offset``."""

    __slots__ = ("offset", "length")

    def __init__(self, offset: int, length: int):
        self.offset = offset
        self.length = length


class Output:
    """The bytes of an output file, as parts: ``bytes``-like values and ``_Range``s of
    ``source`` (the input buffer, whose offsets are the input file's). When only the start of
    the input was read, a range may lie beyond ``source``: only ``write_to`` with the input's
    descriptor can write it."""

    __slots__ = ("parts", "source", "size")

    def __init__(self, parts: list, source=None):
        self.parts = parts
        self.source = source
        self.size = sum(p.length if p.__class__ is _Range else len(p) for p in parts)

    def __len__(self) -> int:
        return self.size

    def chunks(self):
        """The parts as bytes-like objects (ranges as views of the input buffer)."""
        src = memoryview(self.source) if self.source is not None else None
        for p in self.parts:
            if p.__class__ is _Range:
                if src is None or p.offset + p.length > len(src):
                    raise ValueError("part of this output is still in the input file; write "
                                     "it with write_to(fd, input_fd)")
                yield src[p.offset:p.offset + p.length]
            else:
                yield p

    def to_bytes(self) -> bytes:
        return b"".join(self.chunks())

    def write_to(self, fd: int, src_fd: int | None = None) -> None:
        """Write everything to ``fd``; ranges beyond the input buffer are read from ``src_fd``
        (the input file, unchanged since it was read)."""
        src = memoryview(self.source) if self.source is not None else None
        copy = getattr(os, "copy_file_range", None) if src_fd is not None else None
        at = 0   # where the next part starts in the output
        for p in self.parts:
            if p.__class__ is not _Range:
                _write_all(fd, p)
                at += len(p)
                continue
            offset, length = p.offset, p.length
            if src is not None and offset < len(src):
                # The start of a large value is often in memory already (the input's head).
                piece = src[offset:offset + length]
                _write_all(fd, piece)
                offset, length, at = offset + len(piece), length - len(piece), at + len(piece)
            if not length:
                continue
            if src_fd is None:
                raise ValueError("part of this output is still in the input file; give "
                                 "write_to the input's descriptor")
            # The kernel copy moves whole pages only where both sides start at the same place
            # in a page; otherwise it measured slower than a read and a write through a buffer.
            if not (copy is not None and (offset - at) % _PAGE == 0
                    and _copy_range(copy, src_fd, fd, offset, length)):
                _pread_into(src_fd, fd, offset, length)
            at += length


_PAGE = 4096
_BUFFER_BYTES = 1 << 20
_buffers = threading.local()   # one reusable buffer per thread: no page faults per file


def _write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _pread_into(src_fd: int, fd: int, offset: int, length: int) -> None:
    """Copy ``length`` bytes from ``offset`` through a bounded, reused buffer."""
    buf = getattr(_buffers, "view", None)
    if buf is None:
        buf = _buffers.view = memoryview(bytearray(_BUFFER_BYTES))
    end = offset + length
    while offset < end:
        want = buf[:min(end - offset, _BUFFER_BYTES)]
        n = os.preadv(src_fd, [want], offset) if _HAVE_PREADV else _pread_copy(src_fd, want,
                                                                                offset)
        if not n:
            raise OSError(f"the input ended {end - offset} bytes early while being copied")
        _write_all(fd, want[:n])
        offset += n


_HAVE_PREADV = hasattr(os, "preadv")


def _pread_copy(src_fd: int, into: memoryview, offset: int) -> int:
    chunk = os.pread(src_fd, len(into), offset)
    into[:len(chunk)] = chunk
    return len(chunk)


def _copy_range(copy, src_fd: int, fd: int, offset: int, length: int) -> bool:
    """Kernel copy of ``length`` bytes; False (nothing written) where the system refuses it,
    e.g. across file systems on older kernels or on file systems without support."""
    done = 0
    try:
        while done < length:
            n = copy(src_fd, fd, length - done, offset + done)
            if n == 0:
                break
            done += n
    except OSError:
        if done == 0:
            return False
        raise
    if done < length:
        raise OSError(f"the input ended {length - done} bytes early while being copied")
    return True


class _Writer:
    def __init__(self, implicit: bool, little: bool, swap: bool, source=None):
        self.implicit = implicit
        self.swap = swap
        self.source = source
        e = "<" if little else ">"
        self.short = struct.Struct(e + "HH2sH").pack
        self.long = struct.Struct(e + "HH2sHL").pack
        self.imp = struct.Struct(e + "HHL").pack
        self.item = self.imp(0xFFFE, 0xE000, 0xFFFFFFFF)
        self.item_end = self.imp(0xFFFE, 0xE00D, 0)
        self.seq_end = self.imp(0xFFFE, 0xE0DD, 0)
        self.out: list = []

    def level(self, elems: dict) -> None:
        for tag in sorted(elems):
            if not tag & 0xFFFF:
                continue
            self.element(elems[tag])

    def element(self, el: Elem) -> None:
        out = self.out
        tag = el.tag
        g, e = tag >> 16, tag & 0xFFFF
        if el.items is not None:
            if self.implicit:
                out.append(self.imp(g, e, 0xFFFFFFFF))
            else:
                out.append(self.long(g, e, b"SQ", 0, 0xFFFFFFFF))
            for it in el.items:
                out.append(self.item)
                self.level(it.elems)
                out.append(self.item_end)
            out.append(self.seq_end)
            return
        vr = el.vr
        value = el.value
        not_read = value.__class__ is NotRead
        if not_read and (self.swap or self.source is None):
            raise Incomplete   # these bytes are needed in memory: the caller reads the file
        if el.undefined:
            if self.implicit:
                out.append(self.imp(g, e, 0xFFFFFFFF))
            else:
                out.append(self.long(g, e, vr.encode("ascii"), 0, 0xFFFFFFFF))
            out.append(self._value(el, value))
            out.append(self.seq_end)
            return
        if self.swap and vr in _SWAP:
            value = _swap(value, _SWAP[vr])
        n = len(value)
        pad = n & 1
        if self.implicit:
            out.append(self.imp(g, e, n + pad))
        elif vr in LONG_VRS:
            out.append(self.long(g, e, _VR_BYTES.get(vr) or vr.encode("ascii"), 0, n + pad))
        elif n + pad > 0xFFFF:
            out.append(self.long(g, e, b"UN", 0, n + pad))
        else:
            out.append(self.short(g, e, _VR_BYTES.get(vr) or vr.encode("ascii"), n + pad))
        # only values not read, or large enough to be a range, need a closer look
        out.append(self._value(el, value) if not_read or n >= RANGE_MIN else value)
        if pad:
            out.append(b"\x00" if vr in ("UI", "OB", "UN") or vr not in _TEXT_PAD else b" ")


    def _value(self, el: Elem, value):
        """A large value still exactly as the input holds it becomes a range of the input."""
        if value.__class__ is NotRead:
            return _Range(el.pos, value.length)
        if (self.source is not None and el.pos >= 0 and value is el.value
                and len(value) >= RANGE_MIN and value.__class__ is memoryview
                and value.obj is self.source):
            return _Range(el.pos, len(value))
        return value


_VR_BYTES = {vr: vr.encode("ascii") for vr in KNOWN_VRS}
_TEXT_PAD = frozenset("AE AS CS DA DS DT IS LO LT PN SH ST TM UC UR UT".split())


def _meta_bytes(sop_class: bytes, sop_instance: bytes, ts: str) -> bytes:
    def ui(v: bytes) -> bytes:
        return v + b"\x00" if len(v) % 2 else v

    def el(e: int, vr: bytes, v: bytes) -> bytes:
        if vr == b"OB":
            return struct.pack("<HH2sHL", 2, e, vr, 0, len(v)) + v
        return struct.pack("<HH2sH", 2, e, vr, len(v)) + v

    version = IMPLEMENTATION_VERSION.encode("ascii")
    if len(version) % 2:
        version += b" "
    body = b"".join((
        el(0x0001, b"OB", b"\x00\x01"),
        el(0x0002, b"UI", ui(sop_class)),
        el(0x0003, b"UI", ui(sop_instance)),
        el(0x0010, b"UI", ui(ts.encode("ascii", "replace"))),
        el(0x0012, b"UI", ui(IMPLEMENTATION_UID.encode("ascii"))),
        el(0x0013, b"SH", version),
    ))
    return struct.pack("<HH2sHL", 2, 0, b"UL", 4, len(body)) + body


def output_transfer_syntax(pf: ParsedFile) -> str:
    if not pf.has_meta:
        return EXPLICIT_LE
    if pf.deflated:
        return DEFLATED_LE
    if pf.transfer_syntax:
        return pf.transfer_syntax
    return EXPLICIT_LE


def write_file(pf: ParsedFile, elems: dict, tail: list, sop_class: bytes,
               sop_instance: bytes) -> Output:
    """The output file: preamble, regenerated meta, the dataset, pixel data and kept tail."""
    ts = output_transfer_syntax(pf)
    implicit = ts == IMPLICIT_LE
    little = ts != EXPLICIT_BE
    # Ranges of the input only where the parsed buffer is the input file and nothing is
    # re-encoded around them (a deflated output compresses everything).
    source = pf.buffer if not pf.deflated and ts != DEFLATED_LE else None
    w = _Writer(implicit, little, swap=(little != pf.little), source=source)
    w.level(elems)
    if pf.pixel is not None:
        w.element(pf.pixel)
    for el in tail:
        if el.tag & 0xFFFF:
            w.element(el)
    head = [b"\x00" * 128, b"DICM", _meta_bytes(sop_class, sop_instance, ts)]
    if ts == DEFLATED_LE:
        c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        return Output([b"".join(head), c.compress(b"".join(w.out)), c.flush()])
    # One buffer between ranges, so that writing the file takes one system call per part.
    parts = []
    run = head
    for p in w.out:
        if p.__class__ is _Range:
            parts.append(b"".join(run))
            parts.append(p)
            run = []
        else:
            run.append(p)
    if run:
        parts.append(b"".join(run))
    return Output(parts, source)


def write_dataset_only(elems: dict, implicit: bool, little: bool) -> bytes:
    """Encode a dataset (no meta, no preamble), as used for in-memory round trips."""
    w = _Writer(implicit, little, swap=False)
    w.level(elems)
    return b"".join(w.out)


__all__ = ["write_file", "Output", "RANGE_MIN", "output_transfer_syntax", "IMPLEMENTATION_UID", "PIXEL_DATA",
           "IMPLICIT_LE", "EXPLICIT_LE", "EXPLICIT_BE", "DEFLATED_LE"]
