"""Effect analysis: what a CTP script really does to each attribute, read statically from the IR.

``check`` compares these effects with PS3.15 Annex E and ``diff`` compares them between two
scripts, so the records are built to be compared: two rules that do the same thing give equal
``Effect`` values, whatever their spelling.

API
---
``analyze(script, mode="ctp") -> ScriptEffects``
    ``mode`` is ``"ctp"`` (what CTP does, quirks included) or ``"safe"`` (ctpx's safe engine:
    the rules apply inside every sequence, ``remove curves`` removes curves, and a value CTP
    would silently leave unchanged quarantines the object instead).

``ScriptEffects.effect_at(tag, level="root", *, creator=None) -> Effect``
    The effect on an element with this tag that is present in the dataset at ``level``:
    ``"root"`` (the top-level dataset) or ``"item"`` (inside a sequence item that is being
    processed). Any tag works, scripted or not; ``creator`` is the private creator of a private
    element's block (it decides ``gggg[CREATOR]ee`` rules and CTP's safe-private test).

``ScriptEffects.effect_in(path, tag, *, creator=None) -> Effect``
    The effect on ``tag`` nested inside the sequences ``path`` (outermost first): whether the
    items are reached at all (``PROCESS``), and then the item-level effect.

``ScriptEffects.scripted_tags()``, ``.flags``, ``.keep_groups``, ``.keep_safe_private``
    What the script names, for callers that walk "every attribute the script mentions".

``Effect`` (frozen) holds ``kind`` (``EffectKind``), ``details`` (sorted ``(key, value)`` pairs:
hash length, shift days, UID root, lookup key type, constant value, ...), ``reads`` (the elements
whose original values flow into the result; ``"this"`` for the element itself), ``branches``
(for ``CONDITIONAL``: ``Branch(when, effect)``), ``parts`` (for ``COMPOSITE`` and ``APPEND``)
and ``creates`` (the rule creates the element when it is missing). ``source`` (rule, keep group,
safe-private keep, built-in keep, flag, default, enclosing sequence), ``rule`` (the rule text),
``origin`` and ``notes`` explain the effect but take no part in equality, so an absent rule and
``@keep()`` compare equal while ``unspecifiedelements`` is off.

The analysis follows ctp-semantics §2.4 (how the final value is applied), §3 (functions), §4.3
(the per-element decision), §4.4 (sequences), §4.5 (private elements), §4.6-§4.8 (overlays,
curves, file meta, the tail after the pixel data). See docs/semantics.md.
"""
from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Sequence

from .dicom.names import dcm4che_tag, dcm4che_vr, dicom_vr, tag_str
from .dicom.private import is_safe_private, private_vr
from .functions import CONDITIONS, FUNCTIONS, FnCategory, spec
from .java import jtrim, parse_int
from .script.ir import (Always, Append, Call, ElementList, ElementRef, If, Literal, NameKind,
                        ParamRef, RemoveFlag, Script, Select, TagKind, Text, Truncated, Value)

__all__ = ["EffectKind", "Source", "Mode", "Condition", "Branch", "Effect", "ScriptEffects",
           "analyze", "FUNCTION_EFFECTS", "BUILTIN_KEEP_TAGS", "BUILTIN_KEEP_GROUPS"]


class EffectKind(enum.Enum):
    REMOVE = "remove"                # the element is removed
    EMPTY = "empty"                  # written with a zero-length value (@empty, @blank, "")
    KEEP = "keep"                    # the original value stays (for a sequence: items untouched)
    CONSTANT = "constant"            # a fixed value (literal text, parameters): a dummy
    RUN_DATE = "run-date"            # @date()/@time(): the date or time of processing
    HASH = "hash"                    # @hash/@hashname/@hashptid: unkeyed one-way function
    HASH_UID = "hash-uid"            # @hashuid: a UID from a root and an unkeyed hash
    LOOKUP = "lookup"                # @lookup: a replacement from a lookup table (keyed)
    ENCRYPT = "encrypt"              # @encrypt: Blowfish with a key (keyed)
    COUNTER = "counter"              # @integer: a number per distinct value (keyed by a database)
    SHIFT_DATE = "shift-date"        # @incrementdate/@hashdate/@dateinterval: dates moved
    MODIFY_DATE = "modify-date"      # @modifydate: year, month or day set
    COPY = "copy"                    # @contents/@value without a change: a value copied
    DERIVED = "derived"              # a transform of a value (regex, truncate, round, case, ...)
    APPEND = "append"                # @append: the original value plus one more value
    PROCESS = "process"              # a sequence kept, its items processed with the rules
    CODE_SEQUENCE = "code-sequence"  # (0012,0064) filled with CID 7050 codes (§4.7)
    REGENERATED = "regenerated"      # file meta information: CTP writes its own
    COMPOSITE = "composite"          # text made of several of the above (``parts``)
    CONDITIONAL = "conditional"      # @if: one effect per branch (``branches``)
    QUARANTINE = "quarantine"        # the object is quarantined
    SKIP = "skip"                    # the object is not exported
    EXTENSION = "extension"          # @call: a plug-in decides
    UNKNOWN = "unknown"              # cannot be decided statically

    def __str__(self) -> str:
        return self.value


class Source(enum.Enum):
    RULE = "rule"                    # an enabled <e>
    KEEP_GROUP = "keep-group"        # <k t="gggg">
    SAFE_PRIVATE = "safe-private"    # <k t="safeprivateelements">
    BUILTIN = "built-in"             # CTP's hard-wired behaviour
    FLAG = "flag"                    # <r t="...">
    DEFAULT = "default"              # nothing applies: the element passes unchanged
    SEQUENCE = "sequence"            # decided by an enclosing sequence

    def __str__(self) -> str:
        return self.value


class Mode(enum.Enum):
    CTP = "ctp"
    SAFE = "safe"


