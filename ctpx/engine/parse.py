"""Read DICOM bytes the way CTP's dcm4che 1.x reader does, into ``model.Level`` trees.

What dcm4che accepts and refuses decides whether CTP quarantines a file, so this reader follows
it rather than pydicom's more forgiving heuristics:

- format detection: ``DICM`` at offset 128, or a dataset that starts with group 0002 or 0008
  (little or big endian); anything else is "Unknown Format";
- the transfer syntax comes from the meta information; without one the dataset is read as
  explicit VR little endian (dcm4che's default), without meta information the first element
  decides explicit/implicit and the byte order;
- implicit VR elements get dcm4che's VR: private creators LO, other private elements UN,
  dictionary VRs (the first of alternatives such as ``OB,OW``), UN for unknown tags;
- a value that runs past the end of the data, or an undefined length on anything but a
  sequence, UN or pixel data, is an error.

Values are memoryviews into the input buffer; nothing is decoded.

A large file can be parsed from its start only (``size`` = the whole file's length): the
top-level pixel data then becomes a ``NotRead`` value, to be copied from the file when the
output is written, and anything else beyond the start raises ``Incomplete`` so that the caller
reads the whole file and parses again.
"""
from __future__ import annotations

import struct
import zlib

from ..dicom.names import dcm4che_vr
from .model import (ITEM, ITEM_DELIMITER, PIXEL_DATA, SEQUENCE_DELIMITER, SPECIFIC_CHARACTER_SET,
                    Elem, Level, NotRead)

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
DEFLATED_LE = "1.2.840.10008.1.2.1.99"
EXPLICIT_BE = "1.2.840.10008.1.2.2"

#: VRs whose explicit form has two reserved bytes and a 32-bit length.
LONG_VRS = frozenset({"OB", "OW", "OF", "SQ", "UT", "UN", "OD", "OL", "OV", "UC", "UR", "SV", "UV"})
KNOWN_VRS = frozenset({"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "PN",
                       "SH", "SL", "SS", "ST", "TM", "UI", "UL", "US"}) | LONG_VRS

MAX_DEPTH = 64

# The two VR bytes of an explicit header: a known VR with a 16-bit length, or one with a 32-bit
# length; anything else reads as UN with a 32-bit length. ``_Reader.header`` and the loop of
# ``_Reader.level`` (which inlines it) both decide by these tables.
_SHORT_VR = {vr.encode("ascii"): vr for vr in KNOWN_VRS - LONG_VRS}
_LONG_VR = {vr.encode("ascii"): vr for vr in LONG_VRS}


