"""IR -> script text: canonical CTP XML, or the legacy properties form.

Canonical XML is the layout CTP's own editor writes: a ``<script>`` root, one child per line,
attributes in the order ``en``, ``t``, ``n``. Rule bodies are printed exactly as they were read,
so ``load_text(to_xml(s)) == s`` for every script (comments are kept too, though they take no part
in equality). ``to_properties`` writes the form CTP converts XML into; opaque XML children, which
that form cannot hold, become comments.
"""
from __future__ import annotations

from .ir import ElementRule, KeepRule, OpaqueNode, Param, RemoveRule, Script


def _xml_text(s: str) -> str:
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _xml_attr(s: str) -> str:
    return (_xml_text(s).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;"))


def _xml_comment(s: str) -> str:
    return "<!--" + s.replace("--", "- -").rstrip("-") + "-->"


def to_xml(script: Script) -> str:
    lines = ["<script>"]
    for item in script.items:
        for c in item.comments:
            lines.append(" " + _xml_comment(c))
        lines.append(" " + _xml_item(item))
    for c in script.trailing_comments:
        lines.append(" " + _xml_comment(c))
    lines.append("</script>")
    return "\n".join(lines) + "\n"


def _en(enabled: bool) -> str:
    return "T" if enabled else "F"


def _xml_item(item) -> str:
    if isinstance(item, Param):
        return f'<p t="{_xml_attr(item.name)}">{_xml_text(item.value)}</p>'
    if isinstance(item, ElementRule):
        n = "" if item.label is None else f' n="{_xml_attr(item.label)}"'
        return (f'<e en="{_en(item.enabled)}" t="{_xml_attr(item.tag.raw)}"{n}>'
                f"{_xml_text(item.text)}</e>")
    if isinstance(item, KeepRule):
        return (f'<k en="{_en(item.enabled)}" t="{_xml_attr(item.target)}">'
                f"{_xml_text(item.label)}</k>")
    if isinstance(item, RemoveRule):
        return (f'<r en="{_en(item.enabled)}" t="{_xml_attr(item.target)}">'
                f"{_xml_text(item.label)}</r>")
    if isinstance(item, OpaqueNode):
        if item.name == "property":
            return _xml_comment(" ignored property line: " + item.xml + " ")
        return item.xml
    raise TypeError(f"not a script item: {item!r}")


# ---------------------------------------------------------------------------------------------
# properties

def _prop_escape(s: str, *, key: bool) -> str:
    out = []
    for i, c in enumerate(s):
        if c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif c == "\f":
            out.append("\\f")
        elif c == " " and (key or i == 0):
            out.append("\\ ")
        elif key and c in "=:#!":
            out.append("\\" + c)
        elif not key and i == 0 and c in "=:":
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


def _prop_line(key: str, value: str, enabled: bool = True) -> str:
    return ("" if enabled else "#") + _prop_escape(key, key=True) + "=" + _prop_escape(value,
                                                                                     key=False)


def to_properties(script: Script) -> str:
    lines = []
    for item in script.items:
        for c in item.comments:
            lines.extend("#" + part for part in c.splitlines() or [""])
        lines.append(_prop_item(item))
    for c in script.trailing_comments:
        lines.extend("#" + part for part in c.splitlines() or [""])
    return "\n".join(lines) + "\n"


def _prop_item(item) -> str:
    if isinstance(item, Param):
        return _prop_line("param." + item.name, item.value)
    if isinstance(item, ElementRule):
        t = item.tag.raw
        key = "set.[" + t[:4] + "," + t[4:] + "]" + (item.label or "")
        return _prop_line(key, item.text, item.enabled)
    if isinstance(item, KeepRule):
        key = "keep." + (item.target if item.safe_private else "group" + item.target)
        return _prop_line(key, item.label, item.enabled)
    if isinstance(item, RemoveRule):
        return _prop_line("remove." + item.target, item.label, item.enabled)
    if isinstance(item, OpaqueNode):
        if item.name == "property":
            return item.xml
        return "# ignored XML element: " + " ".join(item.xml.split())
    raise TypeError(f"not a script item: {item!r}")