#: Elements CTP never removes through a flag (§4.3); a rule still applies to them.
BUILTIN_KEEP_TAGS = frozenset({0x00080016, 0x00080018, 0x0020000D})
BUILTIN_KEEP_GROUPS = frozenset({0x0002, 0x0028, 0x7FE0})
_DEID_CODE_SEQ = 0x00120064
_PIXEL_DATA = 0x7FE00010
_STREAM_STOP = frozenset({0xFFFAFFFA, 0xFFFCFFFC})
#: File meta elements CTP copies from the written dataset (§4.6).
_META_FROM = {0x00020002: 0x00080016, 0x00020003: 0x00080018}
_MAX_ALTERNATIVES = 64


@dataclass(frozen=True)
class Condition:
    """One ``@if`` test: ``element`` (``this`` or ``(gggg,eeee)`` or the name as written)."""

    element: str
    test: str
    operand: str | None = None
    negated: bool = False

    def negate(self) -> "Condition":
        return replace(self, negated=not self.negated)

    def __str__(self) -> str:
        op = f" {self.operand!r}" if self.operand is not None else ""
        return f"{'not ' if self.negated else ''}{self.element} {self.test}{op}"


@dataclass(frozen=True)
class Branch:
    when: tuple[Condition, ...]
    effect: "Effect"

    def __str__(self) -> str:
        return " and ".join(str(c) for c in self.when) or "always"


@dataclass(frozen=True)
class Effect:
    kind: EffectKind
    details: tuple[tuple[str, str], ...] = ()
    reads: tuple[str, ...] = ()
    branches: tuple[Branch, ...] = ()
    parts: tuple["Effect", ...] = ()
    creates: bool = False
    source: Source = field(default=Source.RULE, compare=False)
    rule: str | None = field(default=None, compare=False)
    origin: str = field(default="", compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)

    def detail(self, key: str) -> str | None:
        for k, v in self.details:
            if k == key:
                return v
        return None

    def leaves(self) -> Iterable[tuple[tuple[Condition, ...], "Effect"]]:
        """Every unconditional outcome with the conditions that lead to it."""
        if self.kind is EffectKind.CONDITIONAL:
            for b in self.branches:
                for when, e in b.effect.leaves():
                    yield b.when + when, e
        else:
            yield (), self

    @property
    def dominant(self) -> "Effect":
        """For ``COMPOSITE``: the part that reveals most about the original data."""
        if self.kind is not EffectKind.COMPOSITE or not self.parts:
            return self
        return min(self.parts, key=lambda e: _REVEAL_ORDER.get(e.kind, 50))

    @property
    def retains_value(self) -> bool:
        """True when the original value of the element itself survives (fully or in part)."""
        e = self.dominant
        if e.kind in (EffectKind.KEEP, EffectKind.APPEND):
            return True
        if e.kind in (EffectKind.COPY, EffectKind.DERIVED):
            return "this" in e.reads
        return False

    def with_source(self, source: Source, origin: str = "", rule: str | None = None,
                    notes: tuple[str, ...] = ()) -> "Effect":
        return replace(self, source=source, origin=origin, rule=rule,
                       notes=self.notes + tuple(n for n in notes if n not in self.notes))

    def describe(self) -> str:
        """A short human description: ``unkeyed hash (@hash, 64 digits)``."""
        return _describe(self)

    def brief(self) -> str:
        """A few words, for tables that compare effects: ``hashed (@hash, 64 digits)``."""
        return _brief(self)

    def __str__(self) -> str:
        return self.describe()


# Lower numbers reveal more of the original data; used to pick a composite's dominant part.
_REVEAL_ORDER = {
    EffectKind.KEEP: 0, EffectKind.APPEND: 1, EffectKind.COPY: 2, EffectKind.DERIVED: 3,
    EffectKind.EXTENSION: 4, EffectKind.UNKNOWN: 5, EffectKind.SHIFT_DATE: 6,
    EffectKind.MODIFY_DATE: 7, EffectKind.HASH: 8, EffectKind.HASH_UID: 9,
    EffectKind.ENCRYPT: 10, EffectKind.LOOKUP: 11, EffectKind.COUNTER: 12,
    EffectKind.RUN_DATE: 13, EffectKind.CONSTANT: 14, EffectKind.EMPTY: 15,
}


def _e(kind: EffectKind, details: Iterable[tuple[str, str]] = (), reads: Iterable[str] = (),
       **kw) -> Effect:
    return Effect(kind, tuple(sorted(details)), tuple(dict.fromkeys(reads)), **kw)


REMOVE = Effect(EffectKind.REMOVE)
EMPTY = Effect(EffectKind.EMPTY)
KEEP = Effect(EffectKind.KEEP)


# ---------------------------------------------------------------------------------------------
# Function effects: one entry per function of ctpx.functions.FUNCTIONS

#: The effect kind of each function's output (None: handled as control or marker), read from
#: the function registry.
FUNCTION_EFFECTS: dict[str, EffectKind | None] = {
    name: EffectKind(f.effect) if f.effect else None for name, f in FUNCTIONS.items()}


@dataclass
class _Alt:
    when: tuple[Condition, ...] = ()
    pieces: list = field(default_factory=list)
    processed: bool = False
    stopped: EffectKind | None = None
    notes: list = field(default_factory=list)

    def fork(self, cond: Condition) -> "_Alt":
        return _Alt(self.when + (cond,), list(self.pieces), self.processed, self.stopped,
                    list(self.notes))


class _TooMany(Exception):
    pass


@dataclass(frozen=True)
class _Ctx:
    tag: int
    level: str
    vr: str | None

    @property
    def is_sq(self) -> bool:
        return self.vr == "SQ"


# ---------------------------------------------------------------------------------------------
# The analysis

