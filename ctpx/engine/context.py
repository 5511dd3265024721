"""Per-file state the evaluator works on, and element access as CTP does it (§1.4, §5.1).

A ``FileCtx`` lives for one file: the parsed input, this file's rule table (numeric rules plus the
private ``gggg[CREATOR]ee`` rules resolved against the root dataset), the private-name aliases,
the warnings collected so far, and the items built by ``@process()``.
"""
from __future__ import annotations

import datetime as _dt

from ..dicom.private import private_vr
from ..script.ir import ElementRef, NameKind
from .model import Elem, Level
from .parse import ParsedFile
from .results import warning
from .values import TEXT_VRS, binary_str, charset_for, read_string


class Stop(Exception):
    """Ends processing of a file: ``status`` is skipped or quarantined, with a RUN code."""

    def __init__(self, status: str, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def level_charset(lv: Level):
    cs = lv._codecs
    if cs is None:
        el = lv.elems.get(0x00080005)
        if el is not None and el.items is None:
            cs = charset_for(bytes(el.value))
        elif lv.parent is not None:
            cs = level_charset(lv.parent)
        else:
            cs = charset_for(None)
        lv._codecs = cs
    return cs


def creator_of(lv: Level, tag: int) -> str | None:
    """The trimmed value of the creator element that owns private data element ``tag``."""
    c = lv.elems.get((tag & 0xFFFF0000) | ((tag >> 8) & 0xFF))
    if c is None or c.items is not None:
        return None
    return level_charset(lv).decode(c.value).strip(" \x00")


def find_creator_block(lv: Level, group: int, creator: str) -> int | None:
    """The block number (0x10-0xFF) of ``creator`` in ``group``; the match is exact, as CTP's."""
    base = group << 16
    elems = lv.elems
    cs = None
    for block in range(0x10, 0x100):
        c = elems.get(base | block)
        if c is None or c.items is not None:
            continue
        if cs is None:
            cs = level_charset(lv)
        if cs.decode(c.value).strip(" \x00") == creator:
            return block
    return None


class FileCtx:
    __slots__ = ("cs", "pf", "rules", "aliases", "warnings", "uid_map", "processed", "depth", "now",
                 "safe")

    def __init__(self, cs, pf: ParsedFile, rules: dict, aliases: dict):
        self.cs = cs
        self.pf = pf
        self.rules = rules
        self.aliases = aliases
        self.warnings: list = []
        self.uid_map: dict[str, str] = {}
        self.processed: dict = {}
        self.depth = 0
        self.now = _dt.datetime.now()
        self.safe = cs.safe

    def warn(self, code: str, message: str, tag: int | None = None) -> None:
        self.warnings.append(warning(code, message, tag))

    # -- element values as CTP reads them
    def element(self, lv: Level, tag: int) -> Elem | None:
        if tag < 0x00080000 and self.pf.has_meta:
            return self.pf.meta.get(tag)
        return lv.elems.get(tag)

    def string(self, lv: Level, tag: int, el: Elem) -> str | None:
        """§5.1: the value of ``el`` (found at ``tag`` in ``lv``) as CTP's contents() returns it."""
        if el.items is not None:
            return None
        if tag & 0x10000 and tag & 0xFF00 and tag >= 0x00080000:
            creator = creator_of(lv, tag)
            if creator is not None:
                if creator == "CTP":
                    return bytes(el.value).decode("utf-8", "replace")
                dvr = private_vr(tag >> 16, creator, tag & 0xFF)
                if dvr in TEXT_VRS:
                    return level_charset(lv).decode(el.value, dvr)
                if dvr in ("SL", "UL", "US", "SS"):
                    return binary_str(el.value, dvr, self.pf.little)
        if tag < 0x00080000:
            return read_string(el.value, el.vr, level_charset(self.pf.root), True)
        return read_string(el.value, el.vr, level_charset(lv), self.pf.little)


# ------------------------------------------------------------------------------------- refs

class Ref:
    """A compiled element reference (a function argument naming an element)."""

    __slots__ = ("raw", "root", "steps", "empty")

    def __init__(self, ref: ElementRef | None):
        self.raw = ref.raw if ref is not None else ""
        self.root = bool(ref and ref.root)
        self.empty = ref is None or (len(ref.path) == 1 and ref.path[0].kind is NameKind.EMPTY
                                     and not ref.root)
        steps = []
        if ref is not None:
            from ..dicom.names import dcm4che_tag
            for n in ref.path:
                if n.kind in (NameKind.THIS, NameKind.EMPTY):
                    steps.append(("this",))
                elif n.kind is NameKind.TAG:
                    steps.append(("tag", n.tag))
                elif n.kind is NameKind.PRIVATE:
                    steps.append(("private", n.group, n.creator, n.byte or 0))
                else:
                    t = dcm4che_tag(n.text)
                    steps.append(("tag", t) if t is not None else ("alias", n.text.lower()))
        self.steps = tuple(steps)

    @property
    def is_this(self) -> bool:
        return len(self.steps) == 1 and self.steps[0][0] == "this" and not self.root

    def _tag(self, fc: FileCtx, step, lv: Level, this: int) -> int | None:
        k = step[0]
        if k == "tag":
            return step[1]
        if k == "this":
            return this
        if k == "alias":
            return fc.aliases.get(step[1])
        if step[1] & 1:
            block = find_creator_block(lv, step[1], step[2])
            if block is not None:
                return (step[1] << 16) | (block << 8) | step[3]
        return None

    def find(self, fc: FileCtx, lv: Level, this: int):
        """(element, its dataset, tag) or None."""
        if not self.steps:
            return None
        cur = lv.root if self.root else lv
        for step in self.steps[:-1]:
            tag = self._tag(fc, step, cur, this)
            el = cur.elems.get(tag) if tag is not None else None
            if el is None or not el.items:
                return None
            cur = el.items[0]
        tag = self._tag(fc, self.steps[-1], cur, this)
        if tag is None:
            return None
        el = fc.element(cur, tag)
        if el is None:
            return None
        return el, cur, tag

    def value(self, fc: FileCtx, lv: Level, this: int) -> str | None:
        """CTP's contentsNull: None when the name is empty, unknown, missing, or an SQ."""
        if self.empty:
            return None
        hit = self.find(fc, lv, this)
        if hit is None:
            return None
        el, cur, tag = hit
        return fc.string(cur, tag, el)

    def text(self, fc: FileCtx, lv: Level, this: int) -> str:
        """CTP's contents: "" instead of None."""
        v = self.value(fc, lv, this)
        return "" if v is None else v

    def exists(self, fc: FileCtx, lv: Level, this: int) -> bool:
        """``@if(El,exists)``: a single name looked up in the current dataset only."""
        if self.empty:
            return this in lv.elems
        if self.root or len(self.steps) != 1:
            return False
        tag = self._tag(fc, self.steps[0], lv, this)
        return tag is not None and fc.element(lv, tag) is not None


def private_write_vr(fc: FileCtx, out: dict, lv: Level, tag: int, value: str) -> str:
    """§4.5: the VR a private value is written with."""
    if (tag & 0xFFFF) < 0x100:
        return "LO"
    creator = None
    c = out.get((tag & 0xFFFF0000) | ((tag >> 8) & 0xFF))
    if c is not None and c.items is None:
        creator = level_charset(lv).decode(c.value).strip(" \x00")
    vr = private_vr(tag >> 16, creator, tag & 0xFF) if creator else None
    if vr is None:
        creator = creator_of(lv, tag)
        vr = private_vr(tag >> 16, creator, tag & 0xFF) if creator else None
    if vr:
        return vr.split(",")[0] if "," in vr else vr
    return "LO" if len(value) <= 64 else "LT"
