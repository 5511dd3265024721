"""The intermediate representation (IR) of a CTP DicomAnonymizer script.

The IR is the contract between the loader and every consumer (lint, printer, semantics, check,
diff, engine): frozen, typed dataclasses, built once by ``ctpx.script.load``; nothing after the
loader touches XML or Lark objects. Source spans and comments never take part in equality, so two
scripts that say the same thing in different places compare equal.

Layout
------
``Script`` holds ``items`` in document order: ``Param``, ``ElementRule``, ``KeepRule``,
``RemoveRule`` and ``OpaqueNode`` (an unknown child, kept so that nothing is lost).

An ``ElementRule``'s body is a ``Value``: a sequence of ``Text``, ``Call`` (and its typed
subclasses ``If``, ``Select``, ``Append``, ``Always``) and ``Truncated`` nodes. Call arguments are
``ElementRef``, ``ElementList``, ``ParamRef`` or ``Literal`` according to how CTP reads that
argument of that function (``ctpx.functions``); every argument keeps its ``raw`` text, which is what
CTP itself works on.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property
from typing import Union

from ..errors import Span

__all__ = [
    "Span", "NameKind", "ElementName", "ElementRef", "ElementList", "ParamRef", "Literal", "Arg",
    "Text", "Call", "If", "Select", "Append", "Always", "Truncated", "Node", "Value",
    "TagKind", "TagSelector", "Param", "ElementRule", "KeepRule", "RemoveRule", "RemoveFlag",
    "OpaqueNode", "Item", "ScriptForm", "Script",
]


def _span():
    return field(default=None, compare=False, repr=False)


def _comments():
    return field(default=(), compare=False, repr=False)


# ---------------------------------------------------------------------------------------------
# Element references (function arguments that name an element)

class NameKind(enum.Enum):
    THIS = "this"          # the element being processed
    EMPTY = "empty"        # an empty argument (the current element for @if(,exists))
    NAME = "name"          # a dcm4che name, a DICOM keyword, a private alias, or unknown
    TAG = "tag"            # ggggeeee, (gggg,eeee), [gggg,eeee], {gggg,eeee}
    PRIVATE = "private"    # gggg[CREATOR]ee


@dataclass(frozen=True, slots=True)
class ElementName:
    """One step of an element reference path."""

    text: str
    kind: NameKind
    tag: int | None = None        # TAG: the tag number
    group: int | None = None      # PRIVATE: the group
    creator: str | None = None    # PRIVATE: the creator, exactly as written (CTP matches it exactly)
    byte: int | None = None       # PRIVATE: the element's low byte


@dataclass(frozen=True, slots=True)
class ElementRef:
    """An argument naming an element: ``this``, ``PatientName``, ``(0010,0010)``, ``root:A::B``."""

    raw: str
    path: tuple[ElementName, ...]
    root: bool = False
    span: Span | None = _span()

    @property
    def is_this(self) -> bool:
        return (not self.root and len(self.path) == 1
                and self.path[0].kind in (NameKind.THIS, NameKind.EMPTY))

    @property
    def is_path(self) -> bool:
        return len(self.path) > 1


@dataclass(frozen=True, slots=True)
class ElementList:
    """``El1|El2|...``: the composite key of ``@lookup``."""

    raw: str
    refs: tuple[ElementRef, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class ParamRef:
    """``@NAME`` or ``$NAME`` in an argument CTP reads as a parameter."""

    raw: str
    name: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Literal:
    """Any other argument: CTP reads ``raw`` as text (quotes kept; see ``unquoted``)."""

    raw: str
    span: Span | None = _span()

    @property
    def unquoted(self) -> str:
        """The argument as CTP's getArg reads it: surrounding double quotes removed."""
        s = self.raw.strip()
        if len(s) >= 2 and s.startswith('"') and s.endswith('"'):
            return s[1:-1]
        return s

    @property
    def is_wildcard(self) -> bool:
        return self.raw == "*"


Arg = Union[ElementRef, ElementList, ParamRef, Literal]