class ScriptEffects:
    """The effects of one script under one engine mode; see the module docstring."""

    def __init__(self, script: Script, mode: Mode | str = Mode.CTP):
        self.script = script
        self.mode = Mode(mode) if not isinstance(mode, Mode) else mode
        self.params = script.params
        self.flags = script.flags
        self.keep_groups = script.keep_groups
        self.keep_safe_private = script.keep_safe_private
        self._numeric: dict[int, list] = {}
        self._private: dict[tuple[int, str, int], list] = {}
        for sel, rules in script.rules_by_tag.items():
            if sel.kind is TagKind.NUMERIC:
                self._numeric.setdefault(sel.tag, []).extend(rules)
            elif sel.kind is TagKind.PRIVATE and sel.element is not None:
                self._private.setdefault((sel.group, sel.creator, sel.element), []).extend(rules)
        self._cache: dict[tuple, Effect] = {}

    # -- what the script names
    def scripted_tags(self) -> frozenset[int]:
        """Numeric tags with an enabled rule."""
        return frozenset(self._numeric)

    def private_selectors(self) -> frozenset[tuple[int, str, int]]:
        """(group, creator, byte) of enabled ``gggg[CREATOR]ee`` rules."""
        return frozenset(self._private)

    def rule_for(self, tag: int, creator: str | None = None):
        rules = self._rules(tag, creator)
        return rules[-1] if rules else None

    def _rules(self, tag: int, creator: str | None) -> list:
        rules = self._numeric.get(tag, [])
        if creator is not None and (tag >> 16) % 2 == 1:
            priv = self._private.get((tag >> 16, creator, tag & 0xFF), [])
            if priv and (tag & 0xFF00) >= 0x1000:
                rules = rules + priv
        return rules

    @property
    def rpg(self) -> bool:
        return RemoveFlag.PRIVATE_GROUPS in self.flags

    @property
    def rue(self) -> bool:
        return RemoveFlag.UNSPECIFIED in self.flags

    @property
    def rol(self) -> bool:
        return RemoveFlag.OVERLAYS in self.flags

    @property
    def rc(self) -> bool:
        return RemoveFlag.CURVES in self.flags

    # -- effects
    def effect_at(self, tag: int, level: str = "root", *, creator: str | None = None) -> Effect:
        if level not in ("root", "item"):
            raise ValueError(f"level must be 'root' or 'item', not {level!r}")
        key = (tag, level, creator)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._decide(tag, level, creator)
        return hit

    def effect_in(self, path: Sequence[int], tag: int, *, creator: str | None = None) -> Effect:
        if not path:
            return self.effect_at(tag, "root", creator=creator)
        return self._through(self.effect_at(path[0], "root"), path[0], tuple(path[1:]), tag,
                             creator)

    def _through(self, outer: Effect, sq: int, rest: tuple[int, ...], tag: int,
                 creator: str | None) -> Effect:
        k = outer.kind
        if k is EffectKind.CONDITIONAL:
            branches = tuple(Branch(b.when, self._through(b.effect, sq, rest, tag, creator))
                             for b in outer.branches)
            return _merge_branches(branches, outer)
        # The safe engine processes the items of every sequence it keeps, whether or not the
        # dictionary knows the element is a sequence (private sequences included).
        if k is EffectKind.PROCESS or (k is EffectKind.KEEP and self.mode is Mode.SAFE):
            if rest:
                return self._through(self.effect_at(rest[0], "item"), rest[0], rest[1:], tag,
                                     creator)
            return self.effect_at(tag, "item", creator=creator)
        if k in (EffectKind.REMOVE, EffectKind.QUARANTINE, EffectKind.SKIP):
            return Effect(k).with_source(Source.SEQUENCE, f"{tag_str(sq)} {k.value}")
        return KEEP.with_source(Source.SEQUENCE, f"{tag_str(sq)} kept without processing its "
                                                 f"items", notes=("§4.4",))

    def _decide(self, tag: int, level: str, creator: str | None) -> Effect:
        group, elem = tag >> 16, tag & 0xFFFF
        safe_mode = self.mode is Mode.SAFE
        if elem == 0x0000:
            return REMOVE.with_source(Source.BUILTIN, "group length elements are never written",
                                      notes=("§4.6",))
        if group == 0x0002:
            if tag in _META_FROM:
                inner = self.effect_at(_META_FROM[tag], "root")
                return inner.with_source(inner.source, f"file meta: follows "
                                                       f"{tag_str(_META_FROM[tag])}",
                                         inner.rule, ("§4.6",))
            return Effect(EffectKind.REGENERATED).with_source(
                Source.BUILTIN, "CTP writes new file meta information; rules for group 0002 "
                                "have no effect", notes=("§4.6",))
        if level == "root" and tag in _STREAM_STOP:
            return REMOVE.with_source(Source.BUILTIN, "never written: CTP stops streaming the "
                                                      "tail here", notes=("§4.8",))
        private = group % 2 == 1
        is_creator = private and 0x0010 <= elem <= 0x00FF
        overlay = group & 0xFF00 == 0x6000
        curve = group & 0xFF00 == 0x5000
        safe = (private and not is_creator and creator is not None
                and is_safe_private(group, creator, elem & 0xFF))
        rules = self._rules(tag, creator)
        rule = rules[-1] if rules else None
        dup_note = ("two enabled rules for this tag: CTP picks one by hash order (§1.2)",) \
            if len(rules) > 1 else ()
        rpg, rue, rol, rc, kspe = self.rpg, self.rue, self.rol, self.rc, self.keep_safe_private

        keep_source = None
        if group in self.keep_groups:
            keep_source = (Source.KEEP_GROUP, f"keep group {group:04X}")
        elif kspe and (is_creator or safe):
            keep_source = (Source.SAFE_PRIVATE, "keep safe private elements"
                           + (" (creator element)" if is_creator else f" ({creator})"))
        elif tag in BUILTIN_KEEP_TAGS or group in BUILTIN_KEEP_GROUPS:
            keep_source = (Source.BUILTIN, "CTP never removes this element through a flag")
        elif overlay and not rol and not (private and rpg):
            keep_source = (Source.BUILTIN, "overlay: protected while remove overlays is off")
        elif curve and not rc and not (private and rpg):
            keep_source = (Source.BUILTIN, "curve: protected while remove curves is off")

        # Safe mode runs the full procedure after the pixel data too (docs/engine.md, Modes).
        if level == "root" and tag > _PIXEL_DATA and not safe_mode:
            return self._tail(tag, rule, private, is_creator, safe, keep_source)

        if rpg and private and rule is None and keep_source is None:
            return REMOVE.with_source(Source.FLAG, "remove private groups")
        if rue and rule is None and keep_source is None:
            return REMOVE.with_source(Source.FLAG, "remove unspecified elements")
        if rol and overlay:
            return REMOVE.with_source(Source.FLAG, "remove overlays (wins over rules and keep "
                                                   "groups)", notes=("§4.3",))
        if safe_mode and rc and curve and rule is None:
            return REMOVE.with_source(Source.FLAG, "remove curves (safe mode)")
        vr = self._vr(tag, creator)
        ctx = _Ctx(tag, level, vr)
        if rule is not None:
            eff = self._evaluate_rule(rule, ctx)
            return eff.with_source(Source.RULE, "", rule.text, dup_note + eff.notes)
        notes = ()
        if curve and rc and not safe_mode:
            notes = ("remove curves is inert in CTP without unspecifiedelements (§4.3)",)
        base = KEEP
        if vr == "SQ" and safe_mode:
            base = Effect(EffectKind.PROCESS)
            notes += ("safe mode processes the items of every sequence",)
        if keep_source is not None:
            return base.with_source(keep_source[0], keep_source[1], notes=notes)
        return base.with_source(Source.DEFAULT, "no rule", notes=notes)

    def _tail(self, tag, rule, private, is_creator, safe, keep_source) -> Effect:
        """Top-level elements after the pixel data are streamed with reduced rules (§4.8)."""
        note = ("after the pixel data: CTP streams it with reduced rules (§4.8)",)
        if is_creator:
            if not self.rpg or self.keep_safe_private:
                return KEEP.with_source(Source.BUILTIN, "private creator after the pixel data",
                                        notes=note)
            return REMOVE.with_source(Source.FLAG, "remove private groups", notes=note)
        if private and self.rpg and not (self.keep_safe_private and safe):
            return REMOVE.with_source(Source.FLAG, "remove private groups", notes=note)
        if rule is None and self.rue:
            return REMOVE.with_source(Source.FLAG, "remove unspecified elements", notes=note)
        if rule is not None and rule.text.startswith("@remove()"):
            return REMOVE.with_source(Source.RULE, "", rule.text, note)
        if rule is not None:
            return KEEP.with_source(Source.RULE, "copied verbatim: only a rule starting with "
                                                 "@remove() acts here", rule.text, note)
        return KEEP.with_source(Source.DEFAULT, "no rule", notes=note)

    def _vr(self, tag: int, creator: str | None) -> str | None:
        if (tag >> 16) % 2 == 1:
            return private_vr(tag >> 16, creator, tag & 0xFF)
        return dicom_vr(tag) or dcm4che_vr(tag)

    # -- rule evaluation
    def _evaluate_rule(self, rule, ctx: _Ctx) -> Effect:
        if ctx.tag == _DEID_CODE_SEQ:
            return self._code_sequence(rule, ctx)
        eff = self._classify_value(rule.expr, ctx, final=True)
        if rule.starts_with_always and ctx.level == "root" and _creates(eff, rule.expr, ctx):
            eff = replace(eff, creates=True)
        return eff

    def _code_sequence(self, rule, ctx: _Ctx) -> Effect:
        if rule.expr.is_empty:
            return KEEP.with_source(Source.RULE, notes=("an empty rule leaves (0012,0064) as it "
                                                        "is (§4.7)",))
        eff = self._classify_value(rule.expr, _Ctx(ctx.tag, ctx.level, None), final=True)
        if eff.kind in (EffectKind.REMOVE, EffectKind.KEEP, EffectKind.QUARANTINE,
                        EffectKind.SKIP):
            return eff
        codes = eff.detail("value") if eff.kind is EffectKind.CONSTANT else None
        details = [("codes", "/".join(c.strip() for c in codes.split("/")))] if codes else []
        return _e(EffectKind.CODE_SEQUENCE, details, reads=eff.reads, creates=True,
                  notes=("CTP appends one item per code, even without @always() (§4.7)",),
                  parts=() if codes else (eff,))

    def _classify_value(self, value: Value, ctx: _Ctx, final: bool) -> Effect:
        try:
            alts = self._eval(value, [_Alt()], ctx)
        except _TooMany:
            return Effect(EffectKind.UNKNOWN, notes=("too many @if branches to enumerate",))
        branches = []
        for alt in alts:
            branches.append(Branch(alt.when, self._finish(alt, ctx, final)))
        if len(branches) == 1 and not branches[0].when:
            return branches[0].effect
        return _merge_branches(tuple(branches), None)

    def _eval(self, value: Value, alts: list[_Alt], ctx: _Ctx) -> list[_Alt]:
        for part in value.parts:
            live = [a for a in alts if a.stopped is None]
            if not live:
                break
            if isinstance(part, Text):
                for a in live:
                    a.pieces.append(part.value)
            elif isinstance(part, Truncated):
                for a in live:
                    a.notes.append(f"CTP stops reading the value at {part.dropped[:20]!r} (§2.1)")
                    a.stopped = _TRUNCATED
            else:
                alts = [a for a in alts if a.stopped is not None] + self._call(part, live, ctx)
                if len(alts) > _MAX_ALTERNATIVES:
                    raise _TooMany()
        for a in alts:
            if a.stopped is _TRUNCATED:
                a.stopped = None
        return alts

    def _call(self, call: Call, alts: list[_Alt], ctx: _Ctx) -> list[_Alt]:
        name = call.name
        fspec = spec(name)
        if isinstance(call, If):
            cond = self._condition(call)
            if cond is True:
                return self._eval(call.then, alts, ctx)
            if cond is False:
                return self._eval(call.otherwise, alts, ctx)
            yes = self._eval(call.then, [a.fork(cond) for a in alts], ctx)
            no = self._eval(call.otherwise, [a.fork(cond.negate()) for a in alts], ctx)
            return yes + no
        if isinstance(call, Select):
            return self._eval(call.at_root if ctx.level == "root" else call.in_items, alts, ctx)
        if isinstance(call, Append):
            clause = self._classify_value(call.clause, _Ctx(ctx.tag, ctx.level, None), final=True)
            eff = _e(EffectKind.APPEND, reads=("this",), parts=(clause,))
            for a in alts:
                a.pieces.append(eff)
            return alts
        if isinstance(call, Always):
            return alts
        if fspec is None:
            # CTP writes an unknown call back out as text (§2.1).
            text = "@" + name + "(" + ",".join(jtrim(a.raw) for a in call.args) + ")"
            for a in alts:
                a.pieces.append(text)
                a.notes.append(f"@{name} is not a CTP function: it is written out as text")
            return alts
        if fspec.category is FnCategory.MARKER:
            text = "@" + name + "(" + ",".join(jtrim(a.raw) for a in call.args) + ")"
            for a in alts:
                a.pieces.append(text)
            return alts
        if name == "process":
            for a in alts:
                a.processed = a.processed or ctx.is_sq
                a.pieces.append("@keep()")
            return alts
        if name == "require":
            # The element is present whenever a rule runs on it: @require() yields @keep().
            for a in alts:
                a.pieces.append("@keep()")
            return alts
        if fspec.category is FnCategory.OUTCOME:
            for a in alts:
                a.stopped = EffectKind.QUARANTINE if name == "quarantine" else EffectKind.SKIP
            return alts
        if name == "param":
            text = self._param_value(call.arg(0))
            for a in alts:
                a.pieces.append("null" if text is None else text)
            return alts
        eff = self._function(call, ctx)
        for a in alts:
            a.pieces.append(eff)
        return alts

    # -- conditions
    def _condition(self, call: If) -> Condition | bool:
        if len(call.args) < 2:
            return False
        test = call.condition
        if test not in CONDITIONS:
            return False
        ref = call.element
        raw = ref.raw if ref is not None else ""
        operand = self._operand(call.operand)
        if raw == "":
            if test == "exists":
                return True
            return _static_test(test, "", operand)
        element = self._ref_name(ref)
        if test == "exists" and element == "this":
            return True
        return Condition(element, test, operand if test != "isblank" and test != "exists"
                         else None)

    def _operand(self, arg) -> str | None:
        if arg is None:
            return None
        if isinstance(arg, ParamRef):
            v = self.params.get(arg.name)
            return v if v is not None else "@" + arg.name
        if isinstance(arg, Literal):
            return arg.unquoted
        return arg.raw

    def _ref_name(self, ref) -> str:
        if ref is None:
            return "this"
        if isinstance(ref, ElementRef):
            if ref.is_this:
                return "this"
            if len(ref.path) == 1 and not ref.root:
                n = ref.path[0]
                if n.kind is NameKind.TAG:
                    return tag_str(n.tag)
                if n.kind is NameKind.NAME:
                    t = dcm4che_tag(n.text)
                    if t is not None:
                        return tag_str(t)
            return ref.raw
        return ref.raw

    def _param_value(self, arg) -> str | None:
        """CTP's getParam: ``@NAME``/``$NAME`` is a parameter (None if undefined)."""
        if arg is None:
            return ""
        if isinstance(arg, ParamRef):
            return self.params.get(arg.name)
        return jtrim(arg.raw)

    # -- functions
    def _function(self, call: Call, ctx: _Ctx) -> Effect:
        kind = FUNCTION_EFFECTS.get(call.name)
        handler = _HANDLERS.get(call.name)
        if kind is None or handler is None:
            return Effect(EffectKind.UNKNOWN, notes=(f"@{call.name} is not modelled",))
        return handler(self, call, kind)

    def _param_text(self, arg) -> tuple[str, tuple[str, ...]]:
        """A PARAM argument for details: its value, and a note when undefined."""
        if isinstance(arg, ParamRef):
            v = self.params.get(arg.name)
            if v is None:
                return "@" + arg.name, (f"parameter {arg.name} is not defined",)
            return v, ()
        return ("" if arg is None else jtrim(arg.raw)), ()

    # -- the final value (§2.4)
    def _finish(self, alt: _Alt, ctx: _Ctx, final: bool) -> Effect:
        notes = tuple(alt.notes)
        if alt.stopped is not None:
            return Effect(alt.stopped, notes=notes)
        runs, ops, cur = [], [], []
        for p in alt.pieces:
            if isinstance(p, str):
                cur.append(p)
            else:
                runs.append("".join(cur))
                cur = []
                ops.append(p)
        runs.append("".join(cur))
        if any("@remove()" in r for r in runs):
            return Effect(EffectKind.REMOVE, notes=notes)
        text = jtrim("".join(runs))
        if not ops:
            if text == "@keep()":
                eff = KEEP
            elif text.startswith("@blank("):
                eff = EMPTY
            elif text == "@empty()" or text == "":
                eff = EMPTY
            else:
                eff = _e(EffectKind.CONSTANT, [("value", text)])
        elif len(ops) == 1:
            eff = ops[0]
            prefix, suffix = runs[0], runs[1]
            if (prefix + suffix).strip():
                eff = replace(eff, details=tuple(sorted(eff.details + (
                    ("template", _template(runs)),))))
        else:
            eff = _e(EffectKind.COMPOSITE, [("template", _template(runs))],
                     reads=[r for o in ops for r in o.reads], parts=tuple(ops))
        eff = replace(eff, notes=eff.notes + notes)
        if not final:
            return eff
        return self._written(eff, alt, ctx)

    def _written(self, eff: Effect, alt: _Alt, ctx: _Ctx) -> Effect:
        """What is actually written: sequences take no text, some VRs refuse some text."""
        safe_mode = self.mode is Mode.SAFE
        if ctx.is_sq:
            if eff.kind in (EffectKind.REMOVE, EffectKind.QUARANTINE, EffectKind.SKIP):
                return eff
            if alt.processed:
                if eff.kind is EffectKind.KEEP:
                    return Effect(EffectKind.PROCESS, notes=eff.notes)
                return Effect(EffectKind.PROCESS, notes=eff.notes + (
                    "the text after @process() cannot be written into a sequence; the processed "
                    "items stay",))
            if eff.kind is EffectKind.KEEP:
                if safe_mode:
                    return Effect(EffectKind.PROCESS, notes=eff.notes + (
                        "safe mode processes the items of every sequence",))
                return eff
            if safe_mode:
                return Effect(EffectKind.QUARANTINE, notes=eff.notes + (
                    f"a {eff.kind.value} value cannot be written into a sequence: safe mode "
                    f"quarantines the object",))
            return replace(KEEP, notes=eff.notes + (
                f"CTP cannot write a {eff.kind.value} value into an existing sequence: the "
                f"sequence and its items stay unchanged (§4.4)",))
        refused = _refused(eff, ctx.vr)
        if refused:
            if safe_mode:
                return Effect(EffectKind.QUARANTINE, notes=eff.notes + (
                    refused + ": safe mode quarantines the object",))
            return replace(KEEP, notes=eff.notes + (refused + ": CTP keeps the original value "
                                                    "(§4.9)",))
        return eff


