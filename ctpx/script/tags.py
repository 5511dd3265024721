"""The ``t`` attribute of an ``<e>`` rule, read the way CTP reads it (ctp-semantics §1.2-§1.3).

CTP splits ``t`` after four characters into ``[gggg,rest]`` and resolves that once per file. Only
two spellings ever resolve: eight hex digits, and the private form ``gggg[CREATOR]ee``. Everything
else (``(0010,0010)``, ``PatientSex``, ``60xx3000``) is silently ignored by CTP; ctpx keeps it as
an INVALID selector so that lint can report it.
"""
from __future__ import annotations

import re

from .ir import TagKind, TagSelector

_HEX4 = re.compile(r"[0-9A-Fa-f]{4}\Z")
_REST_HEX = re.compile(r"[0-9A-Fa-f]{1,4}\Z")
_REST_PRIVATE = re.compile(r"\[([^\]]*)\]([0-9A-Fa-f]{0,2})\Z")


def parse_tag_selector(t: str) -> TagSelector:
    if len(t) < 4 or not _HEX4.match(t[:4]):
        return TagSelector(t, TagKind.INVALID)
    group = int(t[:4], 16)
    rest = t[4:]
    m = _REST_PRIVATE.match(rest)
    if m:
        byte = int(m.group(2), 16) if m.group(2) else None
        return TagSelector(t, TagKind.PRIVATE, group, byte, m.group(1))
    if _REST_HEX.match(rest):
        return TagSelector(t, TagKind.NUMERIC, group, int(rest, 16))
    return TagSelector(t, TagKind.INVALID)


def numeric_selector(tag: int) -> TagSelector:
    return TagSelector(f"{tag:08x}", TagKind.NUMERIC, tag >> 16, tag & 0xFFFF)