# ---------------------------------------------------------------------------------------------
# Expression nodes

@dataclass(frozen=True, slots=True)
class Text:
    """Literal output text (escapes already applied)."""

    value: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Value:
    """A rule body or a clause: the sequence of parts CTP scans left to right."""

    parts: tuple["Node", ...] = ()
    span: Span | None = _span()

    def calls(self):
        """Every call in this value, clauses included, depth first."""
        for p in self.parts:
            if isinstance(p, Call):
                yield p
                for c in p.clauses:
                    yield from c.calls()

    @property
    def is_empty(self) -> bool:
        return not self.parts


@dataclass(frozen=True, slots=True)
class Call:
    """``@name(args){clauses}``.

    ``name`` is CTP's name (whitespace removed, case kept). ``args`` always has at least one
    entry, as in CTP (``@keep()`` has one empty argument). ``swallowed`` is the text CTP drops
    after a call whose clause is missing (None when nothing is dropped).
    """

    name: str
    args: tuple[Arg, ...] = ()
    clauses: tuple[Value, ...] = ()
    swallowed: str | None = None
    span: Span | None = _span()

    @property
    def arity(self) -> int:
        """The number of arguments as a reader counts them: ``@f()`` has none."""
        if len(self.args) == 1 and self.args[0].raw == "":
            return 0
        return len(self.args)

    def arg(self, i: int) -> Arg | None:
        return self.args[i] if i < len(self.args) else None

    def raw_arg(self, i: int) -> str:
        """The raw text of argument i, or "" (CTP's getArg default)."""
        return self.args[i].raw if i < len(self.args) else ""


@dataclass(frozen=True, slots=True)
class If(Call):
    """``@if(Element, condition[, operand]){true}{false}``."""

    @property
    def element(self) -> Arg | None:
        return self.arg(0)

    @property
    def condition(self) -> str:
        return self.raw_arg(1)

    @property
    def operand(self) -> Arg | None:
        return self.arg(2)

    @property
    def then(self) -> Value:
        return self.clauses[0] if self.clauses else Value()

    @property
    def otherwise(self) -> Value:
        return self.clauses[1] if len(self.clauses) > 1 else Value()


@dataclass(frozen=True, slots=True)
class Select(Call):
    """``@select(){at the root}{inside sequence items}``."""

    @property
    def at_root(self) -> Value:
        return self.clauses[0] if self.clauses else Value()

    @property
    def in_items(self) -> Value:
        return self.clauses[1] if len(self.clauses) > 1 else Value()


@dataclass(frozen=True, slots=True)
class Append(Call):
    """``@append(){clause}``: one more value."""

    @property
    def clause(self) -> Value:
        return self.clauses[0] if self.clauses else Value()


@dataclass(frozen=True, slots=True)
class Always(Call):
    """``@always()``: at the start of a rule, create the element when it is missing."""


@dataclass(frozen=True, slots=True)
class Truncated:
    """Where CTP stops scanning and drops the rest of the value.

    ``reason`` is ``"bare"`` (an ``@`` with no ``(`` after it) or ``"unclosed"`` (an argument
    list that never closes); ``dropped`` is the text from the ``@`` on.
    """

    reason: str
    dropped: str
    span: Span | None = _span()


Node = Union[Text, Call, Truncated]

CALL_CLASSES: dict[str, type[Call]] = {"if": If, "select": Select, "append": Append,
                                       "always": Always}


# ---------------------------------------------------------------------------------------------
# Tag selectors (the t attribute of <e>)

class TagKind(enum.Enum):
    NUMERIC = "numeric"    # ggggeeee
    PRIVATE = "private"    # gggg[CREATOR]ee (ee may be missing: a CTP bug, see §1.3)
    INVALID = "invalid"    # anything CTP cannot resolve; the rule never applies