_TRUNCATED = EffectKind.UNKNOWN   # a marker distinct from QUARANTINE/SKIP, cleared after _eval


def _template(runs: list[str]) -> str:
    return "{}".join(r.replace("{", "{{").replace("}", "}}") for r in runs)


def _creates(eff: Effect, expr: Value, ctx: _Ctx) -> bool:
    """Whether ``@always()`` makes the rule create a missing element (§4.2 step 4)."""
    if ctx.is_sq:
        calls = [p for p in expr.parts if isinstance(p, Call)]
        return len(calls) > 1 and calls[1].name in ("require", "call")
    if any(c.name == "require" and c.arity > 0 for c in expr.calls()):
        return True
    leaves = [e for _, e in eff.leaves()]
    return any(e.kind not in (EffectKind.KEEP, EffectKind.REMOVE) for e in leaves)


def _static_test(test: str, value: str, operand: str | None) -> bool:
    op = operand or ""
    if test == "isblank":
        return value.strip() == ""
    if test == "equals":
        return value.lower() == op.lower()
    if test == "contains":
        return op.lower() in value.lower()
    if test == "matches":
        try:
            return re.fullmatch(op.strip(), value) is not None
        except re.error:
            return False
    if test == "greaterthan":
        a = parse_int(re.sub(r"\D", "", value)) or 0
        b = parse_int(re.sub(r"\D", "", op)) or 0
        return a > b
    return False


