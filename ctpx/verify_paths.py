"""Element paths in MIDI-B notation, shared by ``ctpx verify`` and the synthetic study generator.

A path names one element inside a dataset, from the top level down through sequence items:

- a public (or group 0002) element: ``<(0040,0275)>``;
- an item of the sequence before it: ``[<0>]`` (0-based);
- a private data element: ``<(0009,"GEMS_IDEN_01",04)>`` -- the group, the creator value and the
  element's low byte, so that the same element reads the same whichever block it was put in;
- a private creator element, or a private element whose creator is missing: plain
  ``<(0009,0010)>``.

Example: ``<(0040,0275)>[<0>]<(0040,1001)>`` is RequestedProcedureID in the first item of
RequestAttributesSequence. These are the paths TCIA's MIDI-B validation data uses, so records can
be compared with its answer keys.
"""
from __future__ import annotations

from typing import Iterable, Union

#: One step: a tag (int), an item index (``Item``), or a private tag with its creator.
Step = Union[int, "Item", "PrivateTag"]


class Item(int):
    """An item index in a path (kept apart from tags, which are ints too)."""


class PrivateTag(tuple):
    """(group, creator, element byte) of a private data element."""

    def __new__(cls, group: int, creator: str, byte: int):
        return super().__new__(cls, (group, creator, byte & 0xFF))


def tag_step(tag: int) -> str:
    return f"<({tag >> 16:04X},{tag & 0xFFFF:04X})>"


def private_step(group: int, creator: str, byte: int) -> str:
    creator = creator.replace('"', '\\"')
    return f'<({group:04X},"{creator}",{byte & 0xFF:02X})>'


def item_step(index: int) -> str:
    return f"[<{index}>]"


def format_path(steps: Iterable[Step]) -> str:
    out = []
    for s in steps:
        if isinstance(s, Item):
            out.append(item_step(s))
        elif isinstance(s, PrivateTag):
            out.append(private_step(*s))
        else:
            out.append(tag_step(int(s)))
    return "".join(out)


def element_step(tag: int, creator: str | None) -> str:
    """The step for a tag inside a dataset: private data elements carry their creator."""
    group, elem = tag >> 16, tag & 0xFFFF
    if group & 1 and elem >= 0x1000 and creator:
        return private_step(group, creator, elem)
    return tag_step(tag)
