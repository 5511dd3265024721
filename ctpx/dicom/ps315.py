"""DICOM PS3.15 Annex E as typed data: Table E.1-1 with its options, E.1-1a and E.3.10-1.

The rows themselves are generated data (``_ps315_e1_1.py``, ``_ps315_e3_10.py``, written by
``scripts/gen_ps315.py`` from ``../shared/ps315``); this module gives them types:

- ``Action``: the eleven action codes of Table E.1-1a (D, Z, X, K, C, U, Z/D, X/Z, X/D, X/Z/D,
  X/Z/U*), with their meaning and the plain actions each one allows (``Action.X_Z.choices``).
- ``Option``: the ten option columns, named as on the command line (``retain-uids``), with the
  standard's title, section and CID 7050 code.
- ``Attribute``: one row: tag (or the ``50xx``/``60xx``/private pattern), keyword, name, the
  Basic Profile action and the option cells. ``Attribute.actions(options)`` says what the
  profile requires under a set of options.
- ``attributes()``, ``attribute(tag)``, ``safe_private(group, creator, byte)``, ``version_info()``.

The edition is ``EDITION`` (2024c); rows added by a newer edition are included with their Basic
Profile action only (``Attribute.edition`` says which), since no complete copy of their option
columns exists.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from . import _ps315_e1_1 as _t
from . import _ps315_e3_10 as _s
from .names import dicom_vr, keyword as _keyword

EDITION = _t.EDITION
ADDITIONS_EDITION = _t.ADDITIONS_EDITION


class Action(enum.Enum):
    """A de-identification action code (Table E.1-1a)."""

    D = "D"
    Z = "Z"
    X = "X"
    K = "K"
    C = "C"
    U = "U"
    Z_D = "Z/D"
    X_Z = "X/Z"
    X_D = "X/D"
    X_Z_D = "X/Z/D"
    X_Z_U = "X/Z/U*"

    def __str__(self) -> str:
        return self.value

    @property
    def meaning(self) -> str:
        return _t.ACTION_CODES[self.value]

    @property
    def choices(self) -> frozenset[str]:
        """The plain actions this code allows: ``X/Z/U*`` allows X, Z and U."""
        return frozenset(self.value.rstrip("*").split("/"))

    @property
    def allows_removal(self) -> bool:
        return "X" in self.choices


class Option(enum.Enum):
    """A de-identification option of Annex E (a column of Table E.1-1)."""

    RETAIN_SAFE_PRIVATE = "retain-safe-private"
    RETAIN_UIDS = "retain-uids"
    RETAIN_DEVICE_ID = "retain-device-id"
    RETAIN_INSTITUTION_ID = "retain-institution-id"
    RETAIN_PATIENT_CHARS = "retain-patient-chars"
    RETAIN_LONG_FULL_DATES = "retain-long-full-dates"
    RETAIN_LONG_MODIFIED_DATES = "retain-long-modified-dates"
    CLEAN_DESCRIPTORS = "clean-descriptors"
    CLEAN_STRUCTURED_CONTENT = "clean-structured-content"
    CLEAN_GRAPHICS = "clean-graphics"

    def __str__(self) -> str:
        return self.value

    @property
    def column(self) -> str:
        return _OPTION_INFO[self][0]

    @property
    def title(self) -> str:
        return _OPTION_INFO[self][1]

    @property
    def section(self) -> str:
        return _OPTION_INFO[self][2]

    @property
    def code(self) -> str:
        """The CID 7050 code that declares this option in (0012,0064)."""
        return _OPTION_INFO[self][3]


_OPTION_INFO = {
    Option.RETAIN_SAFE_PRIVATE: ("rtn_safe_priv", "Retain Safe Private Option", "E.3.10", "113111"),
    Option.RETAIN_UIDS: ("rtn_uids", "Retain UIDs Option", "E.3.9", "113110"),
    Option.RETAIN_DEVICE_ID: ("rtn_dev_id", "Retain Device Identity Option", "E.3.8", "113109"),
    Option.RETAIN_INSTITUTION_ID: ("rtn_inst_id", "Retain Institution Identity Option", "E.3.11",
                                   "113112"),
    Option.RETAIN_PATIENT_CHARS: ("rtn_pat_chars", "Retain Patient Characteristics Option", "E.3.7",
                                  "113108"),
    Option.RETAIN_LONG_FULL_DATES: ("rtn_long_full_dates",
                                    "Retain Longitudinal Temporal Information with Full Dates "
                                    "Option", "E.3.6", "113106"),
    Option.RETAIN_LONG_MODIFIED_DATES: ("rtn_long_modif_dates",
                                        "Retain Longitudinal Temporal Information with Modified "
                                        "Dates Option", "E.3.6", "113107"),
    Option.CLEAN_DESCRIPTORS: ("clean_desc", "Clean Descriptors Option", "E.3.5", "113105"),
    Option.CLEAN_STRUCTURED_CONTENT: ("clean_struct_cont", "Clean Structured Content Option",
                                      "E.3.4", "113104"),
    Option.CLEAN_GRAPHICS: ("clean_graph", "Clean Graphics Option", "E.3.3", "113103"),
}
assert tuple(i[0] for i in _OPTION_INFO.values()) == _t.OPTION_COLUMNS

#: The code that declares the Basic Profile in (0012,0064).
BASIC_PROFILE_CODE = "113100"

#: Options that cannot be used together (E.3.6).
EXCLUSIVE_OPTIONS = (frozenset({Option.RETAIN_LONG_FULL_DATES, Option.RETAIN_LONG_MODIFIED_DATES}),)

# When several selected options have a cell for one row (Retain Device Identity K and Retain
# Longitudinal Modified Dates C on calibration dates), each of them permits its action; the most
# retentive is listed first, because it is the one a generator should apply.
_RETENTION_ORDER = {Action.K: 0, Action.C: 1}


class OptionError(ValueError):
    """Options that cannot be combined or are unknown."""


def parse_options(names: Iterable[str | Option]) -> frozenset[Option]:
    """Option names (``retain-uids``) -> a validated set; raises ``OptionError``."""
    out = set()
    for n in names:
        if isinstance(n, Option):
            out.add(n)
            continue
        try:
            out.add(Option(n))
        except ValueError:
            raise OptionError(f"unknown option {n!r}; choose from "
                              f"{', '.join(o.value for o in Option)}") from None
    for group in EXCLUSIVE_OPTIONS:
        if group <= out:
            raise OptionError(" and ".join(sorted(o.value for o in group))
                              + " cannot be used together (PS3.15 E.3.6)")
    return frozenset(out)


class RowKind(enum.Enum):
    TAG = "tag"            # one attribute
    OVERLAY = "overlay"    # (60xx,3000) or (60xx,4000): every even group 6000-601E
    CURVE = "curve"        # (50xx,xxxx): every element of the even groups 5000-501E
    PRIVATE = "private"    # (gggg,eeee), gggg odd


#: The even repeating groups of PS3.5 §7.6.
REPEATING_GROUPS = tuple(range(0, 0x20, 2))


@dataclass(frozen=True)
class Attribute:
    """One row of Table E.1-1."""

    pattern: str                     # 'GGGGEEEE', '60xx3000', '60xx4000', '50xxxxxx', 'ggggeeee'
    keyword: str
    name: str
    retired: bool
    in_std_comp_iod: str
    basic: Action
    options: tuple[tuple[Option, Action], ...]
    edition: str

    @property
    def kind(self) -> RowKind:
        if self.pattern.startswith("60xx"):
            return RowKind.OVERLAY
        if self.pattern.startswith("50xx"):
            return RowKind.CURVE
        if self.pattern == "ggggeeee":
            return RowKind.PRIVATE
        return RowKind.TAG

    @property
    def tag(self) -> int | None:
        return int(self.pattern, 16) if self.kind is RowKind.TAG else None

    @property
    def tags(self) -> tuple[int, ...]:
        """Concrete tags to examine: the tag, or the element in each repeating group."""
        if self.kind is RowKind.TAG:
            return (self.tag,)
        if self.kind is RowKind.OVERLAY:
            elem = int(self.pattern[4:], 16)
            return tuple(((0x6000 + g) << 16) | elem for g in REPEATING_GROUPS)
        if self.kind is RowKind.CURVE:
            # Curve Data covers every element of the group; (50xx,3000) stands for them.
            return tuple(((0x5000 + g) << 16) | 0x3000 for g in REPEATING_GROUPS)
        return ()

    @property
    def label(self) -> str:
        """``(0010,0010)``, ``(60xx,3000)``, ``(gggg,eeee)``."""
        p = self.pattern
        return f"({p[:4]},{p[4:]})"

    @property
    def vr(self) -> str | None:
        if self.kind is RowKind.TAG:
            vr = dicom_vr(self.tag)
            # Rows newer than the installed dictionary: the standard's names say what they hold.
            if vr is None and self.name.endswith("Sequence"):
                return "SQ"
            return vr
        if self.kind is RowKind.OVERLAY:
            return dicom_vr(self.tags[0])
        return None

    @property
    def is_sequence(self) -> bool:
        return self.vr == "SQ"

    @property
    def display_keyword(self) -> str:
        return self.keyword or (self.tag is not None and _keyword(self.tag)) or self.name

    def option(self, option: Option) -> Action | None:
        for o, a in self.options:
            if o is option:
                return a
        return None

    def actions(self, options: Iterable[Option] = ()) -> tuple[Action, ...]:
        """The actions the profile permits under ``options``: the option cells that apply (the
        most retentive first), or the Basic Profile action when no selected option has a cell."""
        cells = [a for o, a in self.options if o in set(options)]
        if not cells:
            return (self.basic,)
        seen: list[Action] = []
        for a in sorted(cells, key=lambda a: _RETENTION_ORDER.get(a, 2)):
            if a not in seen:
                seen.append(a)
        return tuple(seen)

    def action(self, options: Iterable[Option] = ()) -> Action:
        """The single action a generator applies under ``options``."""
        return self.actions(options)[0]

    def citation(self, options: Iterable[Option] = ()) -> str:
        """``PS3.15 2024c Table E.1-1: Basic Profile X`` (or the option that decides)."""
        opts = set(options)
        parts = [f"{o.title.replace(' Option', '')} {a}" for o, a in self.options if o in opts]
        if not parts:
            parts = [f"Basic Profile {self.basic}"]
        return f"PS3.15 {self.edition} Table E.1-1: " + ", ".join(parts)


def _build() -> tuple[Attribute, ...]:
    cols = {i[0]: o for o, i in _OPTION_INFO.items()}
    rows = []
    for pattern, kw, name, retired, iod, basic, cells in _t.ROWS:
        opts = tuple((cols[c], Action(v)) for c, v in zip(_t.OPTION_COLUMNS, cells) if v)
        rows.append(Attribute(pattern, kw, name, retired, iod, Action(basic), opts, EDITION))
    for pattern, kw, name, basic in _t.ADDITIONS:
        rows.append(Attribute(pattern, kw or (_keyword(int(pattern, 16)) or ""), name, False, "",
                              Action(basic), (), ADDITIONS_EDITION))
    return tuple(rows)


@lru_cache(maxsize=1)
def attributes() -> tuple[Attribute, ...]:
    """Every row of Table E.1-1 (the edition's rows, then the newer Basic-only rows)."""
    return _build()


@lru_cache(maxsize=1)
def _by_tag() -> dict[int, Attribute]:
    return {a.tag: a for a in attributes() if a.tag is not None}


def attribute(tag: int) -> Attribute | None:
    """The row that covers ``tag``: its own row, a 50xx/60xx row, or the private row."""
    hit = _by_tag().get(tag)
    if hit is not None:
        return hit
    group, elem = tag >> 16, tag & 0xFFFF
    for a in attributes():
        if a.kind is RowKind.OVERLAY and group & 0xFFE1 == 0x6000 and elem == int(a.pattern[4:], 16):
            return a
        if a.kind is RowKind.CURVE and group & 0xFFE1 == 0x5000:
            return a
        if a.kind is RowKind.PRIVATE and group % 2 == 1 and group > 0x0008:
            return a
    return None


def private_row() -> Attribute:
    return next(a for a in attributes() if a.kind is RowKind.PRIVATE)


# ---------------------------------------------------------------------------------------------
# Table E.3.10-1

@dataclass(frozen=True)
class SafePrivate:
    group: int
    byte: int
    creator: str
    vr: str
    vm: str
    meaning: str

    @property
    def label(self) -> str:
        return f"({self.group:04X},xx{self.byte:02X}) {self.creator}"


@lru_cache(maxsize=1)
def safe_private_elements() -> tuple[SafePrivate, ...]:
    return tuple(SafePrivate(*r) for r in _s.SAFE_PRIVATE)


@lru_cache(maxsize=1)
def _safe_index() -> dict[tuple[int, int, str], SafePrivate]:
    return {(e.group, e.byte, e.creator): e for e in safe_private_elements()}


def safe_private(group: int, creator: str, byte: int) -> SafePrivate | None:
    """The Table E.3.10-1 entry for a private element, matched on the exact creator text."""
    return _safe_index().get((group, byte & 0xFF, creator))


def version_info() -> dict[str, object]:
    """The edition and provenance of the tables, for ``ctpx check --version-info``."""
    return {
        "standard": "DICOM PS3.15 Annex E",
        "edition": EDITION,
        "subtitle": _t.SUBTITLE,
        "source_sha256": _t.SOURCE_SHA256,
        "table_e1_1_rows": len(_t.ROWS),
        "additions_edition": ADDITIONS_EDITION,
        "additions_rows": len(_t.ADDITIONS),
        "additions_source": _t.ADDITIONS_SOURCE,
        "additions_note": "Basic Profile action only; option cells unknown",
        "table_e3_10_1_rows": len(_s.SAFE_PRIVATE),
        "generated_by": "scripts/gen_ps315.py",
    }


# ---------------------------------------------------------------------------------------------
# What sequences hold (PS3.3 macros), for messages about sequences kept with their items
#
# Table E.1-1 says an action on a sequence applies to its whole content, but not what that content
# is. This short, hand-kept list names the attributes PS3.3 puts into some common sequences (the
# SOP Instance Reference, Person Identification, Content Item and Request Attributes macros,
# among others). It only feeds messages; it is not a complete model of PS3.3.

_SOP_REF = (0x00081150, 0x00081155, 0x00081160)
_PERSON = (0x00401101, 0x00401102, 0x00401103, 0x00401104, 0x00080080, 0x00080081, 0x00080082,
           0x00081040, 0x00081041)
_CONTENT_ITEM = (0x0040A160, 0x0040A123, 0x0040A124, 0x0040A120, 0x0040A121, 0x0040A122,
                 0x0040A032, 0x0040A171, 0x00081199, 0x0040A730)
_AUTHOR = (0x0040A084, 0x0040A123, 0x00081010, 0x00181002, 0x00080070, 0x00081090, 0x00181000,
           0x0040A082) + _PERSON

#: Sequence tag -> tags PS3.3 places in its items; ANY_ATTRIBUTE marks "any attribute at all".
ANY_ATTRIBUTE = -1
SEQUENCE_CONTENTS: dict[int, tuple[int, ...]] = {
    0x00081140: _SOP_REF, 0x00082112: _SOP_REF, 0x00081110: _SOP_REF, 0x00081111: _SOP_REF,
    0x00081120: _SOP_REF, 0x0008114A: _SOP_REF, 0x00081199: _SOP_REF, 0x00081125: _SOP_REF,
    0x00380004: _SOP_REF,
    0x00081115: (0x0020000E, 0x0008114A) + _SOP_REF,
    0x00101002: (0x00100020, 0x00100021, 0x00100022, 0x00100024),
    0x00400275: (0x00401001, 0x00400009, 0x00400007, 0x00080050, 0x0020000D, 0x00321060,
                 0x00401002, 0x00081110),
    0x00400100: (0x00400001, 0x00400002, 0x00400003, 0x00400004, 0x00400005, 0x00400006,
                 0x00400007, 0x00400009, 0x00400010, 0x00400011, 0x00400012, 0x0040000B),
    0x0040A073: (0x0040A075, 0x0040A088, 0x0040A027, 0x0040A030),
    0x0040A078: _AUTHOR, 0x0040A07A: _AUTHOR,
    0x0040A730: _CONTENT_ITEM, 0x00400555: _CONTENT_ITEM,
    0x00540016: (0x00181072, 0x00181073, 0x00181078, 0x00181079),
    0x00080096: _PERSON, 0x00081049: _PERSON, 0x00081052: _PERSON, 0x00081062: _PERSON,
    0x00081072: _PERSON, 0x0040000B: _PERSON, 0x00401011: _PERSON, 0x00321031: _PERSON,
    0x00404034: (0x00404037, 0x00404036, 0x00404009),
    0x00404035: (0x00404037, 0x00404036, 0x00404009),
    0x00700001: (0x00700006, 0x00700008, 0x00081140),
    0x30060010: (0x00200052, 0x30060012, 0x30060014),
    0x30060020: (0x30060024, 0x30060026, 0x30060028, 0x30060038),
    0x04000550: (ANY_ATTRIBUTE,), 0x04000561: (ANY_ATTRIBUTE,),
}


def sequence_contents(tag: int) -> tuple[Attribute, ...] | None:
    """Rows of Table E.1-1 that may appear inside the sequence ``tag`` (None: not known;
    an empty tuple: nothing the table lists). For ANY_ATTRIBUTE sequences, every row."""
    members = SEQUENCE_CONTENTS.get(tag)
    if members is None:
        return None
    if ANY_ATTRIBUTE in members:
        return tuple(a for a in attributes() if a.kind is RowKind.TAG)
    by_tag = _by_tag()
    return tuple(by_tag[t] for t in members if t in by_tag)
