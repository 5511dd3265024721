"""The registry of CTP DicomAnonymizer functions: one entry per function name.

This table is the single description of the script language's functions. The parser uses it to
type arguments (element reference, parameter, text) and to know which calls take ``{}`` clauses;
lint uses it for arity; the engine (``ctpx.engine.functions``) attaches an implementation to
every dispatched name, and a test checks that both sides name the same functions.

Argument reading modes follow ctp-semantics §2.2/§3:
- ``ELEMENT``: raw text naming an element (``this``, a dcm4che name, a tag, a private form, a path);
- ``ELEMENTS``: ``El1|El2|...`` (``@lookup`` keys);
- ``PARAM``: CTP's getParam: ``@NAME``/``$NAME`` is a parameter, anything else is literal text;
- ``TEXT``: getArg: surrounding double quotes removed;
- ``RAW``: the raw argument, quotes kept (lookup key types, integers);
- ``CONDITION``: the ``@if`` condition keyword, compared raw;
- ``OPERAND``: the ``@if`` operand: quotes removed, then ``@NAME`` replaced by a parameter.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class ArgKind(enum.Enum):
    ELEMENT = "element"
    ELEMENTS = "elements"
    PARAM = "param"
    TEXT = "text"
    RAW = "raw"
    CONDITION = "condition"
    OPERAND = "operand"


class FnCategory(enum.Enum):
    """What a function does, for effect analysis and documentation."""

    MARKER = "marker"          # @keep @remove @empty @blank: not dispatched; read at the end
    CONTROL = "control"        # @always @if @select @append @process @require
    OUTCOME = "outcome"        # @quarantine @skip
    HASH = "hash"              # unkeyed one-way functions of the value
    KEYED = "keyed"            # lookup table, encryption, counters
    DATE = "date"
    TEXT = "text"
    VALUE = "value"
    EXTENSION = "extension"


CONDITIONS = ("isblank", "exists", "equals", "contains", "matches", "greaterthan")


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    name: str
    args: tuple[ArgKind, ...]
    min_args: int
    max_args: int | None          # None: any number (extension calls)
    clauses: int = 0              # number of {} clauses that follow the argument list
    dispatched: bool = True       # False for markers: CTP re-emits them as text
    category: FnCategory = FnCategory.VALUE
    summary: str = ""
    #: what the function's output is, as a ``ctpx.semantics.EffectKind`` value (None for control
    #: functions and markers, which the analysis handles itself)
    effect: str | None = None

    def kind_of(self, index: int) -> ArgKind:
        if index < len(self.args):
            return self.args[index]
        return self.args[-1] if (self.max_args is None and self.args) else ArgKind.RAW


E, ES, P, T, R, C, O = (ArgKind.ELEMENT, ArgKind.ELEMENTS, ArgKind.PARAM, ArgKind.TEXT,
                        ArgKind.RAW, ArgKind.CONDITION, ArgKind.OPERAND)
K = FnCategory


def _s(name, args, lo, hi, cat, summary, clauses=0, dispatched=True, effect=None):
    return FunctionSpec(name, tuple(args), lo, hi, clauses, dispatched, cat, summary, effect)


FUNCTIONS: dict[str, FunctionSpec] = {f.name: f for f in (
    _s("always", [], 0, 0, K.CONTROL,
       "at the start of a rule: create the element when it is missing"),
    _s("append", [], 0, 0, K.CONTROL, "add the clause as one more value", clauses=1),
    _s("blank", [R], 0, 1, K.MARKER, "n spaces (usually written as an empty value)",
       dispatched=False),
    _s("call", [R, R], 1, None, K.EXTENSION, "call an extension plug-in", effect="extension"),
    _s("contents", [E, T, T], 1, 3, K.TEXT,
       "the element value, optionally with a regex replaced", effect="copy"),
    _s("date", [T], 0, 1, K.DATE, "the current date", effect="run-date"),
    _s("time", [T], 0, 1, K.DATE, "the current time", effect="run-date"),
    _s("dateinterval", [E, R, E, P], 3, 4, K.DATE,
       "days from a base date found in the lookup table", effect="shift-date"),
    _s("decrypt", [E, P], 2, 2, K.KEYED, "Blowfish decryption with a key", effect="derived"),
    _s("empty", [], 0, 0, K.MARKER, "an empty value", dispatched=False),
    _s("encrypt", [E, P], 2, 2, K.KEYED, "Blowfish encryption with a key", effect="encrypt"),
    _s("hash", [E, P], 1, 2, K.HASH, "decimal MD5 of the value", effect="hash"),
    _s("hashdate", [E, E], 2, 2, K.DATE, "a date shifted by a hash of another element",
       effect="shift-date"),
    _s("hashname", [E, P, P], 2, 3, K.HASH, "decimal MD5 of a normalised person name",
       effect="hash"),
    _s("hashptid", [P, E, P], 2, 3, K.HASH, "decimal MD5 of [site]+patient ID", effect="hash"),
    _s("hashuid", [P, E, E], 2, 3, K.HASH, "a UID made from a root and the MD5 of the value",
       effect="hash-uid"),
    _s("if", [E, C, O], 2, 3, K.CONTROL, "choose a clause by a condition", clauses=2),
    _s("incrementdate", [E, P, P], 2, 3, K.DATE, "a date shifted by a number of days",
       effect="shift-date"),
    _s("initials", [E, R], 1, 2, K.TEXT, "initials of a person name", effect="derived"),
    _s("integer", [E, R, R], 2, 3, K.KEYED, "a sequential number per distinct value",
       effect="counter"),
    _s("keep", [], 0, 0, K.MARKER, "leave the element unchanged", dispatched=False),
    _s("lookup", [ES, R, T, T], 2, 4, K.KEYED, "a replacement from the lookup table",
       effect="lookup"),
    _s("lowercase", [E], 1, 1, K.TEXT, "the value in lower case", effect="derived"),
    _s("uppercase", [E], 1, 1, K.TEXT, "the value in upper case", effect="derived"),
    _s("modifydate", [E, P, P, P], 4, 4, K.DATE, "a date with year, month or day set",
       effect="modify-date"),
    _s("param", [P], 1, 1, K.VALUE, "the value of a parameter", effect="constant"),
    _s("pathelement", [E, R], 2, 2, K.TEXT, "one /-separated part of the value",
       effect="derived"),
    _s("process", [], 0, 0, K.CONTROL, "apply the script inside every item of the sequence"),
    _s("quarantine", [], 0, 0, K.OUTCOME, "stop: quarantine the object"),
    _s("remove", [], 0, 0, K.MARKER, "remove the element", dispatched=False),
    _s("require", [E, T], 0, 2, K.CONTROL, "keep the element, or create it from another"),
    _s("round", [E, P], 2, 2, K.TEXT, "a number (e.g. an age) rounded to a multiple",
       effect="derived"),
    _s("select", [], 0, 0, K.CONTROL, "first clause at the root, second inside items",
       clauses=2),
    _s("skip", [], 0, 0, K.OUTCOME, "stop: do not export the object"),
    _s("truncate", [E, R], 2, 2, K.TEXT, "the first (or last) n characters", effect="derived"),
    _s("value", [E, T], 1, 2, K.VALUE, "the element value, or a default", effect="copy"),
)}

#: Functions whose name is followed by ``{}`` clauses, and how many.
CLAUSE_COUNTS = {name: f.clauses for name, f in FUNCTIONS.items() if f.clauses}

#: Functions that read the original value and output an unkeyed one-way function of it.
UNKEYED_HASHES = frozenset({"hash", "hashname", "hashptid", "hashuid"})

#: Functions that return null-aware ``@remove()`` for a missing element (ctp-semantics §3).
NULL_AWARE = frozenset({"hash", "hashuid", "incrementdate", "hashdate", "modifydate"})


def spec(name: str) -> FunctionSpec | None:
    """The spec of a function name exactly as CTP matches it (case-sensitive), or None."""
    return FUNCTIONS.get(name)
