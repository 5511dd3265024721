"""Script lint: problems a reader of a CTP script should know about (codes SC01-SC23).

Every rule is registered once in ``RULES`` with a stable code, a dotted name, a severity and a
documentation entry; ``lint_script`` runs all of them and returns findings in source order.
Nothing here raises on a strange script: CTP runs every script, so every quirk is a finding.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from ..dicom.names import dcm4che_tag, keyword, keyword_tag, dcm4che_name
from ..errors import Span
from ..findings import Finding, Severity
from ..functions import CONDITIONS, FUNCTIONS, spec
from .ir import (Always, Call, ElementList, ElementRef, ElementRule, If, KeepRule, NameKind,
                 ParamRef, RemoveRule, Script, TagKind, Text, Truncated, Value)


@dataclass(frozen=True)
class LintRule:
    code: str
    name: str
    severity: Severity
    summary: str
    doc: str
    check: Callable[["_Ctx"], Iterable[tuple]]


RULES: dict[str, LintRule] = {}


def rule(code: str, name: str, severity: Severity, summary: str, doc: str):
    def register(fn):
        RULES[code] = LintRule(code, name, severity, summary, doc, fn)
        return fn
    return register


class _Ctx:
    """What the checks share: the script and its calls with the rule they belong to."""

    def __init__(self, script: Script):
        self.script = script
        self.private_aliases = {r.label.lower() for r in script.enabled_rules
                                if r.tag.is_private and r.label}

    def calls(self, *, enabled_only: bool = True) -> Iterator[tuple[ElementRule, Call]]:
        for r in self.script.rules:
            if enabled_only and not r.enabled:
                continue
            for c in r.expr.calls():
                yield r, c

    def nodes(self, *, enabled_only: bool = True):
        for r in self.script.rules:
            if enabled_only and not r.enabled:
                continue
            yield from ((r, n) for n in _walk(r.expr))


def _walk(value: Value):
    for p in value.parts:
        yield p
        if isinstance(p, Call):
            for c in p.clauses:
                yield from _walk(c)


def _where(node, rule_: ElementRule | None = None) -> Span | None:
    span = getattr(node, "span", None)
    if span is None and rule_ is not None:
        span = rule_.body_span or rule_.span
    return span


def _tagname(r: ElementRule) -> str:
    t = r.tag
    if t.kind is TagKind.NUMERIC:
        kw = keyword(t.tag) or dcm4che_name(t.tag)
        return f"{t} {kw}" if kw else str(t)
    return str(t)


# ---------------------------------------------------------------------------------------------

@rule("SC01", "params.undefined", Severity.WARNING,
      "parameter used but not defined",
      "A rule reads `@NAME` (or `$NAME`) but no `<p t=\"NAME\">` defines it. CTP then produces "
      "`null`, the literal `@NAME`, or a `(args)` error text, depending on the function. Real "
      "scripts legitimately rely on parameters supplied at run time (`--param NAME=VALUE`) or by "
      "a base script they overlay, so this is a warning.")
def _undefined_params(ctx: _Ctx):
    defined = ctx.script.params
    for r, c in ctx.calls():
        for a in c.args:
            if isinstance(a, ParamRef) and a.name not in defined:
                yield (f"parameter {a.name!r} is not defined in the script (CTP reads it as "
                       f"null unless it is supplied at run time)", _where(a, r))


@rule("SC02", "rules.duplicate-tag", Severity.ERROR,
      "two enabled rules target one element with different labels",
      "CTP keys rules by tag *and* label, so two enabled `<e>` for one tag with different `n` both "
      "survive and the one that applies is decided by Java's hash order: an accident. Disable or "
      "delete one of them. (An enabled and a disabled rule for one tag are fine.)")
def _duplicate_enabled(ctx: _Ctx):
    for sel, rules in ctx.script.rules_by_tag.items():
        labels = {r.label or "" for r in rules}
        if len(labels) > 1:
            first = rules[0]
            for r in rules[1:]:
                yield (f"{_tagname(r)} has {len(rules)} enabled rules with different labels "
                       f"({', '.join(sorted(repr(x) for x in labels))}); CTP picks one by hash "
                       f"order (first at line {first.span.line if first.span else '?'})", r.span)


@rule("SC03", "rules.duplicate-same-label", Severity.WARNING,
      "an enabled rule is repeated with the same label; the last one wins",
      "Two enabled `<e>` with the same `t` and the same `n` collapse into one: the later rule in "
      "the file replaces the earlier one. The earlier rule is dead text.")
def _duplicate_same_label(ctx: _Ctx):
    for sel, rules in ctx.script.rules_by_tag.items():
        seen: dict[str, ElementRule] = {}
        for r in rules:
            key = r.label or ""
            if key in seen:
                yield (f"{_tagname(r)} is repeated with label {key!r}; this rule replaces the one "
                       f"at line {seen[key].span.line if seen[key].span else '?'}", seen[key].span)
            seen[key] = r


@rule("SC04", "functions.unknown", Severity.WARNING,
      "unknown function: CTP writes the call out as text",
      "CTP's dispatcher does not know this name (names are case-sensitive), so the call is output "
      "literally, e.g. `@Hash(this)` becomes the text `@Hash(this)` in the element.")
def _unknown_function(ctx: _Ctx):
    lower = {n.lower(): n for n in FUNCTIONS}
    for r, c in ctx.calls():
        if spec(c.name) is None:
            hint = f"; did you mean @{lower[c.name.lower()]}?" if c.name.lower() in lower else ""
            yield (f"unknown function @{c.name}: CTP outputs it as text{hint}", _where(c, r))


@rule("SC05", "functions.arity", Severity.WARNING,
      "a function is called with the wrong number of arguments",
      "Too few arguments make CTP fall back to an error text such as `(args)`, an empty value or "
      "null; extra arguments are ignored (for `@contents`, more than three give an empty value).")
def _arity(ctx: _Ctx):
    for r, c in ctx.calls():
        f = spec(c.name)
        if f is None:
            continue
        n = c.arity
        if n < f.min_args or (f.max_args is not None and n > f.max_args):
            want = (f"{f.min_args}" if f.min_args == f.max_args else
                    f"{f.min_args}-{f.max_args}" if f.max_args is not None else
                    f"at least {f.min_args}")
            yield (f"@{c.name} takes {want} argument(s), got {n}", _where(c, r))


@rule("SC06", "flags.unknown-remove", Severity.WARNING,
      "`<r>` with a target CTP does not know: the line does nothing",
      "CTP reads only `privategroups`, `unspecifiedelements`, `overlays` and `curves` (case-"
      "sensitive). Any other `t`, such as a group number, is silently ignored; a group number "
      "usually means `<k>` (keep group) was intended.")
def _unknown_remove(ctx: _Ctx):
    for r in ctx.script.removes:
        if r.flag is None:
            hint = (" (a group number: did you mean <k t=\"%s\">?)" % r.target
                    if re.fullmatch(r"[0-9A-Fa-f]{1,4}", r.target) else "")
            yield (f"<r t={r.target!r}> is not one of privategroups, unspecifiedelements, "
                   f"overlays, curves; CTP ignores it{hint}", r.span)


@rule("SC07", "flags.unknown-keep", Severity.WARNING,
      "`<k>` whose target is neither a hex group nor safeprivateelements",
      "CTP reads the `t` of `<k>` as a hexadecimal group number; anything it cannot read keeps "
      "group 0000 instead (which has no effect on data sets).")
def _unknown_keep(ctx: _Ctx):
    for k in ctx.script.keeps:
        if not k.valid:
            yield (f"<k t={k.target!r}> is not a hex group or safeprivateelements; CTP keeps "
                   f"group 0000 instead", k.span)


@rule("SC08", "rules.empty-body", Severity.WARNING,
      "an enabled rule with an empty body empties the element",
      "In CTP an enabled `<e>` with no text is still a rule: it empties the element (a PN gets a "
      "single space). On an existing sequence it does nothing at all, and the sequence keeps its "
      "content. Some tools (the RSNA Anonymizer) read an empty body as *keep*; CTP does not.")
def _empty_body(ctx: _Ctx):
    for r in ctx.script.enabled_rules:
        if r.text == "" and r.tag.tag != 0x00120064:
            yield (f"{_tagname(r)} has an empty body: CTP empties the element (use @empty() to "
                   f"say so, or @keep() to keep it)", r.span)


@rule("SC09", "syntax.bare-name", Severity.WARNING,
      "`@name` without `(`: CTP drops the rest of the value",
      "When an `@` is not followed by a `(` anywhere later in the value, CTP stops scanning and "
      "silently drops everything from the `@` on. Write a literal `@` as `\\@`.")
def _bare(ctx: _Ctx):
    for r, n in ctx.nodes():
        if isinstance(n, Truncated) and n.reason == "bare":
            yield (f"{n.dropped!r}: no '(' follows the '@', so CTP drops this text", _where(n, r))


@rule("SC10", "syntax.unclosed-arguments", Severity.WARNING,
      "an argument list that never closes: CTP drops the rest of the value",
      "CTP stops scanning at a call whose argument list has no closing `)` (quotes and brackets "
      "protect `)`), and drops the call and everything after it.")
def _unclosed(ctx: _Ctx):
    for r, n in ctx.nodes():
        if isinstance(n, Truncated) and n.reason == "unclosed":
            yield (f"{n.dropped!r}: the argument list never closes, so CTP drops this text",
                   _where(n, r))


@rule("SC11", "syntax.missing-clause", Severity.WARNING,
      "a clause of @if/@select/@append is missing: CTP swallows the rest",
      "`@if` and `@select` take two `{...}` clauses and `@append` one. When one is missing CTP "
      "treats it as empty and discards the whole rest of the value.")
def _missing_clause(ctx: _Ctx):
    for r, c in ctx.calls():
        if c.swallowed is not None:
            lost = f"; dropped: {c.swallowed.strip()!r}" if c.swallowed.strip() else ""
            want = spec(c.name).clauses if spec(c.name) else 0
            yield (f"@{c.name} has {len(c.clauses)} of {want} clause(s){lost}", _where(c, r))


@rule("SC12", "rules.label-mismatch", Severity.INFO,
      "the `n` label names a different element than `t`",
      "The label is only a label, except for private elements. When it is the name of another "
      "element, a reader is likely to misread what the rule targets.")
def _label_mismatch(ctx: _Ctx):
    for r in ctx.script.rules:
        if r.tag.kind is not TagKind.NUMERIC or r.tag.is_private or not r.label:
            continue
        other = dcm4che_tag(r.label)
        if other is None:
            other = keyword_tag(r.label)
        if other is not None and other != r.tag.tag:
            yield (f"label {r.label!r} is the name of {keyword(other) or r.label} "
                   f"({other >> 16:04X},{other & 0xFFFF:04X}), but t targets {_tagname(r)}",
                   r.span)


@rule("SC13", "functions.require-without-always", Severity.WARNING,
      "`@require()` without a leading `@always()` never creates anything",
      "`@require` only matters when the element is missing, and CTP only evaluates a rule for a "
      "missing element when the rule starts with `@always()`.")
def _require(ctx: _Ctx):
    for r in ctx.script.enabled_rules:
        if r.starts_with_always:
            continue
        for c in r.expr.calls():
            if c.name == "require":
                yield ("@require() without a leading @always(): it never creates the element",
                       _where(c, r))


@rule("SC14", "rules.private-unmatchable", Severity.WARNING,
      "a private rule that can never match",
      "`gggg[CREATOR]` without an element byte resolves to (gggg,xx00) in CTP, not to the "
      "creator; a creator form on an even group can never match a private block.")
def _private_unmatchable(ctx: _Ctx):
    for r in ctx.script.rules:
        t = r.tag
        if t.kind is not TagKind.PRIVATE:
            continue
        if t.element is None:
            yield (f"t={t.raw!r} has no element byte: CTP resolves it to the block's element "
                   f"00, not to the creator", r.span)
        elif t.group % 2 == 0:
            yield f"t={t.raw!r} names a creator in an even group; it can never match", r.span


@rule("SC15", "rules.unresolvable-tag", Severity.WARNING,
      "a `t` that CTP cannot resolve: the rule never applies",
      "Only eight hex digits (`00100010`) and `gggg[CREATOR]ee` work. `(0010,0010)`, "
      "`0010,0010`, keywords and repeating groups such as `60xx3000` are silently ignored; a `t` "
      "shorter than four characters makes CTP's script loader fail.")
def _unresolvable(ctx: _Ctx):
    for r in ctx.script.rules:
        t = r.tag
        if t.kind is TagKind.INVALID:
            why = ("is shorter than 4 characters, which breaks CTP's loader"
                   if len(t.raw) < 4 else "cannot be resolved; CTP ignores the rule")
            yield f"t={t.raw!r} {why}", r.span
        elif t.kind is TagKind.NUMERIC and len(t.raw) != 8:
            yield (f"t={t.raw!r} is not 8 hex digits; CTP reads it as {t}", r.span)


@rule("SC16", "functions.keep-process-chain", Severity.WARNING,
      "`@keep()@process()`: the value becomes `@keep()@keep()`",
      "`@process()` returns `@keep()`, so the chain yields the text `@keep()@keep()`, which is not "
      "`@keep()`: CTP processes the items and then tries to write that text into the sequence (an "
      "error it swallows). Use `@process()` alone.")
def _keep_process(ctx: _Ctx):
    for r in ctx.script.enabled_rules:
        names = [p.name for p in r.expr.parts if isinstance(p, Call)]
        if "keep" in names and "process" in names:
            yield "@keep() combined with @process(): use @process() alone", r.body_span


@rule("SC17", "functions.always-not-first", Severity.WARNING,
      "`@always()` that is not at the start of the rule has no effect",
      "CTP creates a missing element only when the rule *starts* with `@always()`; anywhere else "
      "it outputs nothing.")
def _always_not_first(ctx: _Ctx):
    for r in ctx.script.enabled_rules:
        for i, p in enumerate(r.expr.parts):
            if isinstance(p, Always) and i > 0:
                yield "@always() is not at the start of the rule; it has no effect", _where(p, r)
        for c in r.expr.calls():
            for clause in c.clauses:
                for p in clause.parts:
                    if isinstance(p, Always):
                        yield "@always() inside a clause has no effect", _where(p, r)


@rule("SC18", "arguments.unknown-element", Severity.WARNING,
      "an argument names an element CTP does not know",
      "Function arguments use dcm4che 1.x names (`RefSeriesSeq`), hex tags, private names "
      "declared in the script, or `gggg[CREATOR]ee`. DICOM keywords such as "
      "`ReferencedSeriesSequence` are not dcm4che names: CTP resolves them to nothing.")
def _unknown_element(ctx: _Ctx):
    for r, c in ctx.calls():
        f = spec(c.name)
        if f is None:
            continue
        for i, a in enumerate(c.args):
            refs = a.refs if isinstance(a, ElementList) else (a,) if isinstance(a, ElementRef) \
                else ()
            for ref in refs:
                if re.match(r"@\s*\w+\s*\(", ref.raw):
                    continue  # SC21 explains a call written as an argument
                for part in ref.path:
                    if part.kind is not NameKind.NAME:
                        continue
                    if dcm4che_tag(part.text) is not None or \
                            part.text.lower() in ctx.private_aliases:
                        continue
                    tag = keyword_tag(part.text)
                    if tag is not None:
                        d4 = dcm4che_name(tag)
                        hint = f" (CTP's name for it is {d4!r})" if d4 else ""
                        msg = (f"{part.text!r} is a DICOM keyword, not a dcm4che name; CTP "
                               f"resolves it to nothing{hint}")
                    else:
                        msg = f"{part.text!r} is not an element name CTP knows"
                    yield msg, _where(a, r)


@rule("SC19", "rules.en-value", Severity.WARNING,
      "an `en` attribute other than T or F",
      "Only exactly `en=\"T\"` enables a rule, keep or remove line; `t`, `true`, `yes` or a "
      "missing attribute all mean disabled.")
def _en_value(ctx: _Ctx):
    for it in ctx.script.items:
        if isinstance(it, (ElementRule, KeepRule, RemoveRule)) and it.en not in ("T", "F"):
            shown = "missing" if it.en is None else repr(it.en)
            yield f"en is {shown}: only exactly 'T' enables this line; CTP treats it as disabled", \
                it.span


@rule("SC20", "script.ignored-element", Severity.INFO,
      "a child element CTP ignores",
      "Only `<p>`, `<e>`, `<k>` and `<r>` directly under the root are read; anything else, and "
      "anything nested deeper, is ignored. ctpx keeps it so that printing loses nothing.")
def _ignored(ctx: _Ctx):
    for it in ctx.script.opaque:
        yield f"<{it.name}> is ignored by CTP (only p, e, k, r under the root are read)", it.span


@rule("SC21", "arguments.call-as-argument", Severity.WARNING,
      "a call written as an argument is never evaluated",
      "CTP never evaluates function arguments: `@hash(@contents(PatientID))` looks up an element "
      "literally named `@contents(PatientID)`. Only `{}` clauses are evaluated.")
def _call_arg(ctx: _Ctx):
    for r, c in ctx.calls():
        for a in c.args:
            if isinstance(a, ElementRef) and re.match(r"@\s*\w+\s*\(", a.raw):
                yield (f"argument {a.raw!r} is a call; CTP does not evaluate arguments and reads "
                       f"it as an element name", _where(a, r))


@rule("SC22", "functions.unknown-condition", Severity.WARNING,
      "an `@if` condition CTP does not know is always false",
      "The conditions are isblank, exists, equals, contains, matches and greaterthan (case-"
      "sensitive). Anything else, or a missing condition, selects the false clause.")
def _condition(ctx: _Ctx):
    for r, c in ctx.calls():
        if isinstance(c, If) and c.condition not in CONDITIONS:
            yield (f"@if condition {c.condition!r} is not one of {', '.join(CONDITIONS)}: always "
                   f"false", _where(c, r))


@rule("SC23", "rules.marker-in-text", Severity.WARNING,
      "a marker (`@keep()`, `@empty()`, `@remove()`, `@blank()`) mixed with other text",
      "CTP compares the whole final value: `@remove()` anywhere removes the element, but "
      "`prefix @keep()` or `@empty()x` are written literally into the element.")
def _marker_in_text(ctx: _Ctx):
    markers = {n for n, f in FUNCTIONS.items() if not f.dispatched}
    for r in ctx.script.enabled_rules:
        parts = [p for p in r.expr.parts if not (isinstance(p, Text) and not p.value.strip())]
        names = {p.name for p in parts if isinstance(p, Call)}
        if len(parts) < 2 or names == {"keep", "process"}:  # SC16 covers that chain
            continue
        for p in parts:
            if isinstance(p, Call) and p.name in markers:
                effect = ("removes the element whatever else it says" if p.name == "remove" else
                          "is written literally together with the other text")
                yield f"@{p.name}() mixed with other text {effect}", _where(p, r)
                break


def lint_script(script: Script, *, select: Iterable[str] | None = None,
                ignore: Iterable[str] | None = None) -> list[Finding]:
    """All findings for ``script``, sorted by place."""
    chosen = set(select) if select else set(RULES)
    chosen -= set(ignore or ())
    ctx = _Ctx(script)
    out: list[Finding] = []
    for code, r in RULES.items():
        if code not in chosen:
            continue
        for message, span in r.check(ctx):
            out.append(Finding(code, r.severity, message, span or Span(script.path, 0, 0),
                               r.name))
    out.sort(key=lambda f: (f.span.file or "", f.span.line, f.span.col, f.code))
    return out
