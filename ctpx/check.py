"""``ctpx check``: a script against DICOM PS3.15 Annex E (Table E.1-1 and its options).

For every attribute of Table E.1-1 the profile's required action under the selected options
(``Attribute.actions``) is compared with what the script really does (``ctpx.semantics``). Each
mismatch is a ``Deviation`` with a stable code from ``RULES`` (DI01...): the code names the kind
of mismatch, the options only change the expected action. A second section reviews
pseudonymisation: every replaced identifier is classed as anonymised, keyed pseudonym or unkeyed
hash.

Entry point: ``check_script(script, options=(), mode="ctp") -> CheckResult``;
``CheckResult.report()`` is the ``ctpx.report.Report`` every output format renders.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .dicom import ps315
from .dicom._private_dict import PRIVATE as _CTP_PRIVATE
from .dicom.names import keyword, sequence_tags, tag_str
from .dicom.private import SAFE_CODE
from .dicom.ps315 import Action, Attribute, Option, RowKind
from .findings import Severity
from .report import Report, Section
from .script.ir import Script
from .semantics import Effect, EffectKind, Mode, ScriptEffects, Source, analyze

__all__ = ["SeverityClass", "DeviationRule", "RULES", "Deviation", "PseudonymRecord",
           "CheckResult", "check_script", "check_effects"]


class SeverityClass(enum.Enum):
    PRIVACY = "privacy"            # identifying data may reach the output
    UTILITY = "utility"            # data the options allow to keep is lost or altered
    CONFORMANCE = "conformance"    # the output may break its IOD (a required value is missing)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class DeviationRule:
    code: str
    name: str
    severity_class: SeverityClass
    level: Severity
    summary: str

    @property
    def doc(self) -> str:
        return f"docs/codes.md#{self.code.lower()}"


P, U, C = SeverityClass.PRIVACY, SeverityClass.UTILITY, SeverityClass.CONFORMANCE
E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

#: The deviation rules: one entry per code. Options change the expected action, never this list.
RULES: dict[str, DeviationRule] = {r.code: r for r in (
    DeviationRule("DI01", "value.retained", P, E,
                  "the original value survives where the table requires X, Z, D or a combination"),
    DeviationRule("DI02", "uid.not-replaced", P, E,
                  "a UID survives where the table requires U (replace with a consistent UID)"),
    DeviationRule("DI03", "value.required", C, W,
                  "removed or emptied where the table requires a value (D, U) or an element (Z)"),
    DeviationRule("DI04", "sequence.retained", P, E,
                  "a sequence is kept with its items unprocessed: nothing inside is de-identified"),
    DeviationRule("DI05", "private.retained", P, E,
                  "private data elements survive that the table requires removed"),
    DeviationRule("DI06", "private.safe-lost", U, W,
                  "with Retain Safe Private, safe private attributes (Table E.3.10-1) are removed"),
    DeviationRule("DI07", "date.kept", P, E,
                  "a date or time is kept unchanged where the options require removal, a dummy "
                  "or a modification"),
    DeviationRule("DI08", "date.shifted", P, W,
                  "a date or time is shifted or modified without the Retain Longitudinal "
                  "Modified Dates option"),
    DeviationRule("DI09", "retained.altered", U, W,
                  "the options require keeping (K) or cleaning (C) a value the script removes, "
                  "empties or replaces"),
    DeviationRule("DI10", "descriptor.kept", P, W,
                  "a free-text descriptor is kept verbatim where the table requires removal or "
                  "cleaning (Clean Descriptors)"),
    DeviationRule("DI11", "value.not-cleaned", P, W,
                  "an attribute an option requires cleaned (C) is kept verbatim"),
    DeviationRule("DI12", "attribute.unmentioned", P, E,
                  "the script does not mention the attribute: CTP passes it unchanged"),
    DeviationRule("DI13", "value.not-removed", P, I,
                  "replaced (emptied, dummy or pseudonym) where the table requires removal (X)"),
    DeviationRule("DI14", "uid.constant", C, W,
                  "a UID replaced by a constant: instances no longer have distinct UIDs"),
    DeviationRule("DI15", "effect.unknown", P, I,
                  "the effect cannot be decided statically (extension call, too many branches)"),
    DeviationRule("DI16", "deid.marking", C, W,
                  "the de-identification attributes of E.1.1 (Patient Identity Removed, method, "
                  "Longitudinal Temporal Information Modified) are missing or inconsistent"),
    DeviationRule("DI17", "sequence.unlisted-retained", P, E,
                  "sequences the table does not list are kept with their items unprocessed, so "
                  "listed attributes nested in them keep their original values"),
)}


@dataclass(frozen=True)
class Deviation:
    code: str
    tag: str                        # "(0010,0010)", "(60xx,3000)", "(gggg,eeee)"
    keyword: str
    required: str                   # "Z", "K or C"
    effect: str                     # a description of what the script does
    effect_kind: str
    message: str
    citation: str
    rule: str = ""                  # the rule text, "" when no rule applies
    source: str = ""
    level: str = "root"             # "root", or "item" for what happens inside processed items
    when: str = ""                  # the branch condition, for conditional rules
    members: tuple[str, ...] = ()   # for grouped records: the elements concerned

    @property
    def spec(self) -> DeviationRule:
        return RULES[self.code]

    def record(self) -> dict[str, Any]:
        r = self.spec
        return {"code": self.code, "name": r.name, "severity": str(r.severity_class),
                "level_severity": str(r.level), "tag": self.tag, "keyword": self.keyword,
                "required": self.required, "effect": self.effect,
                "effect_kind": self.effect_kind, "rule": self.rule, "source": self.source,
                "level": self.level, "when": self.when, "message": self.message,
                "citation": self.citation, "members": list(self.members)}


class PseudonymClass(enum.Enum):
    ANONYMISED = "anonymised"
    KEYED = "keyed pseudonym"
    UNKEYED = "unkeyed hash"
    OTHER = "other"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class PseudonymRecord:
    tag: str
    keyword: str
    classification: PseudonymClass
    effect: str
    rule: str
    note: str

    def record(self) -> dict[str, Any]:
        return {"tag": self.tag, "keyword": self.keyword,
                "classification": str(self.classification), "effect": self.effect,
                "rule": self.rule, "note": self.note}


@dataclass
class CheckResult:
    path: str | None
    mode: Mode
    options: frozenset[Option]
    deviations: list[Deviation]
    pseudonyms: list[PseudonymRecord]
    satisfied_options: list[Option] = field(default_factory=list)
    basic_satisfied: bool = False
    claimed_codes: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        return 1 if self.deviations else 0

    def counts(self) -> dict[str, dict[str, int]]:
        by_code: dict[str, int] = {}
        by_class: dict[str, int] = {c.value: 0 for c in SeverityClass}
        for d in self.deviations:
            by_code[d.code] = by_code.get(d.code, 0) + 1
            by_class[str(d.spec.severity_class)] += 1
        return {"by_code": dict(sorted(by_code.items())), "by_severity": by_class}

    def summary(self) -> dict[str, Any]:
        claimed = [o.value for o in Option if o.code in self.claimed_codes]
        pseudo: dict[str, int] = {}
        for p in self.pseudonyms:
            pseudo[str(p.classification)] = pseudo.get(str(p.classification), 0) + 1
        return {"deviations": len(self.deviations), **self.counts(),
                "basic_profile_satisfied": self.basic_satisfied,
                "options_satisfied": [o.value for o in self.satisfied_options],
                "options_claimed_in_0012_0064": claimed,
                "pseudonymisation": pseudo}

    def summary_text(self) -> str:
        s = self.summary()
        codes = ", ".join(f"{k} {v}" for k, v in s["by_code"].items()) or "none"
        sev = ", ".join(f"{k} {v}" for k, v in s["by_severity"].items())
        sat = ", ".join(s["options_satisfied"]) or "none"
        claimed = ", ".join(s["options_claimed_in_0012_0064"]) or "none"
        pseudo = ", ".join(f"{k} {v}" for k, v in sorted(s["pseudonymisation"].items())) or "none"
        return (f"{s['deviations']} deviation(s): {codes}\n"
                f"by severity: {sev}\n"
                f"Basic Profile satisfied: {'yes' if self.basic_satisfied else 'no'}\n"
                f"options satisfied fully: {sat}\n"
                f"options claimed in (0012,0064): {claimed}\n"
                f"pseudonymisation: {pseudo}")

    def report(self) -> Report:
        dev_cols = [("code", "code"), ("severity", "severity"), ("tag", "tag"),
                    ("keyword", "keyword"), ("required", "required"), ("effect", "effect"),
                    ("rule", "rule"), ("level", "level"), ("message", "message")]
        ps_cols = [("tag", "tag"), ("keyword", "keyword"), ("classification", "class"),
                   ("effect", "effect"), ("rule", "rule"), ("note", "note")]
        info = ps315.version_info()
        return Report(
            kind="check",
            title=f"PS3.15 Annex E check: {self.path or '<script>'}",
            sections=[Section("deviations", dev_cols, [d.record() for d in self.deviations]),
                      Section("pseudonymisation", ps_cols, [p.record() for p in self.pseudonyms],
                              note="every replaced identifier: anonymised (removed or constant),"
                                   " keyed pseudonym (lookup table, key, counter) or unkeyed "
                                   "hash (recomputable by anyone holding the original)")],
            meta={"script": self.path, "mode": self.mode.value,
                  "options": sorted(o.value for o in self.options) or ["none (Basic Profile)"],
                  "edition": f"PS3.15 {info['edition']} (+{info['additions_rows']} Basic-only "
                             f"rows from {info['additions_edition']})"},
            summary=self.summary(), summary_text=self.summary_text())


# ---------------------------------------------------------------------------------------------
# Comparing one effect with the required actions

# What an effect leaves in the output, as a letter comparable with Table E.1-1a.
_REMOVED, _ZERO, _DUMMY, _PSEUDO, _UID, _SHIFTED, _CLEANED, _RETAINED, _PROCESSED, _OUT, _UNKNOWN \
    = "X", "Z", "D", "P", "U", "S", "C", "K", "SQ", "out", "?"


def _identifying(ref: str) -> bool:
    """Whether an element named in ``reads`` is one the table does not allow to keep."""
    m = re.fullmatch(r"\(([0-9A-F]{4}),([0-9A-F]{4})\)", ref)
    if not m:
        return False
    row = ps315.attribute(int(m.group(1) + m.group(2), 16))
    return row is not None and row.basic is not Action.K


def _outcome(e: Effect) -> str:
    e = e.dominant
    k = e.kind
    if k is EffectKind.REMOVE:
        return _REMOVED
    if k is EffectKind.EMPTY:
        return _ZERO
    if k in (EffectKind.CONSTANT, EffectKind.RUN_DATE, EffectKind.CODE_SEQUENCE):
        return _DUMMY
    if k in (EffectKind.HASH, EffectKind.LOOKUP, EffectKind.ENCRYPT, EffectKind.COUNTER):
        return _PSEUDO
    if k is EffectKind.HASH_UID:
        return _UID
    if k in (EffectKind.SHIFT_DATE, EffectKind.MODIFY_DATE):
        return _SHIFTED
    if k in (EffectKind.KEEP, EffectKind.APPEND):
        return _RETAINED
    if k in (EffectKind.COPY, EffectKind.DERIVED):
        if "this" in e.reads:
            return _RETAINED if k is EffectKind.COPY else _CLEANED
        return _RETAINED if any(_identifying(r) for r in e.reads) else _DUMMY
    if k is EffectKind.PROCESS:
        return _PROCESSED
    if k is EffectKind.REGENERATED:
        return _UID
    if k in (EffectKind.QUARANTINE, EffectKind.SKIP):
        return _OUT
    return _UNKNOWN


def _satisfies(letter: str, out: str, sq: bool, date_row: bool, vr: str | None) -> bool:
    if out == _OUT:
        return True
    if sq:
        # K and C on a sequence mean keep it and apply the profile inside (E.1.1); U* means
        # replace the UIDs inside, which is what processing the items does.
        return {"X": out == _REMOVED, "Z": out in (_ZERO, _PROCESSED),
                "D": out == _PROCESSED, "U": out == _PROCESSED,
                "K": out == _PROCESSED, "C": out == _PROCESSED}.get(letter, False)
    if letter == "X":
        return out == _REMOVED
    if letter == "Z":
        return out in (_ZERO, _DUMMY, _PSEUDO, _UID)
    if letter == "D":
        return out in (_DUMMY, _PSEUDO, _UID)
    if letter == "U":
        return out in (_UID, _PSEUDO)
    if letter == "K":
        return out in (_RETAINED, _PROCESSED)
    if letter == "C":
        if date_row:
            # Shifting dates by whole days keeps the time of day: a TM kept beside shifted dates
            # is the usual reading of Modified Dates (E.3.6), so it counts as cleaned.
            return out == _SHIFTED or (out == _RETAINED and vr == "TM")
        return out in (_CLEANED, _DUMMY, _PSEUDO, _UID, _SHIFTED)
    return False


def _letters(actions: Iterable[Action]) -> frozenset[str]:
    out: set[str] = set()
    for a in actions:
        out |= a.choices
    return frozenset(out)


def _vacuous(when) -> bool:
    """A branch taken only when the element is blank: no value can leak from it."""
    return any(c.element == "this" and c.test == "isblank" and not c.negated for c in when)


def _judge(row: Attribute, actions: tuple[Action, ...], eff: Effect, sq: bool
           ) -> tuple[str, str] | None:
    """(code, reason) for one unconditional effect, or None when it meets the actions."""
    out = _outcome(eff)
    letters = _letters(actions)
    date_row = row.option(Option.RETAIN_LONG_FULL_DATES) is not None
    desc_row = row.option(Option.CLEAN_DESCRIPTORS) is not None
    if any(_satisfies(x, out, sq, date_row, row.vr) for x in letters):
        return None
    if out == _UNKNOWN:
        return "DI15", "the value is decided at run time"
    keepish = "K" in letters or "C" in letters
    unmentioned = eff.source in (Source.DEFAULT, Source.BUILTIN) and row.kind is RowKind.TAG
    if out == _RETAINED:
        if unmentioned:
            return "DI12", "no rule mentions it, so it passes unchanged"
        if sq:
            return "DI04", "kept with its items unprocessed"
        if date_row:
            return "DI07", "the date or time is kept unchanged"
        if desc_row:
            return "DI10", "the text is kept verbatim"
        if "U" in letters:
            return "DI02", "the original UID is kept"
        if "C" in letters:
            return "DI11", "kept verbatim, not cleaned"
        return "DI01", "the original value is kept"
    if out == _CLEANED:
        if desc_row or "C" in letters:
            return None
        if "U" in letters:
            return "DI02", "the UID is only transformed, not replaced"
        return "DI01", "a transform of the original value is kept"
    if out == _SHIFTED:
        if "K" in letters:
            return "DI09", "the date is altered although the options keep it"
        return "DI08", "a shifted date keeps the intervals the profile removes"
    if sq:
        if out == _REMOVED:
            if keepish:
                return "DI09", "the sequence is removed although the options keep it"
            return "DI03", "the sequence is removed where the table requires it present"
        if out == _PROCESSED:
            return "DI13", "the sequence is kept (items processed) where the table requires " \
                           "removal"
        return "DI03", "the sequence is emptied where the table requires a value"
    if keepish:
        return "DI09", "the value is replaced although the options keep it"
    if out == _REMOVED:
        return "DI03", "removed where the table requires the element to stay"
    if out == _ZERO:
        if letters <= {"X"}:
            return "DI13", "emptied where the table requires removal"
        return "DI03", "emptied where the table requires a non-empty value"
    if "U" in letters and out == _DUMMY:
        return "DI14", "every instance gets the same value"
    return "DI13", "replaced where the table requires removal"


_BRANCH_ORDER = {c: i for i, c in enumerate(
    ("DI12", "DI04", "DI01", "DI02", "DI07", "DI05", "DI10", "DI11", "DI08", "DI15", "DI03",
     "DI14", "DI09", "DI06", "DI16", "DI13"))}


def _worst(row: Attribute, actions, eff: Effect, sq: bool):
    """The most serious deviation among the branches of ``eff``: (code, reason, leaf, when)."""
    found = []
    for when, leaf in eff.leaves():
        if when and _vacuous(when):
            continue
        j = _judge(row, actions, leaf, sq)
        if j is not None:
            found.append((_BRANCH_ORDER[j[0]], j, leaf, when))
    if not found:
        return None
    found.sort(key=lambda f: f[0])
    _, (code, reason), leaf, when = found[0]
    return code, reason, leaf, " and ".join(str(c) for c in when)


def _required(actions: tuple[Action, ...]) -> str:
    return " or ".join(a.value for a in actions)


def _nested_note(row: Attribute, options) -> str:
    inside = ps315.sequence_contents(row.tag) if row.tag is not None else None
    if inside is None:
        return " The table's actions do not reach the attributes inside its items."
    if not inside:
        return ""
    if len(inside) > 20:
        return (f" It holds original values of any attribute; the table lists {len(inside)} "
                f"that must be acted on.")
    parts = [f"{a.display_keyword} {a.action(options)}" for a in inside]
    return " Table E.1-1 on attributes that may appear inside: " + ", ".join(parts) + "."


class _Checker:
    def __init__(self, se: ScriptEffects, options: frozenset[Option]):
        self.se = se
        self.options = options
        self.items_reached = False

    def run(self, rows: Iterable[Attribute]) -> list[Deviation]:
        rows = list(rows)
        self.items_reached = self.se.mode is Mode.SAFE or any(
            any(leaf.kind is EffectKind.PROCESS for _, leaf in self.se.effect_at(t).leaves())
            for t in self.se.scripted_tags())
        out: list[Deviation] = []
        for row in rows:
            if row.kind is RowKind.PRIVATE:
                out.extend(self._private(row))
            elif row.kind is RowKind.TAG:
                out.extend(self._tag(row))
            else:
                out.extend(self._repeating(row))
        return out

    def _deviation(self, row: Attribute, actions, found, eff: Effect, level: str,
                   label: str | None = None, extra: str = "") -> Deviation:
        code, reason, leaf, when = found
        where = " inside sequence items" if level == "item" else ""
        msg = (f"{row.citation(self.options)}; the script's effect{where}: {leaf.describe()}"
               f" ({reason}).")
        if when:
            msg += f" When {when}."
        if code in ("DI04", "DI12") and row.is_sequence:
            msg += _nested_note(row, self.options)
        notes = [n for n in leaf.notes + eff.notes if n]
        if notes:
            msg += " Note: " + "; ".join(dict.fromkeys(notes)) + "."
        msg += extra
        return Deviation(code, label or row.label, row.display_keyword, _required(actions),
                         leaf.describe(), leaf.kind.value, msg, row.citation(self.options),
                         rule=eff.rule or leaf.rule or "",
                         source=leaf.origin or eff.origin or str(eff.source),
                         level=level, when=when)

    def _tag(self, row: Attribute) -> list[Deviation]:
        actions = row.actions(self.options)
        sq = row.is_sequence
        out = []
        root = self.se.effect_at(row.tag, "root")
        found = _worst(row, actions, root, sq)
        if found is not None:
            out.append(self._deviation(row, actions, found, root, "root"))
        if self.items_reached:
            item = self.se.effect_at(row.tag, "item")
            if item != root:
                found_i = _worst(row, actions, item, sq)
                if found_i is not None and (found is None or found_i[0] != found[0]):
                    out.append(self._deviation(row, actions, found_i, item, "item"))
        return out

    def _repeating(self, row: Attribute) -> list[Deviation]:
        actions = row.actions(self.options)
        groups: dict[Effect, list[int]] = {}
        for t in row.tags:
            groups.setdefault(self.se.effect_at(t, "root"), []).append(t)
        out = []
        for eff, tags in groups.items():
            found = _worst(row, actions, eff, False)
            if found is None:
                continue
            if len(tags) == len(row.tags):
                label = row.label
            else:
                label = ", ".join(f"({t >> 16:04X},{row.pattern[4:]})" for t in tags)
            out.append(self._deviation(row, actions, found, eff, "root", label=label))
        return out

    # -- private attributes
    def _private(self, row: Attribute) -> list[Deviation]:
        se = self.se
        actions = row.actions(self.options)
        retain_safe = "C" in _letters(actions)
        cite = row.citation(self.options)
        out: list[Deviation] = []

        def dev(code, effect, message, members=(), rule="", source="", tag=None):
            out.append(Deviation(code, tag_str(tag) if tag is not None else row.label,
                                 keyword(tag) or "private element" if tag is not None
                                 else "private attributes", _required(actions),
                                 effect, "", f"{cite}; {message}", cite, rule=rule,
                                 source=source, members=tuple(members)))

        group = self._free_private_group()
        generic = se.effect_at((group << 16) | 0x1010, "root", creator="CTPX UNLISTED CREATOR")
        if generic.retains_value:
            dev("DI05", generic.describe(),
                "private elements no rule names pass unchanged: remove privategroups is off"
                + ("; with Retain Safe Private only the attributes of Table E.3.10-1 may stay"
                   if retain_safe else ""), source=generic.origin or str(generic.source))
        for g in sorted(se.keep_groups):
            if g % 2 == 1:
                dev("DI05", "kept (keep group)", f"<k t=\"{g:04X}\"> keeps the whole private "
                    f"group {g:04X}, safe or not", source=f"keep group {g:04X}")
        # Scripted private elements
        for tag in sorted(se.scripted_tags()):
            if (tag >> 16) % 2 == 0 or (tag >> 16) in (0x0001, 0x0003, 0x0005, 0x0007):
                continue
            if (tag & 0xFF00) == 0 and (tag & 0xFFFF) >= 0x10:
                continue   # creator elements: judged with the data they belong to
            eff = se.effect_at(tag, "root")
            for when, leaf in eff.leaves():
                if when and _vacuous(when):
                    continue
                o = _outcome(leaf)
                if o in (_RETAINED, _CLEANED) and not retain_safe:
                    dev("DI05", leaf.describe(), f"a rule keeps private element {tag_str(tag)}",
                        [tag_str(tag)], eff.rule or "", "rule", tag)
                    break
                if o in (_DUMMY, _PSEUDO, _UID, _ZERO, _SHIFTED) and not retain_safe:
                    dev("DI13", leaf.describe(), f"a rule writes private element {tag_str(tag)} "
                        f"where private attributes are removed", [tag_str(tag)], eff.rule or "",
                        "rule", tag)
                    break
        if se.keep_safe_private and not retain_safe:
            dev("DI05", "kept (keep safe private elements)",
                f"keep safeprivateelements keeps {self._ctp_safe_count()} elements CTP's "
                f"dictionary calls safe, and every private creator, although Retain Safe "
                f"Private is not selected", source="keep safe private elements")
        if not retain_safe:
            return out
        # Retain Safe Private: each attribute of Table E.3.10-1 should stay, nothing else.
        lost, kept = [], []
        for e in ps315.safe_private_elements():
            eff = se.effect_at((e.group << 16) | 0x1000 | e.byte, "root", creator=e.creator)
            (kept if eff.retains_value else lost).append(e.label)
        if lost:
            dev("DI06", "removed", f"{len(lost)} of {len(ps315.safe_private_elements())} safe "
                f"private attributes of Table E.3.10-1 are removed (e.g. "
                f"{', '.join(lost[:3])})", lost)
        if kept:
            creator = se.effect_at((self._free_private_group() << 16) | 0x0010, "root")
            if creator.kind is EffectKind.REMOVE:
                dev("DI06", "creators removed", "private creator elements are removed, so the "
                    "safe private elements that stay lose their creator (E.3.10 requires the "
                    "creator kept)", source=creator.origin)
        extra = []
        safe_keys = {(e.group, e.creator.upper(), e.byte) for e in ps315.safe_private_elements()}
        for (g, cr, b), (_vr, code) in _CTP_PRIVATE.items():
            if code != SAFE_CODE or (g, cr, b) in safe_keys:
                continue
            if se.effect_at((g << 16) | 0x1000 | b, "root", creator=cr).retains_value:
                extra.append(f"({g:04X},xx{b:02X}) {cr}")
        if extra:
            dev("DI05", "kept (CTP safe list)", f"{len(extra)} private elements CTP's dictionary "
                f"calls safe but Table E.3.10-1 does not list are kept (e.g. "
                f"{', '.join(extra[:3])})", extra, source="keep safe private elements")
        return out

    def _free_private_group(self) -> int:
        used = {t >> 16 for t in self.se.scripted_tags()} | set(self.se.keep_groups)
        used |= {g for g, _, _ in self.se.private_selectors()}
        for g in range(0x0009, 0x7FE0, 2):
            if g not in used:
                return g
        return 0x0009

    def _ctp_safe_count(self) -> int:
        return sum(1 for v in _CTP_PRIVATE.values() if v[1] == SAFE_CODE)


# ---------------------------------------------------------------------------------------------
# E.1.1: the attributes that say an object was de-identified

def _marking(se: ScriptEffects, options: frozenset[Option]) -> tuple[list[Deviation], tuple]:
    out: list[Deviation] = []
    ed = ps315.EDITION

    def dev(tag, kw, required, eff: Effect, message):
        out.append(Deviation("DI16", tag_str(tag), kw, required, eff.describe(), eff.kind.value,
                             f"PS3.15 {ed} E.1.1: {message}", f"PS3.15 {ed} E.1.1",
                             rule=eff.rule or "", source=eff.origin or str(eff.source)))

    pir = se.effect_at(0x00120062)
    if not (pir.kind is EffectKind.CONSTANT and (pir.detail("value") or "").upper() == "YES"
            and pir.creates):
        dev(0x00120062, "PatientIdentityRemoved", "YES", pir,
            "Patient Identity Removed must be set to YES (a rule @always()YES)")
    method = se.effect_at(0x00120063)
    codes_eff = se.effect_at(0x00120064)
    claimed: tuple[str, ...] = ()
    if codes_eff.kind is EffectKind.CODE_SEQUENCE:
        claimed = tuple(c for c in (codes_eff.detail("codes") or "").split("/") if c)
    if not codes_eff.creates and not method.creates:
        dev(0x00120064, "DeIdentificationMethodCodeSequence", "CID 7050 codes", codes_eff,
            "De-identification Method Code Sequence (or De-identification Method) must "
            "describe what was done")
    elif codes_eff.kind is EffectKind.CODE_SEQUENCE and codes_eff.detail("codes"):
        expected = {ps315.BASIC_PROFILE_CODE} | {o.code for o in options}
        missing = sorted(expected - set(claimed))
        if missing:
            dev(0x00120064, "DeIdentificationMethodCodeSequence", "/".join(sorted(expected)),
                codes_eff, "the code sequence does not declare " + ", ".join(missing)
                + " for the profile and options checked")
    want = ("UNMODIFIED" if Option.RETAIN_LONG_FULL_DATES in options else
            "MODIFIED" if Option.RETAIN_LONG_MODIFIED_DATES in options else "REMOVED")
    ltm = se.effect_at(0x00280303)
    if not (ltm.kind is EffectKind.CONSTANT and ltm.detail("value") == want and ltm.creates):
        dev(0x00280303, "LongitudinalTemporalInformationModified", want, ltm,
            f"Longitudinal Temporal Information Modified must be {want} for the date options "
            f"checked (E.2, E.3.6)")
    return out, claimed


#: Unlisted sequences that commonly carry identifying references in images and reports; named
#: first in DI17's message because a reader recognises them.
_COMMON_SEQUENCES = (0x00081115, 0x0040A375, 0x00081250, 0x00081199, 0x00081032, 0x00082218,
                     0x00400260, 0x0040A385, 0x00081134, 0x00540222)


def _unlisted_sequences(se: ScriptEffects) -> list[Deviation]:
    """Sequences Table E.1-1 does not list (ReferencedSeriesSequence, ...) still carry listed
    attributes in their items (person names, UIDs, dates). CTP applies rules inside an item only
    under @process(), so every such sequence that is kept unprocessed leaks them. One record
    names them all."""
    if se.mode is Mode.SAFE:
        return []
    listed = {a.tag for a in ps315.attributes() if a.tag is not None}
    kept = []
    for tag in sequence_tags():
        # Group 0028 (pixel description, LUTs) is always kept by CTP and holds nothing the
        # table lists.
        if tag in listed or tag >> 16 == 0x0028:
            continue
        eff = se.effect_at(tag, "root")
        if any(leaf.kind is EffectKind.KEEP for _, leaf in eff.leaves()):
            kept.append(tag)
    if not kept:
        return []
    first = [t for t in _COMMON_SEQUENCES if t in kept]
    names = [keyword(t) or tag_str(t) for t in first + [t for t in kept if t not in first]]
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    msg = (f"{len(kept)} sequences that Table E.1-1 does not list are kept with their items "
           f"unprocessed ({shown}): the table's actions apply wherever an attribute appears "
           f"(PS3.15 E.1.1), but CTP applies rules inside items only under @process(), so "
           f"person names, UIDs and dates nested in these sequences keep their original "
           f"values. Process them (@process(); ctpx generate writes one rule per sequence) "
           f"or run ctpx apply in safe mode.")
    return [Deviation("DI17", "(sequences)", "unlisted sequences", "X, or K with the profile "
                      "applied inside", "kept unprocessed", EffectKind.KEEP.value, msg,
                      f"PS3.15 {ps315.EDITION} E.1.1 and Table E.1-1", source="default",
                      members=tuple(tag_str(t) for t in kept))]


# ---------------------------------------------------------------------------------------------
# Pseudonymisation review

_ID_KEYWORD = re.compile(r"(ID|IDs|UID|Number|Numbers|Name|Names)$")


def _is_identifier(row: Attribute) -> bool:
    if row.kind is not RowKind.TAG or row.is_sequence:
        return False
    return row.vr in ("PN", "UI") or bool(_ID_KEYWORD.search(row.keyword or ""))


def _pseudo_class(e: Effect) -> PseudonymClass | None:
    k = e.dominant.kind
    if k in (EffectKind.REMOVE, EffectKind.EMPTY, EffectKind.CONSTANT, EffectKind.RUN_DATE):
        return PseudonymClass.ANONYMISED
    if k in (EffectKind.LOOKUP, EffectKind.ENCRYPT, EffectKind.COUNTER):
        return PseudonymClass.KEYED
    if k in (EffectKind.HASH, EffectKind.HASH_UID):
        return PseudonymClass.UNKEYED
    if k in (EffectKind.SHIFT_DATE, EffectKind.MODIFY_DATE, EffectKind.DERIVED,
             EffectKind.COPY, EffectKind.EXTENSION, EffectKind.UNKNOWN):
        return PseudonymClass.OTHER if "this" in e.dominant.reads or k in (
            EffectKind.EXTENSION, EffectKind.UNKNOWN) else PseudonymClass.ANONYMISED
    return None   # retained, processed, quarantined: not a replacement


_PSEUDO_RANK = {PseudonymClass.UNKEYED: 0, PseudonymClass.OTHER: 1, PseudonymClass.KEYED: 2,
                PseudonymClass.ANONYMISED: 3}
_PSEUDO_NOTE = {
    PseudonymClass.UNKEYED: "anyone holding the original value can recompute it and link the "
                            "records",
    PseudonymClass.KEYED: "linkable only with the lookup table, key or counter database",
    PseudonymClass.ANONYMISED: "no link to the original value",
    PseudonymClass.OTHER: "derived from the original value",
}


def _pseudonyms(se: ScriptEffects) -> list[PseudonymRecord]:
    out = []
    rows = {a.tag: a for a in ps315.attributes() if a.tag is not None}
    tags = sorted({t for t, a in rows.items() if _is_identifier(a)}
                  | {t for t in se.scripted_tags()
                     if se.effect_at(t).dominant.kind in (EffectKind.HASH, EffectKind.HASH_UID,
                                                          EffectKind.LOOKUP, EffectKind.ENCRYPT,
                                                          EffectKind.COUNTER)})
    for t in tags:
        eff = se.effect_at(t)
        classes = [(c, leaf) for when, leaf in eff.leaves()
                   if not (when and _vacuous(when)) and (c := _pseudo_class(leaf)) is not None]
        if not classes:
            continue
        cls, leaf = min(classes, key=lambda x: _PSEUDO_RANK[x[0]])
        if cls is PseudonymClass.ANONYMISED and eff.source is not Source.RULE:
            continue   # removed by a flag: nothing to review
        note = _PSEUDO_NOTE[cls]
        if len({c for c, _ in classes}) > 1:
            note += " (in one branch of a conditional)"
        if leaf.dominant.reads and leaf.dominant.reads != ("this",) and cls in (
                PseudonymClass.KEYED, PseudonymClass.UNKEYED):
            note += f"; computed from {', '.join(leaf.dominant.reads)}"
        row = rows.get(t)
        out.append(PseudonymRecord(tag_str(t), (row.display_keyword if row else keyword(t))
                                   or "", cls, leaf.describe(), eff.rule or "", note))
    return out


# ---------------------------------------------------------------------------------------------

def check_effects(se: ScriptEffects, options: Iterable[Option | str] = ()) -> list[Deviation]:
    """The deviations of analysed effects from Table E.1-1 (and E.1.1) under ``options``."""
    opts = ps315.parse_options(options)
    devs = _Checker(se, opts).run(ps315.attributes())
    devs += _marking(se, opts)[0]
    devs += _unlisted_sequences(se)
    return devs


def check_script(script: Script, options: Iterable[Option | str] = (), mode: Mode | str = "ctp",
                 *, effects: ScriptEffects | None = None) -> CheckResult:
    """Check ``script`` against PS3.15 Annex E under ``options`` (names or ``Option``)."""
    opts = ps315.parse_options(options)
    se = effects or analyze(script, mode)
    rows = ps315.attributes()
    devs = _Checker(se, opts).run(rows)
    marks, claimed = _marking(se, opts)
    devs += marks
    unlisted = _unlisted_sequences(se)
    devs += unlisted
    order = {c: i for i, c in enumerate(RULES)}
    devs.sort(key=lambda d: (order[d.code], d.tag, d.level))
    basic_devs = devs if not opts else _Checker(se, frozenset()).run(rows) + unlisted
    satisfied = []
    for o in Option:
        trial = set(opts) | {o}
        if any(g <= trial for g in ps315.EXCLUSIVE_OPTIONS):
            continue
        touched = [a for a in rows if a.option(o) is not None]
        if not _Checker(se, frozenset(trial)).run(touched):
            satisfied.append(o)
    return CheckResult(script.path, se.mode, opts, devs, _pseudonyms(se), satisfied,
                       not basic_devs, claimed)
