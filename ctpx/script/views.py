"""Read-only views of the IR: JSON (schema ``ctpx-ir/1``, docs/ir.md) and an indented tree."""
from __future__ import annotations

from typing import Any

from ..dicom.names import dcm4che_name, keyword
from .grammar import unparse
from .ir import (ElementList, ElementName, ElementRef, ElementRule, KeepRule, Literal,
                 OpaqueNode, Param, ParamRef, RemoveRule, Script, TagSelector, Text, Truncated,
                 Value)

IR_FORMAT = "ctpx-ir/1"


def _pos(span) -> dict[str, Any]:
    return {"line": span.line, "col": span.col} if span else {"line": None, "col": None}


def _hex(v: int | None, width: int = 4) -> str | None:
    return None if v is None else f"{v:0{width}X}"


def tag_json(t: TagSelector) -> dict[str, Any]:
    out = {"raw": t.raw, "kind": t.kind.value, "group": _hex(t.group),
           "element": _hex(t.element, 2 if t.creator is not None else 4), "creator": t.creator,
           "keyword": None, "dcm4che": None}
    if t.tag is not None:
        out["keyword"] = keyword(t.tag)
        out["dcm4che"] = dcm4che_name(t.tag)
    return out


def _name_json(n: ElementName) -> dict[str, Any]:
    return {"text": n.text, "kind": n.kind.value, "tag": _hex(n.tag, 8), "group": _hex(n.group),
            "creator": n.creator, "byte": _hex(n.byte, 2)}


def arg_json(a) -> dict[str, Any]:
    if isinstance(a, ElementRef):
        return {"type": "element", "raw": a.raw, "root": a.root,
                "path": [_name_json(n) for n in a.path]}
    if isinstance(a, ElementList):
        return {"type": "elements", "raw": a.raw, "refs": [arg_json(r) for r in a.refs]}
    if isinstance(a, ParamRef):
        return {"type": "param", "raw": a.raw, "name": a.name}
    return {"type": "literal", "raw": a.raw, "unquoted": a.unquoted}


def node_json(n) -> dict[str, Any]:
    if isinstance(n, Text):
        return {"type": "text", "value": n.value, **_pos(n.span)}
    if isinstance(n, Truncated):
        return {"type": "truncated", "reason": n.reason, "dropped": n.dropped, **_pos(n.span)}
    return {"type": "call", "name": n.name, "args": [arg_json(a) for a in n.args],
            "clauses": [value_json(c) for c in n.clauses], "swallowed": n.swallowed,
            **_pos(n.span)}


def value_json(v: Value) -> list[dict[str, Any]]:
    return [node_json(p) for p in v.parts]


def item_json(it) -> dict[str, Any]:
    if isinstance(it, Param):
        return {"type": "param", "name": it.name, "value": it.value, **_pos(it.span)}
    if isinstance(it, ElementRule):
        return {"type": "rule", "tag": tag_json(it.tag), "label": it.label,
                "enabled": it.enabled, "en": it.en, "text": it.text, "expr": value_json(it.expr),
                **_pos(it.span)}
    if isinstance(it, KeepRule):
        g = it.group
        return {"type": "keep", "target": it.target, "safe_private": it.safe_private,
                "group": None if g is None else f"{g:04X}", "enabled": it.enabled,
                "label": it.label, **_pos(it.span)}
    if isinstance(it, RemoveRule):
        return {"type": "remove", "target": it.target,
                "flag": it.flag.value if it.flag else None, "enabled": it.enabled,
                "label": it.label, **_pos(it.span)}
    if isinstance(it, OpaqueNode):
        return {"type": "opaque", "name": it.name, "xml": it.xml, **_pos(it.span)}
    raise TypeError(it)


def to_json_obj(script: Script) -> dict[str, Any]:
    return {"format": IR_FORMAT, "path": script.path, "form": script.form.value,
            "root": script.root_name, "items": [item_json(i) for i in script.items]}


# ---------------------------------------------------------------------------------------------
# indented tree

def to_tree(script: Script) -> str:
    lines = [f"script {script.path or '<string>'} ({script.form.value}, root <{script.root_name}>)"]
    for it in script.items:
        where = f"{it.span.line}:{it.span.col}" if it.span else ""
        if isinstance(it, Param):
            lines.append(f"  {where:>8}  param {it.name} = {it.value!r}")
        elif isinstance(it, ElementRule):
            kw = keyword(it.tag.tag) if it.tag.tag is not None else None
            state = "on " if it.enabled else "off"
            label = "" if it.label is None else f" n={it.label!r}"
            lines.append(f"  {where:>8}  rule {state} {it.tag} {kw or ''}{label}".rstrip())
            _tree_value(it.expr, lines, 14)
        elif isinstance(it, KeepRule):
            what = "safe private elements" if it.safe_private else f"group {it.group:04X}"
            lines.append(f"  {where:>8}  keep {'on ' if it.enabled else 'off'} {what}")
        elif isinstance(it, RemoveRule):
            what = it.flag.value if it.flag else f"{it.target!r} (ignored by CTP)"
            lines.append(f"  {where:>8}  remove {'on ' if it.enabled else 'off'} {what}")
        else:
            lines.append(f"  {where:>8}  ignored <{it.name}>")
    return "\n".join(lines) + "\n"


def _tree_value(v: Value, lines: list[str], indent: int) -> None:
    pad = " " * indent
    if not v.parts:
        lines.append(pad + "(empty)")
    for p in v.parts:
        if isinstance(p, Text):
            lines.append(f"{pad}text {p.value!r}")
        elif isinstance(p, Truncated):
            lines.append(f"{pad}dropped by CTP ({p.reason}) {p.dropped!r}")
        else:
            args = ", ".join(_arg_text(a) for a in p.args) if p.arity else ""
            lines.append(f"{pad}@{p.name}(" + args + ")"
                         + (f"  then swallows {p.swallowed!r}" if p.swallowed else ""))
            for i, c in enumerate(p.clauses):
                lines.append(f"{pad}  {{clause {i + 1}}} {unparse(c)!r}")
                _tree_value(c, lines, indent + 4)


def _arg_text(a) -> str:
    if isinstance(a, ElementRef):
        return f"element:{a.raw or '(current)'}"
    if isinstance(a, ElementList):
        return "elements:" + a.raw
    if isinstance(a, ParamRef):
        return f"param:{a.name}"
    if isinstance(a, Literal):
        return repr(a.raw)
    return repr(a)