@dataclass(frozen=True, slots=True, eq=False)
class TagSelector:
    """The element an ``<e>`` rule targets, parsed from ``t`` as CTP parses it (§1.2-§1.3)."""

    raw: str
    kind: TagKind
    group: int | None = None
    element: int | None = None     # NUMERIC: the element number; PRIVATE: the low byte or None
    creator: str | None = None

    def _key(self):
        if self.kind is TagKind.INVALID:
            return (self.kind, self.raw)
        return (self.kind, self.group, self.element, self.creator)

    def __eq__(self, other):
        return isinstance(other, TagSelector) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    @property
    def tag(self) -> int | None:
        """The tag number of a numeric selector."""
        if self.kind is TagKind.NUMERIC:
            return (self.group << 16) | self.element
        return None

    @property
    def is_private(self) -> bool:
        return self.group is not None and self.group % 2 == 1

    @property
    def is_canonical(self) -> bool:
        """True for the spellings real scripts use: 8 hex digits, or gggg[CREATOR]ee."""
        if self.kind is TagKind.NUMERIC:
            return len(self.raw) == 8
        return self.kind is TagKind.PRIVATE and self.element is not None

    def canonical(self) -> str:
        """``ggggeeee`` in lower case, ``gggg[CREATOR]ee``, or the raw text if invalid."""
        if self.kind is TagKind.NUMERIC:
            return f"{self.group:04x}{self.element:04x}"
        if self.kind is TagKind.PRIVATE:
            ee = "" if self.element is None else f"{self.element:02x}"
            return f"{self.group:04x}[{self.creator}]{ee}"
        return self.raw

    def __str__(self) -> str:
        if self.kind is TagKind.NUMERIC:
            return f"({self.group:04X},{self.element:04X})"
        if self.kind is TagKind.PRIVATE:
            ee = "" if self.element is None else f"{self.element:02X}"
            return f"({self.group:04X},[{self.creator}]{ee})"
        return self.raw


# ---------------------------------------------------------------------------------------------
# Script items

@dataclass(frozen=True, slots=True)
class Param:
    """``<p t="NAME">value</p>``: the value is not trimmed (CTP keeps it as written)."""

    name: str
    value: str
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


@dataclass(frozen=True, slots=True)
class ElementRule:
    """``<e en="T" t="TAG" n="LABEL">body</e>``.

    ``text`` is the body as CTP reads it (XML text, trimmed); ``expr`` is its parse. ``label`` is
    None when the ``n`` attribute is missing. ``en`` is the attribute as written (None if absent):
    only exactly ``T`` enables a rule.
    """

    tag: TagSelector
    label: str | None
    enabled: bool
    text: str
    expr: Value
    en: str | None = field(default=None, compare=False, repr=False)
    span: Span | None = _span()
    body_span: Span | None = _span()
    comments: tuple[str, ...] = _comments()

    @property
    def starts_with_always(self) -> bool:
        return bool(self.expr.parts) and isinstance(self.expr.parts[0], Always)


class RemoveFlag(enum.Enum):
    """The four global removal switches CTP reads (``<r t=...>``); any other ``t`` is inert."""

    PRIVATE_GROUPS = "privategroups"
    UNSPECIFIED = "unspecifiedelements"
    OVERLAYS = "overlays"
    CURVES = "curves"


@dataclass(frozen=True, slots=True)
class KeepRule:
    """``<k en="T" t="gggg">label</k>`` (keep a group) or ``t="safeprivateelements"``."""

    target: str
    enabled: bool
    label: str = ""
    en: str | None = field(default=None, compare=False, repr=False)
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()

    @property
    def safe_private(self) -> bool:
        """CTP tests ``t.startsWith("safe")``."""
        return self.target.startswith("safe")

    @property
    def group(self) -> int | None:
        """The group CTP keeps: ``t`` read as hex; a value it cannot read means group 0."""
        if self.safe_private:
            return None
        try:
            return int(self.target, 16)
        except ValueError:
            return 0

    @property
    def valid(self) -> bool:
        if self.safe_private:
            return True
        try:
            int(self.target, 16)
        except ValueError:
            return False
        return True