def _merge_branches(branches: tuple[Branch, ...], outer: Effect | None) -> Effect:
    """Branches with equal effects collapse; a single remaining effect is returned as is."""
    distinct = []
    for b in branches:
        if b.effect not in distinct:
            distinct.append(b.effect)
    if len(distinct) == 1:
        return distinct[0]
    eff = Effect(EffectKind.CONDITIONAL, branches=branches)
    if outer is not None:
        eff = eff.with_source(outer.source, outer.origin, outer.rule, outer.notes)
    return eff


_DA = re.compile(r"\d{8}(-(\d{8})?)?|-\d{8}")
_TM = re.compile(r"\d{2}(:?\d{2}(:?\d{2}(\.\d{1,6})?)?)?")
_DT = re.compile(r"\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?")
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_BINARY_VRS = frozenset({"OB", "OW", "OF", "OD", "OL", "OV", "UN"})


def _refused(eff: Effect, vr: str | None) -> str:
    """Why dcm4che would refuse to write a constant into this VR ("" if it would not)."""
    if eff.kind is EffectKind.RUN_DATE and vr == "DA" and eff.detail("separator"):
        return "a date with a separator is not a DA value"
    if eff.kind is not EffectKind.CONSTANT or vr is None:
        return ""
    value = eff.detail("value") or ""
    if vr in _BINARY_VRS:
        return f"{vr} takes no text"
    pattern = {"DA": _DA, "TM": _TM, "DT": _DT, "US": _INT, "SS": _INT, "UL": _INT, "SL": _INT,
               "IS": _INT, "DS": _FLOAT, "FL": _FLOAT, "FD": _FLOAT}.get(vr)
    if pattern is None:
        return ""
    for v in value.split("\\"):
        if not pattern.fullmatch(v.strip()):
            return f"{value!r} is not a valid {vr} value"
    return ""


