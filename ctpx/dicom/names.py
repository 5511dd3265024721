"""Tag <-> name tables: CTP's dcm4che 1.x names and the DICOM keywords (both generated data).

CTP scripts name elements in function arguments with **dcm4che 1.x names** (``RefSeriesSeq``,
``ImagePosition``), which are not DICOM keywords (``ReferencedSeriesSequence``,
``ImagePositionPatient``). ctpx shows both to readers, but resolves names the way CTP does.
"""
from __future__ import annotations

from functools import lru_cache

from . import _dcm4che_dict as _d4
from . import _keywords as _kw


def dcm4che_tag(name: str) -> int | None:
    """The tag of a dcm4che name (exact, case-sensitive, as CTP's Tags lookup is)."""
    return _d4.NAMES.get(name)


def _repeating(table, tag: int):
    for mask, value, *rest in table:
        if tag & mask == value:
            return rest
    return None


@lru_cache(maxsize=4096)
def dcm4che_entry(tag: int) -> tuple[str, str] | None:
    """(name, VR) from CTP's dictionary, repeating groups included."""
    hit = _d4.TAGS.get(tag)
    if hit is not None:
        return hit
    rep = _repeating(_d4.REPEATING, tag)
    return tuple(rep) if rep else None


def dcm4che_name(tag: int) -> str | None:
    e = dcm4che_entry(tag)
    return e[0] if e else None


def dcm4che_vr(tag: int) -> str | None:
    e = dcm4che_entry(tag)
    return e[1] if e else None


@lru_cache(maxsize=1)
def _keyword_index() -> dict[str, int]:
    return {entry[0]: tag for tag, entry in _kw.TAGS.items()}


def _pattern_match(pattern: str, tag: int) -> bool:
    text = f"{tag:08X}"
    return all(p in "xX" or p.upper() == c for p, c in zip(pattern, text))


@lru_cache(maxsize=4096)
def keyword_entry(tag: int) -> tuple[str, str, str, bool] | None:
    """(keyword, name, VR, retired) from the DICOM dictionary, repeating groups included."""
    hit = _kw.TAGS.get(tag)
    if hit is not None:
        return hit
    for pattern, kw, name, vr in _kw.REPEATING:
        if _pattern_match(pattern, tag):
            return (kw, name, vr, True)
    return None


def keyword(tag: int) -> str | None:
    e = keyword_entry(tag)
    return e[0] if e else None


def keyword_tag(kw: str) -> int | None:
    return _keyword_index().get(kw)


def dicom_name(tag: int) -> str | None:
    e = keyword_entry(tag)
    return e[1] if e else None


def dicom_vr(tag: int) -> str | None:
    e = keyword_entry(tag)
    return e[2] if e else None


def tag_str(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def tag_hex(tag: int) -> str:
    return f"{tag:08X}"


def describe(tag: int) -> str:
    """``(0010,0010) PatientName`` for messages."""
    kw = keyword(tag) or dcm4che_name(tag)
    return f"{tag_str(tag)} {kw}" if kw else tag_str(tag)


def is_private(tag: int) -> bool:
    return (tag >> 16) & 1 == 1


def is_private_creator(tag: int) -> bool:
    return is_private(tag) and 0x0010 <= (tag & 0xFFFF) <= 0x00FF


@lru_cache(maxsize=1)
def sequence_tags() -> tuple[int, ...]:
    """Every sequence (VR SQ) of the DICOM dictionary, in tag order."""
    return tuple(sorted(tag for tag, entry in _kw.TAGS.items() if entry[2] == "SQ"))