@dataclass(frozen=True, slots=True)
class RemoveRule:
    """``<r en="T" t="privategroups">label</r>``. ``flag`` is None for a target CTP ignores."""

    target: str
    enabled: bool
    label: str = ""
    en: str | None = field(default=None, compare=False, repr=False)
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()

    @property
    def flag(self) -> RemoveFlag | None:
        try:
            return RemoveFlag(self.target)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class OpaqueNode:
    """A child of the root that CTP ignores (an unknown element name), kept verbatim."""

    name: str
    xml: str
    span: Span | None = _span()
    comments: tuple[str, ...] = _comments()


Item = Union[Param, ElementRule, KeepRule, RemoveRule, OpaqueNode]


class ScriptForm(enum.Enum):
    XML = "xml"
    PROPERTIES = "properties"


@dataclass(frozen=True)
class Script:
    """A whole script. Derived views (``params``, ``rules_by_tag``, ...) apply CTP's rules."""

    items: tuple[Item, ...] = ()
    path: str | None = field(default=None, compare=False)
    form: ScriptForm = field(default=ScriptForm.XML, compare=False)
    root_name: str = field(default="script", compare=False)
    trailing_comments: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __repr__(self) -> str:
        return (f"Script(path={self.path!r}, form={self.form.value}, params={len(self.param_items)}, "
                f"rules={len(self.rules)}, keeps={len(self.keeps)}, removes={len(self.removes)})")

    # -- the items by kind, in document order
    @cached_property
    def param_items(self) -> tuple[Param, ...]:
        return tuple(i for i in self.items if isinstance(i, Param))

    @cached_property
    def rules(self) -> tuple[ElementRule, ...]:
        return tuple(i for i in self.items if isinstance(i, ElementRule))

    @cached_property
    def keeps(self) -> tuple[KeepRule, ...]:
        return tuple(i for i in self.items if isinstance(i, KeepRule))

    @cached_property
    def removes(self) -> tuple[RemoveRule, ...]:
        return tuple(i for i in self.items if isinstance(i, RemoveRule))

    @cached_property
    def opaque(self) -> tuple[OpaqueNode, ...]:
        return tuple(i for i in self.items if isinstance(i, OpaqueNode))

    # -- what CTP sees
    @cached_property
    def params(self) -> dict[str, str]:
        """Parameter values; for a name defined twice the last definition wins (§1.2)."""
        out: dict[str, str] = {}
        for p in self.param_items:
            out[p.name] = p.value
        return out

    @cached_property
    def enabled_rules(self) -> tuple[ElementRule, ...]:
        return tuple(r for r in self.rules if r.enabled)

    @cached_property
    def rules_by_tag(self) -> dict[TagSelector, tuple[ElementRule, ...]]:
        """Enabled rules grouped by target, in document order."""
        out: dict[TagSelector, list[ElementRule]] = {}
        for r in self.enabled_rules:
            out.setdefault(r.tag, []).append(r)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def keep_groups(self) -> frozenset[int]:
        return frozenset(k.group for k in self.keeps if k.enabled and not k.safe_private)

    @cached_property
    def keep_safe_private(self) -> bool:
        return any(k.enabled and k.safe_private for k in self.keeps)

    @cached_property
    def flags(self) -> frozenset[RemoveFlag]:
        return frozenset(r.flag for r in self.removes if r.enabled and r.flag is not None)

    def has_flag(self, flag: RemoveFlag) -> bool:
        return flag in self.flags

    def with_params(self, overrides: dict[str, str]) -> "Script":
        """A copy with parameters set (``--param``): existing ones replaced, new ones appended."""
        items = []
        seen = set()
        for it in self.items:
            if isinstance(it, Param) and it.name in overrides:
                if it.name in seen:
                    continue
                seen.add(it.name)
                items.append(Param(it.name, overrides[it.name], it.span, it.comments))
            else:
                items.append(it)
        for name, value in overrides.items():
            if name not in seen:
                items.append(Param(name, value))
        return Script(tuple(items), self.path, self.form, self.root_name, self.trailing_comments)