# ---------------------------------------------------------------------------------------------
# Function handlers: (analysis, call, kind) -> Effect

def _ref(se: ScriptEffects, call: Call, i: int) -> str:
    return se._ref_name(call.arg(i)) if call.arg(i) is not None else "this"


def _length(text: str, *, bad: str = "full") -> str:
    n = parse_int(text.strip()) if text is not None else None
    if n is None:
        return bad
    return "full" if n < 1 else str(n)


def _h_hash(se, call, kind):
    length, notes = se._param_text(call.arg(1))
    return _e(kind, [("function", "hash"), ("length", _length(length))], [_ref(se, call, 0)],
              notes=notes)


def _h_hashname(se, call, kind):
    length, n1 = se._param_text(call.arg(1))
    words, n2 = se._param_text(call.arg(2))
    w = parse_int(words.strip()) if call.arg(2) is not None else None
    return _e(kind, [("function", "hashname"), ("length", _length(length, bad="4")),
                     ("words", "all" if w is None or w <= 0 else str(w))],
              [_ref(se, call, 0)], notes=n1 + n2)


def _h_hashptid(se, call, kind):
    site, n1 = se._param_text(call.arg(0))
    length, n2 = se._param_text(call.arg(2))
    return _e(kind, [("function", "hashptid"), ("site", site.strip()),
                     ("length", _length(length))], [_ref(se, call, 1)], notes=n1 + n2)


