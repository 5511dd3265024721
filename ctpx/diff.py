"""A semantic comparison of two CTP scripts: what each does differently, tag by tag.

The diff is keyed, not textual: parameters by name, element rules by tag (the ``n`` labels are
not keys), keep groups by group, and the four ``<r>`` flags. Rules are compared by their
*effects* (``ctpx.semantics``), so ``@hash(this,64)`` and ``@hash(this, 64)`` are the same, and an
absent rule equals ``@keep()`` while ``unspecifiedelements`` is off but not when it is on.

Records
-------
``diff_scripts(a, b, ...) -> DiffResult`` holds ``Difference`` records of four kinds:

- ``parameter``: a parameter whose value differs (``used_by`` lists the rules whose effect
  changes because of it; those rules are also reported, with ``cause`` naming the parameter);
- ``flag``: a global switch (``privategroups``, ``unspecifiedelements``, ``overlays``,
  ``curves``, ``safeprivateelements``) or a keep group that differs, with what it changes for
  elements no rule mentions, reported once;
- ``rule``: a tag whose effect differs (at the top level, or inside processed sequence items);
- ``disabled``: a disabled rule whose text differs (only with ``include_disabled``).

Each record has a category (identity, dates, UIDs, descriptors, device, institution, patient
characteristics, private, sequences, structure) and a short phrase such as
``dates: shifted by -2190 days -> set to the processing date``.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from .dicom import ps315
from .dicom.names import dcm4che_name, dicom_vr, dcm4che_vr, keyword, tag_str
from .report import Report, Section
from .script.ir import RemoveFlag, Script, TagKind
from .semantics import Effect, Mode, ScriptEffects, analyze


class Category(enum.Enum):
    IDENTITY = "identity"
    DATES = "dates"
    UIDS = "UIDs"
    DESCRIPTORS = "descriptors"
    DEVICE = "device"
    INSTITUTION = "institution"
    PATIENT = "patient characteristics"
    PRIVATE = "private"
    SEQUENCES = "sequences"
    STRUCTURE = "structure"
    PARAMETERS = "parameters"

    def __str__(self) -> str:
        return self.value


_ORDER = {c: i for i, c in enumerate(Category)}


def category_of(tag: int | None, *, private_selector: bool = False) -> Category:
    """The reader's category of an element, from PS3.15's option columns and the VR."""
    if tag is None:
        return Category.PRIVATE if private_selector else Category.STRUCTURE
    group = tag >> 16
    if group % 2 == 1:
        return Category.PRIVATE
    vr = dicom_vr(tag) or dcm4che_vr(tag)
    row = ps315.attribute(tag)
    O = ps315.Option
    if vr == "SQ":
        return Category.SEQUENCES
    if vr == "UI" or (row is not None and row.option(O.RETAIN_UIDS) is not None):
        return Category.UIDS
    if vr in ("DA", "DT", "TM") or (row is not None
                                    and row.option(O.RETAIN_LONG_FULL_DATES) is not None):
        return Category.DATES
    if row is not None:
        if row.option(O.RETAIN_DEVICE_ID) is not None:
            return Category.DEVICE
        if row.option(O.RETAIN_INSTITUTION_ID) is not None:
            return Category.INSTITUTION
        if row.option(O.RETAIN_PATIENT_CHARS) is not None:
            return Category.PATIENT
        if row.option(O.CLEAN_DESCRIPTORS) is not None:
            return Category.DESCRIPTORS
        if row.basic is not ps315.Action.K:
            return Category.IDENTITY
    if group in (0x0010, 0x0032, 0x0038):
        return Category.IDENTITY
    return Category.STRUCTURE


@dataclass(frozen=True)
class Difference:
    kind: str                       # "parameter", "flag", "rule", "disabled"
    key: str                        # tag "(0010,0010)", parameter or flag name
    category: Category
    phrase: str
    a_effect: str = ""
    b_effect: str = ""
    a_rule: str | None = None
    b_rule: str | None = None
    tag: int | None = None
    level: str = "root"             # "root", or "item" (inside processed sequence items)
    cause: str = ""                 # "parameter DATEINC" when only a parameter value differs
    used_by: tuple[str, ...] = ()   # parameters: the tags whose effect the value changes
    a_meets: bool | None = None     # with a check: does side A meet PS3.15 for this element?
    b_meets: bool | None = None

    @property
    def keyword(self) -> str:
        return (keyword(self.tag) or "") if self.tag is not None else ""

    @property
    def dcm4che(self) -> str:
        return (dcm4che_name(self.tag) or "") if self.tag is not None else ""

    def record(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "keyword": self.keyword,
                "dcm4che": self.dcm4che, "category": str(self.category), "level": self.level,
                "phrase": self.phrase, "a_effect": self.a_effect, "b_effect": self.b_effect,
                "a_rule": self.a_rule, "b_rule": self.b_rule, "cause": self.cause,
                "used_by": list(self.used_by), "a_meets": self.a_meets,
                "b_meets": self.b_meets}


@dataclass
class DiffResult:
    a_path: str | None
    b_path: str | None
    mode: Mode
    differences: list[Difference] = field(default_factory=list)
    check_options: tuple[str, ...] | None = None

    @property
    def equivalent(self) -> bool:
        return not self.differences

    @property
    def exit_code(self) -> int:
        return 0 if self.equivalent else 1

    def of_kind(self, kind: str) -> list[Difference]:
        return [d for d in self.differences if d.kind == kind]

    def summary(self) -> dict[str, Any]:
        rules = self.of_kind("rule")
        by_cat: dict[str, int] = {}
        for d in rules:
            by_cat[str(d.category)] = by_cat.get(str(d.category), 0) + 1
        return {"equivalent": self.equivalent, "rules": len(rules),
                "rules_by_category": dict(sorted(by_cat.items(), key=lambda kv: _ORDER[
                    Category(kv[0])])),
                "rules_changed_only_by_parameters_or_switches": sum(1 for d in rules if d.cause),
                "elements_folded_into_parameters_or_switches": len({
                    u for d in self.differences if d.kind in ("parameter", "flag")
                    for u in d.used_by} - {d.key for d in rules}),
                "parameters": len(self.of_kind("parameter")), "flags": len(self.of_kind("flag")),
                "disabled": len(self.of_kind("disabled"))}

    def summary_text(self) -> str:
        if self.equivalent:
            return "the scripts are equivalent"
        s = self.summary()
        cats = ", ".join(f"{k} {v}" for k, v in s["rules_by_category"].items())
        text = f"{s['rules']} rule(s) differ" + (f" ({cats})" if cats else "")
        if s["rules_changed_only_by_parameters_or_switches"]:
            text += (f", {s['rules_changed_only_by_parameters_or_switches']} of them only through "
                     f"parameters or global switches")
        if s["elements_folded_into_parameters_or_switches"]:
            text += (f", and {s['elements_folded_into_parameters_or_switches']} more change only "
                     f"through parameters or global switches (--expand lists them)")
        text += f"; {s['parameters']} parameter(s); {s['flags']} global switch(es)"
        if s["disabled"]:
            text += f"; {s['disabled']} disabled rule(s) changed"
        return text

    def report(self) -> Report:
        check = self.check_options is not None
        cols = [("category", "category"), ("key", "tag/name"), ("keyword", "keyword"),
                ("phrase", "difference"), ("a_rule", "A rule"), ("b_rule", "B rule")]
        if check:
            cols += [("a_meets", "A meets PS3.15"), ("b_meets", "B meets PS3.15")]
        ordered = sorted(self.differences, key=_sort_key)
        sections = [Section("differences", cols, [d.record() for d in ordered])]
        meta = {"A": self.a_path, "B": self.b_path, "mode": self.mode.value}
        if check:
            meta["checked against"] = "PS3.15 %s Basic Profile%s" % (
                ps315.EDITION, "".join(f" + {o}" for o in self.check_options))
        return Report(kind="diff", title="ctpx diff", sections=sections, meta=meta,
                      summary=self.summary(), summary_text=self.summary_text())


_KIND_ORDER = {"flag": 0, "parameter": 1, "rule": 2, "disabled": 3}


def _sort_key(d: Difference):
    return (_ORDER[d.category] if d.kind == "rule" else -1, _KIND_ORDER[d.kind],
            d.tag if d.tag is not None else -1, d.key, d.level)


def _creates(e: Effect) -> str:
    return " (created if missing)" if e.creates else ""


def _phrase(cat: Category, a: Effect, b: Effect) -> str:
    sa, sb = a.brief() + _creates(a), b.brief() + _creates(b)
    if sa == sb:   # same words, different details
        sa, sb = a.describe() + _creates(a), b.describe() + _creates(b)
    return f"{cat}: {sa} \u2192 {sb}"


# ---------------------------------------------------------------------------------------------
# the comparison

_FLAG_EFFECT = {
    RemoveFlag.PRIVATE_GROUPS: "private elements without a rule are removed, creators included "
                               "(unless safe private elements are kept)",
    RemoveFlag.UNSPECIFIED: "every element without a rule is removed, except CTP's built-in keeps "
                            "(SOP Class/Instance UID, Study Instance UID, groups 0002/0028/7FE0) "
                            "and kept groups; unscripted sequences go with their content",
    RemoveFlag.OVERLAYS: "overlay groups 60xx are removed, even those with a rule or in a kept "
                         "group",
    RemoveFlag.CURVES: "curve groups 50xx stop being protected; CTP removes them only together "
                       "with unspecifiedelements or by their own rules",
}


def _flag_diffs(a: Script, b: Script, mode: Mode) -> list[Difference]:
    out = []
    for flag in RemoveFlag:
        fa, fb = flag in a.flags, flag in b.flags
        if fa == fb:
            continue
        what = _FLAG_EFFECT[flag]
        if flag is RemoveFlag.CURVES and mode is Mode.SAFE:
            what = "curve groups 50xx are removed (safe mode)"
        on = "B" if fb else "A"
        cat = Category.PRIVATE if flag is RemoveFlag.PRIVATE_GROUPS else Category.STRUCTURE
        out.append(Difference("flag", flag.value, cat,
                              f"{flag.value}: {'off' if fb else 'on'} \u2192 "
                              f"{'on' if fb else 'off'}: with it on ({on}), {what}",
                              "on" if fa else "off", "on" if fb else "off"))
    if a.keep_safe_private != b.keep_safe_private:
        fb = b.keep_safe_private
        out.append(Difference("flag", "safeprivateelements", Category.PRIVATE,
                              f"keep safe private elements: {'off' if fb else 'on'} \u2192 "
                              f"{'on' if fb else 'off'}: private elements CTP's dictionary marks "
                              f"safe, and every private creator, survive privategroups",
                              "on" if not fb else "off", "on" if fb else "off"))
    for g in sorted(a.keep_groups ^ b.keep_groups):
        fb = g in b.keep_groups
        active = any(RemoveFlag.UNSPECIFIED in s.flags or (g % 2 == 1 and
                                                           RemoveFlag.PRIVATE_GROUPS in s.flags)
                     for s in (a, b))
        why = ("its elements without a rule survive the removal flags" if active else
               "no effect here: a kept group only protects elements from privategroups and "
               "unspecifiedelements, and neither applies")
        cat = Category.PRIVATE if g % 2 == 1 else Category.STRUCTURE
        out.append(Difference("flag", f"keep group {g:04X}", cat,
                              f"keep group {g:04X}: {'not kept' if fb else 'kept'} \u2192 "
                              f"{'kept' if fb else 'not kept'}: {why}",
                              "kept" if not fb else "not kept", "kept" if fb else "not kept"))
    return out


def _selectors(script: Script) -> set:
    """Every target a rule names, enabled or not: a disabled rule still says the author thought
    about that element, and global switches decide what happens to it."""
    return {r.tag for r in script.rules}


def _probe(sel) -> tuple[int | None, str | None]:
    """A concrete tag (and creator) to ask the analysis about a selector."""
    if sel.kind is TagKind.NUMERIC:
        return sel.tag, None
    if sel.kind is TagKind.PRIVATE and sel.element is not None:
        return (sel.group << 16) | 0x1000 | sel.element, sel.creator
    return None, None


def _rule_text(script: Script, sel) -> str | None:
    rules = script.rules_by_tag.get(sel)
    return rules[-1].text if rules else None


def diff_scripts(a: Script, b: Script, *, mode: Mode | str = "ctp",
                 include_disabled: bool = False, expand: bool = False,
                 check_options: Iterable[str] | None = None) -> DiffResult:
    """Compare ``a`` and ``b`` by effect.

    Elements whose effect differs only because a parameter value differs, or only because a
    global switch differs (neither script has an enabled rule for them), are folded into that
    parameter's or switch's record (``used_by``) unless ``expand``.
    """
    mode = Mode(mode) if not isinstance(mode, Mode) else mode
    ea, eb = analyze(a, mode), analyze(b, mode)
    # B evaluated with A's parameter values: a rule whose effect then matches A differs only
    # because of a parameter.
    shared = {k: v for k, v in a.params.items()}
    eb_with_a_params = analyze(b.with_params(shared), mode) if a.params != b.params else eb
    result = DiffResult(a.path, b.path, mode, check_options=(
        tuple(check_options) if check_options is not None else None))
    flags = _flag_diffs(a, b, mode)
    switch_names = [f.key for f in flags]
    param_users: dict[str, list[str]] = {}
    switch_users: list[str] = []
    for sel in sorted(_selectors(a) | _selectors(b), key=_sel_key):
        tag, creator = _probe(sel)
        if tag is None:
            ra, rb = _rule_text(a, sel), _rule_text(b, sel)
            if ra != rb:
                result.differences.append(Difference(
                    "rule", str(sel), Category.STRUCTURE,
                    f"structure: a rule CTP cannot resolve ({sel.raw!r}) differs",
                    "never applies" if ra is not None else "absent",
                    "never applies" if rb is not None else "absent", ra, rb))
            continue
        cat = category_of(tag, private_selector=sel.kind is TagKind.PRIVATE)
        key = tag_str(tag) if sel.kind is TagKind.NUMERIC else str(sel)
        for level in ("root", "item"):
            fa = ea.effect_at(tag, level, creator=creator)
            fb = eb.effect_at(tag, level, creator=creator)
            if fa == fb:
                continue
            if level == "item":
                ra_root = ea.effect_at(tag, "root", creator=creator)
                rb_root = eb.effect_at(tag, "root", creator=creator)
                if ra_root != rb_root and _same_shape(fa, ra_root) and _same_shape(fb, rb_root):
                    continue   # the root record already says it
            cause = ""
            if sel not in a.rules_by_tag and sel not in b.rules_by_tag:
                cause = "switch " + ", ".join(switch_names)
                if key not in switch_users:
                    switch_users.append(key)
            elif eb_with_a_params is not eb and \
                    eb_with_a_params.effect_at(tag, level, creator=creator) == fa:
                names = _params_used(a, sel) | _params_used(b, sel)
                changed = sorted(n for n in names if a.params.get(n) != b.params.get(n))
                cause = "parameter " + ", ".join(changed) if changed else "parameters"
                for n in changed:
                    param_users.setdefault(n, []).append(key)
            phrase = _phrase(cat, fa, fb)
            if level == "item":
                phrase = phrase.replace(": ", " (inside sequence items): ", 1)
            result.differences.append(Difference(
                "rule", key, cat, phrase, fa.describe() + _creates(fa),
                fb.describe() + _creates(fb), fa.rule, fb.rule, tag if sel.kind is
                TagKind.NUMERIC else None, level, cause))

    for f in flags:
        if switch_users and f.kind == "flag":
            shown = ", ".join(switch_users[:4]) + (", ..." if len(switch_users) > 4 else "")
            f = replace(f, used_by=tuple(switch_users),
                        phrase=f.phrase + f" (with the other switches, changes {len(switch_users)}"
                                          f" element(s) that have only disabled rules: {shown})")
        result.differences.append(f)
    for name in sorted(set(a.params) | set(b.params)):
        va, vb = a.params.get(name), b.params.get(name)
        if va == vb:
            continue
        users = tuple(param_users.get(name, ()))
        used = ""
        if users:
            shown = ", ".join(users[:4]) + (", ..." if len(users) > 4 else "")
            used = f" (changes {len(users)} rule(s): {shown})"
        result.differences.append(Difference(
            "parameter", name, Category.PARAMETERS,
            f"parameter {name}: {_pv(va)} \u2192 {_pv(vb)}{used}", _pv(va), _pv(vb),
            used_by=users))

    if not expand:
        result.differences = [d for d in result.differences if not (d.kind == "rule" and d.cause)]
    if include_disabled:
        result.differences += _disabled_diffs(a, b)
    if check_options is not None:
        result.differences = _with_check(result.differences, a, b, ea, eb, check_options)
    return result


def _same_shape(item: Effect, root: Effect) -> bool:
    """The item-level effect says nothing new: equal to the root's, creation aside (CTP only
    creates elements at the root)."""
    return replace(item, creates=False) == replace(root, creates=False)


def _sel_key(sel):
    return (sel.kind.value, sel.group or 0, sel.element or 0, sel.creator or "", sel.raw)


def _pv(v: str | None) -> str:
    return "(not defined)" if v is None else repr(v)


def _params_used(script: Script, sel) -> set[str]:
    from .script.ir import ParamRef
    names = set()
    for r in script.rules_by_tag.get(sel, ()):
        for c in r.expr.calls():
            names |= {x.name for x in c.args if isinstance(x, ParamRef)}
    return names


def _disabled_diffs(a: Script, b: Script) -> list[Difference]:
    def disabled(s: Script) -> dict:
        out: dict = {}
        for r in s.rules:
            if not r.enabled:
                out[r.tag] = r
        return out

    da, db = disabled(a), disabled(b)
    out = []
    for sel in sorted(set(da) | set(db), key=_sel_key):
        ra, rb = da.get(sel), db.get(sel)
        ta = ra.text if ra else None
        tb = rb.text if rb else None
        if ta == tb:
            continue
        tag, _ = _probe(sel)
        cat = category_of(tag, private_selector=sel.kind is TagKind.PRIVATE)
        out.append(Difference("disabled", tag_str(tag) if sel.kind is TagKind.NUMERIC else
                              str(sel), cat,
                              f"{cat}: disabled rule {_pv(ta)} \u2192 {_pv(tb)} (no effect)",
                              a_rule=ta, b_rule=tb,
                              tag=tag if sel.kind is TagKind.NUMERIC else None))
    return out


def _with_check(diffs: list[Difference], a: Script, b: Script, ea: ScriptEffects,
                eb: ScriptEffects, options: Iterable[str]) -> list[Difference]:
    from .check import check_script
    ca = check_script(a, options, ea.mode, effects=ea)
    cb = check_script(b, options, eb.mode, effects=eb)

    def failing(result) -> set[tuple[str, str]]:
        out = set()
        for d in result.deviations:
            out.add((d.tag, d.level))
            for m in d.members:
                out.add((m, d.level))
        return out

    fa, fb = failing(ca), failing(cb)
    out = []
    for d in diffs:
        if d.kind == "rule" and d.tag is not None and ps315.attribute(d.tag) is not None:
            k = (tag_str(d.tag), d.level)
            d = replace(d, a_meets=k not in fa, b_meets=k not in fb)
        out.append(d)
    return out
