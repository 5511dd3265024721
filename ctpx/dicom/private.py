"""Private elements: CTP's private tag dictionary (VRs and safe codes)."""
from __future__ import annotations

from ._private_dict import PRIVATE

#: The code CTP treats as "safe" when keep.safeprivateelements is on (§4.5).
SAFE_CODE = "K"


def private_entry(group: int, creator: str, byte: int) -> tuple[str, str] | None:
    """(VR, code) for a private data element, keyed as CTP keys it.

    ``creator`` is the creator element's value as CTP reads it (spaces trimmed); CTP upper-cases
    it for this lookup, so the match is case-insensitive here (unlike ``gggg[CREATOR]ee`` rules).
    """
    return PRIVATE.get((group, creator.upper(), byte & 0xFF))


def private_vr(group: int, creator: str | None, byte: int) -> str | None:
    if creator is None:
        return None
    e = private_entry(group, creator, byte)
    return (e[0] or None) if e else None


def is_safe_private(group: int, creator: str | None, byte: int) -> bool:
    if creator is None:
        return False
    e = private_entry(group, creator, byte)
    return e is not None and e[1] == SAFE_CODE
