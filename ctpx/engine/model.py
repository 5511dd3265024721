"""The engine's view of a DICOM dataset: elements holding raw value bytes, datasets as dicts.

The engine never converts values through pydicom: a value is the bytes the file holds (a
memoryview into the input buffer, so pixel data is never copied), in the byte order of the
input. A replaced value is encoded in that same byte order, so the writer can treat original and
replaced elements alike.
"""
from __future__ import annotations


class Elem:
    """One element. ``value`` is bytes-like for leaves; ``items`` is a list of ``Level`` for SQ.

    ``undefined`` marks a non-SQ value of undefined length (encapsulated pixel data): ``value``
    then holds the items without the sequence delimiter, which the writer adds back. ``pos`` is
    where a value read from the input starts in the parsed buffer (-1 for a new value), so the
    writer can hand large untouched values to the file system as ranges of the input file.
    """

    __slots__ = ("tag", "vr", "value", "items", "undefined", "pos")

    def __init__(self, tag: int, vr: str, value=b"", items=None, undefined: bool = False,
                 pos: int = -1):
        self.tag = tag
        self.vr = vr
        self.value = value
        self.items = items
        self.undefined = undefined
        self.pos = pos

    def __repr__(self) -> str:
        if self.items is not None:
            return f"Elem({self.tag:08X} SQ, {len(self.items)} items)"
        if self.value.__class__ is NotRead:
            return f"Elem({self.tag:08X} {self.vr}, {self.value!r})"
        return f"Elem({self.tag:08X} {self.vr}, {bytes(self.value[:32])!r})"


class NotRead:
    """The value of the top-level pixel data when only the start of the file was read.

    CTP never runs rules on the top-level pixel data, so its bytes are needed only to write
    them out, which the writer does as a range of the input file. It has a length and nothing
    else: any code that tries to read its bytes fails loudly instead of seeing wrong data.
    """

    __slots__ = ("length",)

    def __init__(self, length: int):
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __repr__(self) -> str:
        return f"NotRead({self.length})"


class Level:
    """A dataset (the root or one sequence item): elements by tag, in file order."""

    __slots__ = ("elems", "parent", "_codecs")

    def __init__(self, elems: dict[int, Elem] | None = None, parent: "Level | None" = None):
        self.elems = {} if elems is None else elems
        self.parent = parent
        self._codecs = None

    def get(self, tag: int) -> Elem | None:
        return self.elems.get(tag)

    def __contains__(self, tag: int) -> bool:
        return tag in self.elems

    @property
    def root(self) -> "Level":
        lv = self
        while lv.parent is not None:
            lv = lv.parent
        return lv


PIXEL_DATA = 0x7FE00010
SPECIFIC_CHARACTER_SET = 0x00080005
ITEM = 0xFFFEE000
ITEM_DELIMITER = 0xFFFEE00D
SEQUENCE_DELIMITER = 0xFFFEE0DD