class DicomParseError(Exception):
    """The input cannot be read as DICOM; ``code`` is a RUN outcome code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Incomplete(Exception):
    """Parsing from the start of a file was not enough: parse the whole file."""


class ParsedFile:
    """A parsed input: meta elements, the root dataset up to PixelData, pixel data and tail."""

    __slots__ = ("meta", "has_meta", "transfer_syntax", "implicit", "little", "deflated", "root",
                 "pixel", "tail", "charset_inserted", "buffer")

    def __init__(self):
        self.meta: dict[int, Elem] = {}
        self.has_meta = False
        self.transfer_syntax: str | None = None
        self.implicit = False
        self.little = True
        self.deflated = False
        self.root = Level()
        self.pixel: Elem | None = None
        self.tail: list[Elem] = []
        self.charset_inserted = False
        self.buffer = None


def implicit_vr(tag: int) -> str:
    """The VR dcm4che gives an element read from an implicit VR stream."""
    el = tag & 0xFFFF
    if el == 0:
        return "UL"
    if tag & 0x10000:
        return "LO" if el < 0x100 else "UN"
    vr = dcm4che_vr(tag)
    if not vr:
        return "UN"
    vr = vr.split(",", 1)[0]
    return "OB" if vr == "OX" else vr


_vr_cache: dict[int, str] = {}


def _implicit_vr_cached(tag: int) -> str:
    vr = _vr_cache.get(tag)
    if vr is None:
        vr = _vr_cache[tag] = implicit_vr(tag)
    return vr


# ------------------------------------------------------------------------------------- reader

def _unpackers(e: str):
    return (struct.Struct(e + "HH").unpack_from, struct.Struct(e + "L").unpack_from,
            # group, element, the two VR bytes and a 16-bit length: a short explicit header
            struct.Struct(e + "HH2sH").unpack_from)


_UNPACK = {True: _unpackers("<"), False: _unpackers(">")}


class _Reader:
    __slots__ = ("buf", "mv", "implicit", "little", "_h4", "_u32", "_head", "whole")

    def __init__(self, buf: bytes, implicit: bool, little: bool, whole: int | None = None):
        self.buf = buf
        # the whole file's length when ``buf`` is only its start (pixel data may be left unread)
        self.whole = whole
        self.mv = memoryview(buf)
        self.implicit = implicit
        self.little = little
        self._h4, self._u32, self._head = _UNPACK[little]

    def error(self, pos: int, msg: str):
        raise DicomParseError("RUN11", f"offset {pos}: {msg}")

    def header(self, pos: int, end: int):
        """(tag, vr, length, value position) of the element at ``pos``."""
        if pos + 8 > end:
            self.error(pos, "truncated element header")
        g, e, vrb, length = self._head(self.buf, pos)
        tag = (g << 16) | e
        if g == 0xFFFE:
            return tag, None, self._u32(self.buf, pos + 4)[0], pos + 8
        if self.implicit:
            return tag, _implicit_vr_cached(tag), self._u32(self.buf, pos + 4)[0], pos + 8
        vr = _SHORT_VR.get(vrb)
        if vr is not None:
            return tag, vr, length, pos + 8
        if pos + 12 > end:
            self.error(pos, "truncated element header")
        return tag, _LONG_VR.get(vrb, "UN"), self._u32(self.buf, pos + 8)[0], pos + 12

    def level(self, pos: int, end: int, parent: Level | None, depth: int,
              until_delimiter: bool, top: ParsedFile | None = None) -> tuple[Level, int]:
        if depth > MAX_DEPTH:
            self.error(pos, "sequences nested too deeply")
        lv = Level(parent=parent)
        elems = lv.elems
        buf, mv, head, u32, implicit = self.buf, self.mv, self._head, self._u32, self.implicit
        while pos < end:
            # ``header`` inlined: this loop runs once per element of every file.
            if pos + 8 > end:
                self.error(pos, "truncated element header")
            g, e, vrb, length = head(buf, pos)
            tag = (g << 16) | e
            vpos = pos + 8
            if g == 0xFFFE:
                vr = None
                length = u32(buf, pos + 4)[0]
            elif implicit:
                vr = _implicit_vr_cached(tag)
                length = u32(buf, pos + 4)[0]
            else:
                vr = _SHORT_VR.get(vrb)
                if vr is None:
                    if pos + 12 > end:
                        self.error(pos, "truncated element header")
                    vr = _LONG_VR.get(vrb, "UN")
                    length = u32(buf, pos + 8)[0]
                    vpos = pos + 12
            if tag == ITEM_DELIMITER:
                if until_delimiter:
                    return lv, vpos
                self.error(pos, "item delimiter outside an item")
            if vr is None:
                self.error(pos, f"unexpected item tag ({tag >> 16:04X},{tag & 0xFFFF:04X})")
            if length == 0xFFFFFFFF:
                el, pos = self.undefined(tag, vr, vpos, end, lv, depth)
            else:
                nxt = vpos + length
                if nxt > end and top is not None and self.whole is not None:
                    if tag != PIXEL_DATA or top.pixel is not None or nxt != self.whole \
                            or vr == "SQ" or vr == "UN":
                        raise Incomplete
                    top.pixel = Elem(tag, vr, NotRead(length), pos=vpos)
                    return lv, nxt
                if nxt > end:
                    self.error(pos, f"value of ({tag >> 16:04X},{tag & 0xFFFF:04X}) runs past "
                                    "the end of the data")
                if vr == "UN" and not tag & 0x10000:
                    # a public element stored as UN takes its dictionary VR, as dcm4che reads it
                    dvr = _implicit_vr_cached(tag)
                    if dvr != "SQ":
                        vr = dvr
                if vr == "SQ":
                    el = Elem(tag, vr, None, self.items(vpos, nxt, lv, depth))
                else:
                    el = Elem(tag, vr, mv[vpos:nxt], None, False, vpos)
                pos = nxt
            if top is not None and (tag == PIXEL_DATA or top.pixel is not None):
                if top.pixel is None:
                    top.pixel = el
                else:
                    if tag in (0xFFFAFFFA, 0xFFFCFFFC):
                        return lv, end
                    top.tail.append(el)
                continue
            elems[tag] = el
        if until_delimiter:
            self.error(pos, "item without a delimiter")
        return lv, pos

    def undefined(self, tag: int, vr: str, pos: int, end: int, parent: Level, depth: int):
        if vr == "SQ" or vr == "UN":
            if vr == "UN" and not self.implicit:
                # An explicit UN of undefined length holds implicit VR little endian items.
                sub = _Reader(self.buf, True, True)
                items, pos = sub.items_undefined(pos, end, parent, depth)
            else:
                items, pos = self.items_undefined(pos, end, parent, depth)
            return Elem(tag, "SQ", None, items), pos
        if vr in ("OB", "OW") or tag == PIXEL_DATA:
            start = pos
            while True:
                itag, _, ilen, ipos = self.header(pos, end)
                if itag == SEQUENCE_DELIMITER:
                    return Elem(tag, vr, self.mv[start:pos], undefined=True, pos=start), ipos
                if itag != ITEM or ilen == 0xFFFFFFFF or ipos + ilen > end:
                    self.error(pos, "bad encapsulated pixel data item")
                pos = ipos + ilen
        self.error(pos, f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {vr} has an undefined length")

    def _at_item(self, pos: int, end: int) -> bool:
        if pos + 4 > end:
            return False
        g, e = self._h4(self.buf, pos)
        return (g << 16 | e) in (ITEM, SEQUENCE_DELIMITER)

    def items(self, pos: int, end: int, parent: Level, depth: int) -> list[Level]:
        out = []
        while pos < end:
            lv, pos = self._item(pos, end, parent, depth, "its sequence")
            out.append(lv)
        return out

    def items_undefined(self, pos: int, end: int, parent: Level, depth: int):
        out = []
        while True:
            tag, _, _, vpos = self.header(pos, end)
            if tag == SEQUENCE_DELIMITER:
                return out, vpos
            lv, pos = self._item(pos, end, parent, depth, "the data")
            out.append(lv)

    def _item(self, pos: int, end: int, parent: Level, depth: int, within: str):
        """One item at ``pos``: (its dataset, the position after it)."""
        tag, _, length, vpos = self.header(pos, end)
        if tag != ITEM:
            self.error(pos, "expected a sequence item")
        if length == 0xFFFFFFFF:
            return self.level(vpos, end, parent, depth + 1, True)
        if vpos + length > end:
            self.error(pos, f"item runs past the end of {within}")
        lv, _ = self.level(vpos, vpos + length, parent, depth + 1, False)
        return lv, vpos + length


# ------------------------------------------------------------------------------------- files

def _is_vr(b: bytes) -> bool:
    b = bytes(b)
    return b in _SHORT_VR or b in _LONG_VR


def _meta(buf: bytes, pos: int, pf: ParsedFile) -> int:
    r = _Reader(buf, False, True)
    end = len(buf)
    while pos + 8 <= end:
        g = struct.unpack_from("<H", buf, pos)[0]
        if g != 0x0002:
            break
        tag, vr, length, vpos = r.header(pos, end)
        if length == 0xFFFFFFFF or vpos + length > end:
            r.error(pos, "bad file meta information element")
        pf.meta[tag] = Elem(tag, vr, r.mv[vpos:vpos + length])
        pos = vpos + length
    ts = pf.meta.get(0x00020010)
    if ts is not None:
        pf.transfer_syntax = bytes(ts.value).decode("ascii", "replace").rstrip("\x00 ")
    return pos


def parse_bytes(data: bytes, encoding: tuple[bool, bool] | None = None,
                size: int | None = None) -> ParsedFile:
    """Parse a whole file. Raises ``DicomParseError`` with a RUN code where CTP quarantines.

    ``encoding`` = (implicit, little) reads ``data`` as a bare dataset in that encoding (no
    preamble, no meta information), skipping format detection. With ``size`` larger than
    ``data``, ``data`` is the start of a file of that length (see the module's docstring).
    """
    if size is not None and size > len(data):
        try:
            return _parse(data, encoding, size)
        except DicomParseError:
            raise Incomplete from None   # it may be only where the start was cut; decide on all
    return _parse(data, encoding, None)


def _parse(data: bytes, encoding: tuple[bool, bool] | None, whole: int | None) -> ParsedFile:
    pf = ParsedFile()
    n = len(data)
    if encoding is not None:
        pos = 0
        pf.implicit, pf.little = encoding
    elif n >= 132 and data[128:132] == b"DICM":
        pf.has_meta = True
        pos = _meta(data, 132, pf)
    elif n >= 6 and data[0:2] == b"\x02\x00" and _is_vr(data[4:6]):
        pf.has_meta = True
        pos = _meta(data, 0, pf)
    elif n >= 8 and data[0:2] == b"\x08\x00":
        pos = 0
        pf.implicit = not _is_vr(data[4:6])
    elif n >= 8 and data[0:2] == b"\x00\x08":
        pos = 0
        pf.little = False
        pf.implicit = not _is_vr(data[4:6])
    else:
        raise DicomParseError("RUN10", "Unknown Format (not a DICOM file)")

    if pf.has_meta:
        ts = pf.transfer_syntax
        if ts == IMPLICIT_LE:
            pf.implicit = True
        elif ts == EXPLICIT_BE:
            pf.little = False
        elif ts == DEFLATED_LE:
            if whole is not None:
                raise Incomplete
            pf.deflated = True
            try:
                d = zlib.decompressobj(-zlib.MAX_WBITS)
                data = d.decompress(data[pos:]) + d.flush()
            except zlib.error as e:
                raise DicomParseError("RUN12", f"corrupt deflate stream: {e}") from None
            pos = 0
    if whole is not None and not (pf.has_meta or pf.little):
        raise Incomplete   # big endian without meta: the pixel data is byte-swapped on output
    pf.buffer = data
    r = _Reader(data, pf.implicit, pf.little, whole)
    pf.root, _ = r.level(pos, len(data), None, 0, False, top=pf)
    if whole is not None and (pf.pixel is None or pf.pixel.value.__class__ is not NotRead):
        raise Incomplete   # the start ended on an element boundary: the rest is unknown
    cs_el = pf.root.elems.get(SPECIFIC_CHARACTER_SET)
    if cs_el is None or (cs_el.items is None and not bytes(cs_el.value).strip(b" \x00")):
        # CTP adds the default character set to the input and the output before any rule runs.
        pf.root.elems[SPECIFIC_CHARACTER_SET] = Elem(SPECIFIC_CHARACTER_SET, "CS", b"ISO_IR 100")
        pf.charset_inserted = True
    return pf
