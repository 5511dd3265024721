"""Reading DICOM files for ``ctpx verify``: lazy reads, a walk over every element at every depth
with MIDI-B paths, element values as text or bytes, and pixel data digests without decoding.

Large values (pixel data above all) are deferred, so a file costs little memory however big it
is; the pixel data digest streams the deferred bytes straight from the file.
"""
from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator

from .verify_paths import element_step, item_step

#: Values above this size are read only when asked for (pixel data, big private blobs).
DEFER_SIZE = 256 * 1024

PIXEL_TAGS = (0x7FE00008, 0x7FE00009, 0x7FE00010)

TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST",
                      "TM", "UC", "UI", "UR", "UT"})
BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN", "ox"})


@dataclass
class Element:
    """One element met in a walk."""

    path: str            # MIDI-B path
    tag: int
    vr: str
    keyword: str
    depth: int
    private: bool        # in a private element, or anywhere below a private sequence
    creator: str | None  # the private creator of this element, when private
    parent: str          # keyword of the enclosing sequence ("" at the top)
    value: Any           # str for text VRs, bytes for binary VRs, None otherwise
    values: list[str]    # the individual values of a text element


def read(source: str | bytes, *, header_only: bool = False):
    """A pydicom dataset from a path or from bytes; ``header_only`` stops before the pixels."""
    import pydicom
    # pydicom warns about every invalid value; a scan of de-identified data meets many, and
    # they are not what verify reports.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if isinstance(source, (bytes, bytearray)):
            return pydicom.dcmread(io.BytesIO(source), force=True,
                                   stop_before_pixels=header_only)
        return pydicom.dcmread(source, force=True, stop_before_pixels=header_only,
                               defer_size=None if header_only else DEFER_SIZE)


def looks_like_dicom(path: str) -> bool:
    """True for Part 10 files and for files without a preamble that start like a dataset."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(132)
    except OSError:
        return False
    if len(head) >= 132 and head[128:132] == b"DICM":
        return True
    # A dataset with no preamble: an even group (0002..0010) in little endian, then a VR or a
    # 4-byte length.
    if len(head) >= 8 and head[1] == 0 and head[0] in (0x02, 0x08, 0x10) and head[3] == 0:
        return True
    return False


def preamble(source: str | bytes) -> bytes | None:
    """The 128-byte preamble when the file has one (``DICM`` at offset 128)."""
    if isinstance(source, (bytes, bytearray)):
        head = bytes(source[:132])
    else:
        with open(source, "rb") as fh:
            head = fh.read(132)
    return head[:128] if len(head) == 132 and head[128:132] == b"DICM" else None


def _creators(ds) -> dict[tuple[int, int], str]:
    out = {}
    for tag in ds.keys():
        group, elem = tag >> 16, tag & 0xFFFF
        if group & 1 and 0x10 <= elem <= 0xFF:
            try:
                v = ds[tag].value
            except Exception:
                continue
            if isinstance(v, bytes):
                v = v.decode("latin-1")
            if isinstance(v, str):
                out[(group, elem)] = v.strip(" \0")
    return out


def _text_values(elem) -> list[str]:
    v = elem.value
    if v is None:
        return []
    if isinstance(v, (list, tuple)) or type(v).__name__ == "MultiValue":
        return [str(x) for x in v]
    return [str(v)]


def walk(ds, *, prefix: str = "", depth: int = 0, private: bool = False,
         parent: str = "", skip_pixels: bool = True) -> Iterator[Element]:
    """Every element of ``ds`` at every depth, in tag order, items in order.

    Top-level pixel data is not read (``skip_pixels``). An element whose value cannot be
    converted is given as its raw bytes, so nothing is skipped because it is malformed.
    """
    from pydicom.datadict import keyword_for_tag
    creators = _creators(ds)
    for tag in list(ds.keys()):
        tag = int(tag)
        if skip_pixels and depth == 0 and tag in PIXEL_TAGS:
            continue
        group, el = tag >> 16, tag & 0xFFFF
        is_private = bool(group & 1)
        creator = creators.get((group, el >> 8)) if is_private and el >= 0x1000 else None
        path = prefix + element_step(tag, creator)
        try:
            elem = ds[tag]
            vr = str(elem.VR)
        except Exception:
            raw = ds.get_item(tag)
            yield Element(path, tag, "UN", "", depth, private or is_private, creator, parent,
                          bytes(raw.value or b"") if raw is not None else b"", [])
            continue
        kw = keyword_for_tag(tag) or ""
        if vr == "SQ":
            yield Element(path, tag, vr, kw, depth, private or is_private, creator, parent,
                          None, [])
            for i, item in enumerate(elem.value or []):
                yield from walk(item, prefix=path + item_step(i), depth=depth + 1,
                                private=private or is_private, parent=kw or path,
                                skip_pixels=False)
            continue
        value: Any
        values: list[str] = []
        if vr in TEXT_VRS:
            values = _text_values(elem)
            value = "\\".join(values)
        elif vr in BINARY_VRS or "or" in vr:
            v = elem.value
            value = bytes(v) if isinstance(v, (bytes, bytearray)) else (
                v.encode("latin-1", "replace") if isinstance(v, str) else None)
        else:
            value = None
        yield Element(path, tag, vr, kw, depth, private or is_private, creator, parent, value,
                      values)


def _raw_pixel(ds):
    for tag in PIXEL_TAGS:
        if tag in ds:
            return tag, ds.get_item(tag, keep_deferred=True)
    return None, None


def pixel_digest(ds, source: str | bytes) -> tuple[str | None, int]:
    """(sha256 hex, length) of the top-level pixel data bytes as stored, or (None, 0).

    A deferred value is hashed by streaming it from the file, never decoded nor held whole.
    """
    tag, raw = _raw_pixel(ds)
    if raw is None:
        return None, 0
    h = hashlib.sha256()
    value = getattr(raw, "value", None)
    if value is None and getattr(raw, "value_tell", None) is not None and \
            isinstance(source, (str, os.PathLike)):
        remaining = raw.length
        with open(source, "rb") as fh:
            fh.seek(raw.value_tell)
            while remaining > 0:
                chunk = fh.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                h.update(chunk)
                remaining -= len(chunk)
        return h.hexdigest(), raw.length
    if value is None:
        value = ds[tag].value
    data = bytes(value)
    h.update(data)
    return h.hexdigest(), len(data)


def pixel_bytes(ds) -> bytes | None:
    tag, _ = _raw_pixel(ds)
    return None if tag is None else bytes(ds[tag].value)


def is_little_endian(ds) -> bool:
    ts = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    return ts != "1.2.840.10008.1.2.2"


def transfer_syntax(ds) -> str:
    return str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "") or "")


def stream_chunks(fh: BinaryIO, size: int, overlap: int) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) chunks of a file, each starting ``overlap`` bytes before the previous
    one ended, so that a match up to ``overlap`` bytes long is never cut in two."""
    offset = 0
    tail = b""
    while True:
        block = fh.read(size)
        if not block:
            return
        data = tail + block
        start = offset - len(tail)
        yield start, data
        offset += len(block)
        tail = data[-overlap:] if overlap else b""