def _h_hashuid(se, call, kind):
    arg = call.arg(0)
    if isinstance(arg, ParamRef) and se.params.get(arg.name) is None:
        text = "(" + ",".join(a.raw for a in call.args) + ")"
        return _e(EffectKind.CONSTANT, [("value", text)], notes=(
            f"parameter {arg.name} is not defined: CTP writes {text!r} (§3)",))
    root = se._param_value(arg) or ""
    root = jtrim(root if root.endswith(".") else root + ".")
    details = [("root", root)]
    reads = [_ref(se, call, 1)]
    if call.arg(2) is not None:
        details.append(("with", _ref(se, call, 2)))
        reads.append(_ref(se, call, 2))
    return _e(kind, details, reads)


def _h_incrementdate(se, call, kind):
    if len(call.args) >= 3:
        ktype, notes = se._param_text(call.arg(2))
        return _e(kind, [("function", "incrementdate"), ("days-from-lookup", ktype.strip())],
                  [_ref(se, call, 0), _ref(se, call, 1)], notes=notes)
    days, notes = se._param_text(call.arg(1))
    n = parse_int(days.strip())
    if n is None:
        notes += (f"{days!r} is not a whole number of days: CTP empties the value; ctpx reads it "
                  f"as a placeholder for a shift",)
    return _e(kind, [("function", "incrementdate"), ("days", str(n) if n is not None else days)],
              [_ref(se, call, 0)], notes=notes)


def _h_hashdate(se, call, kind):
    return _e(kind, [("function", "hashdate"), ("days-from-hash-of", _ref(se, call, 1))],
              [_ref(se, call, 0), _ref(se, call, 1)])


def _h_dateinterval(se, call, kind):
    origin, notes = se._param_text(call.arg(3))
    details = [("function", "dateinterval"), ("key-type", jtrim(call.raw_arg(1)))]
    if call.arg(3) is not None:
        details.append(("origin", origin))
    return _e(kind, details, [_ref(se, call, 0), _ref(se, call, 2)], notes=notes)


def _h_modifydate(se, call, kind):
    details, notes = [("function", "modifydate")], ()
    for i, field_name in ((1, "year"), (2, "month"), (3, "day")):
        v, n = se._param_text(call.arg(i))
        notes += n
        iv = parse_int(v.strip())
        details.append((field_name, "*" if iv is None or iv < 0 else str(iv)))
    return _e(kind, details, [_ref(se, call, 0)], notes=notes)


def _h_rundate(se, call, kind):
    sep = Literal(call.raw_arg(0)).unquoted
    return _e(kind, [("what", call.name), ("separator", sep)])


def _h_lookup(se, call, kind):
    arg = call.arg(0)
    keys = [se._ref_name(r) for r in arg.refs] if isinstance(arg, ElementList) else ["this"]
    details = [("key-type", jtrim(call.raw_arg(1))), ("key", "|".join(keys))]
    notes = ()
    if len(call.args) > 2:
        action = Literal(call.raw_arg(2)).unquoted
        details.append(("if-missing", action))
        if len(call.args) > 3:
            details.append(("if-missing-arg", Literal(call.raw_arg(3)).unquoted))
        if action in ("keep", "ignore"):
            notes = (f"a key missing from the table keeps the original value ({action})",)
    else:
        details.append(("if-missing", "quarantine"))
    return _e(kind, details, keys, notes=notes)


def _h_encrypt(se, call, kind):
    arg = call.arg(1)
    key, notes = se._param_text(arg)
    label = arg.raw if isinstance(arg, ParamRef) else "literal"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return _e(kind, [("key", label), ("key-sha256", digest)], [_ref(se, call, 0)], notes=notes)


def _h_integer(se, call, kind):
    return _e(kind, [("key-type", Literal(call.raw_arg(1)).unquoted),
                     ("width", jtrim(call.raw_arg(2)) or "0")], [_ref(se, call, 0)])


def _h_copy(se, call, kind):
    src = _ref(se, call, 0)
    if call.name == "contents" and len(call.args) > 1:
        if len(call.args) > 3:
            return _e(EffectKind.CONSTANT, [("value", "")],
                      notes=("@contents with more than 3 arguments gives an empty value",))
        details = [("function", "contents"), ("regex", Literal(call.raw_arg(1)).unquoted)]
        if len(call.args) > 2:
            details.append(("replacement", Literal(call.raw_arg(2)).unquoted))
        return _e(EffectKind.DERIVED, details, [src])
    details = [("function", call.name)]
    if call.name == "value" and len(call.args) > 1:
        details.append(("default", Literal(call.raw_arg(1)).unquoted))
    return _e(kind, details, [src])


def _h_derived(se, call, kind):
    details = [("function", call.name)]
    for i in range(1, len(call.args)):
        v = call.arg(i)
        text = se._param_text(v)[0] if isinstance(v, ParamRef) else jtrim(v.raw)
        details.append((f"arg{i}", text))
    return _e(kind, details, [_ref(se, call, 0)])


def _h_call(se, call, kind):
    return _e(kind, [("plugin", jtrim(call.raw_arg(0))),
                     ("args", ",".join(jtrim(a.raw) for a in call.args[1:]))],
              notes=("an extension plug-in decides the value",))


_HANDLERS: dict[str, Callable[[ScriptEffects, Call, EffectKind], Effect]] = {
    "hash": _h_hash, "hashname": _h_hashname, "hashptid": _h_hashptid, "hashuid": _h_hashuid,
    "incrementdate": _h_incrementdate, "hashdate": _h_hashdate,
    "dateinterval": _h_dateinterval, "modifydate": _h_modifydate,
    "date": _h_rundate, "time": _h_rundate, "lookup": _h_lookup, "encrypt": _h_encrypt,
    "integer": _h_integer, "contents": _h_copy, "value": _h_copy,
    "decrypt": _h_derived, "initials": _h_derived, "lowercase": _h_derived,
    "uppercase": _h_derived, "pathelement": _h_derived, "round": _h_derived,
    "truncate": _h_derived, "call": _h_call,
}


# ---------------------------------------------------------------------------------------------
# Descriptions

def _describe(e: Effect) -> str:
    k = e.kind
    d = dict(e.details)
    if k is EffectKind.REMOVE:
        return "removed"
    if k is EffectKind.EMPTY:
        return "emptied"
    if k is EffectKind.KEEP:
        return "kept unchanged"
    if k is EffectKind.CONSTANT:
        return f"set to {d.get('value', '')!r}"
    if k is EffectKind.RUN_DATE:
        return f"set to the processing {d.get('what', 'date')}"
    if k is EffectKind.HASH:
        length = d.get("length", "full")
        size = "full length" if length == "full" else f"{length} digits"
        return f"unkeyed hash of {', '.join(e.reads)} (@{d.get('function', 'hash')}, {size})"
    if k is EffectKind.HASH_UID:
        return f"UID hashed under root {d.get('root', '')}"
    if k is EffectKind.LOOKUP:
        return f"replaced from the lookup table (key type {d.get('key-type', '')}, key " \
               f"{d.get('key', '')})"
    if k is EffectKind.ENCRYPT:
        return f"encrypted with key {d.get('key', '')}"
    if k is EffectKind.COUNTER:
        return f"replaced by a counter (@integer, key type {d.get('key-type', '')})"
    if k is EffectKind.SHIFT_DATE:
        if "days" in d:
            days = d["days"]
            if re.fullmatch(r"[+-]?\d+", days):
                return f"date shifted by {days} days"
            short = days if len(days) <= 24 else days[:21] + "..."
            return f"date shifted by a parameter that is not a number ({short!r})"
        if "days-from-hash-of" in d:
            return f"date shifted by a hash of {d['days-from-hash-of']}"
        if "days-from-lookup" in d:
            return f"date shifted by days from the lookup table ({d['days-from-lookup']})"
        return "date replaced by an interval (@dateinterval)"
    if k is EffectKind.MODIFY_DATE:
        return f"date modified (year {d.get('year')}, month {d.get('month')}, day {d.get('day')})"
    if k is EffectKind.COPY:
        src = ", ".join(e.reads)
        return "value kept (copied)" if src == "this" else f"set to the value of {src}"
    if k is EffectKind.DERIVED:
        return f"derived from {', '.join(e.reads)} (@{d.get('function', '?')})"
    if k is EffectKind.APPEND:
        extra = e.parts[0].describe() if e.parts else ""
        return f"kept, with one more value appended ({extra})"
    if k is EffectKind.PROCESS:
        return "kept, items processed with the rules"
    if k is EffectKind.CODE_SEQUENCE:
        return f"de-identification codes {d.get('codes', '(computed)')}"
    if k is EffectKind.REGENERATED:
        return "regenerated by CTP"
    if k is EffectKind.COMPOSITE:
        return "text combining " + "; ".join(p.describe() for p in e.parts)
    if k is EffectKind.CONDITIONAL:
        return "if " + " / else if ".join(f"{b}: {b.effect.describe()}" for b in e.branches)
    if k is EffectKind.QUARANTINE:
        return "object quarantined"
    if k is EffectKind.SKIP:
        return "object skipped"
    if k is EffectKind.EXTENSION:
        return f"decided by the plug-in {d.get('plugin', '')}"
    return "unknown"


def _brief(e: Effect) -> str:
    """A few words for an effect, for the phrase column."""
    k = e.kind
    d = dict(e.details)
    if k is EffectKind.KEEP:
        return "kept"
    if k is EffectKind.REMOVE:
        return "removed"
    if k is EffectKind.EMPTY:
        return "emptied"
    if k is EffectKind.CONSTANT:
        v = d.get("value", "")
        return f"set to {v!r}" if len(v) <= 24 else f"set to {v[:21]!r}..."
    if k is EffectKind.RUN_DATE:
        return f"set to the processing {d.get('what', 'date')}"
    if k is EffectKind.SHIFT_DATE:
        if "days" in d:
            return f"shifted by {d['days']} days" if len(d["days"]) <= 12 else \
                "shifted by a non-numeric parameter"
        if "days-from-hash-of" in d:
            return f"shifted by a hash of {d['days-from-hash-of']}"
        if "days-from-lookup" in d:
            return "shifted by days from the lookup table"
        return "replaced by an interval"
    if k is EffectKind.HASH:
        n = d.get("length", "full")
        return f"hashed (@{d.get('function', 'hash')}, {n if n == 'full' else n + ' digits'})"
    if k is EffectKind.HASH_UID:
        return "UID hashed"
    if k is EffectKind.LOOKUP:
        return f"looked up ({d.get('key-type', '')})"
    if k is EffectKind.CONDITIONAL:
        return "conditional (" + " / ".join(_brief(b.effect) for b in e.branches) + ")"
    if k is EffectKind.COMPOSITE:
        return "combined (" + ", ".join(_brief(p) for p in e.parts) + ")"
    if k is EffectKind.PROCESS:
        return "items processed"
    return e.describe()


def analyze(script: Script, mode: Mode | str = "ctp") -> ScriptEffects:
    """The effects of ``script`` under the engine ``mode`` (``"ctp"`` or ``"safe"``)."""
    return ScriptEffects(script, mode)
