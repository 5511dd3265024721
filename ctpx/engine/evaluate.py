"""Compile a rule body (an IR ``Value``) into a Python function of the current element.

CTP scans a script left to right every time it runs it; ctpx does the scan once, when the script
is compiled. Each ``Value`` becomes either a constant string (no calls, or only calls that cannot
depend on the file, such as ``@keep()``) or a function ``f(fc, lv, tag) -> str`` where ``fc`` is
the file context, ``lv`` the current input dataset and ``tag`` the element being processed.
Function calls dispatch through ``ctpx.engine.functions.IMPLS``; names CTP does not know (and the
marker pseudo-functions) are written back as text, as CTP does.
"""
from __future__ import annotations

from typing import Callable, Union

from ..functions import spec
from ..script.ir import Call, ElementList, ElementRef, Literal, ParamRef, Text, Truncated, Value
from .context import Ref

Fn = Callable[..., str]
Compiled = Union[str, Fn]


class Compiler:
    """Compiles values against one script's parameters (they are fixed at compile time)."""

    def __init__(self, params: dict[str, str]):
        self.params = params
        self.used: set[str] = set()   # names of the functions compiled, for ``functions``

    # -- arguments
    def ref(self, call: Call, i: int) -> Ref:
        a = call.arg(i)
        if isinstance(a, ElementRef):
            return Ref(a)
        from ..script.grammar import element_ref
        return Ref(element_ref(a.raw) if a is not None else None)

    def refs(self, call: Call, i: int) -> list[Ref]:
        a = call.arg(i)
        if isinstance(a, ElementList):
            return [Ref(r) for r in a.refs]
        return [self.ref(call, i)]

    def param(self, call: Call, i: int) -> str | None:
        """CTP's getParam: ``@X``/``$X`` is a parameter (None if undefined), else the text."""
        a = call.arg(i)
        if a is None:
            return None
        t = a.raw.strip("".join(chr(c) for c in range(0x21)))
        if t[:1] in ("@", "$"):
            return self.params.get(t[1:])
        return t

    @staticmethod
    def text(call: Call, i: int) -> str:
        """CTP's getArg: the argument with surrounding double quotes removed ("" if absent)."""
        a = call.arg(i)
        if a is None:
            return ""
        if isinstance(a, Literal):
            return a.unquoted
        return Literal(a.raw).unquoted

    @staticmethod
    def raw(call: Call, i: int) -> str:
        return call.raw_arg(i)

    @staticmethod
    def args_text(call: Call) -> str:
        """The ``(args)`` text CTP returns when a function fails."""
        return "(" + ",".join(a.raw for a in call.args) + ")"

    # -- values
    def value(self, v: Value) -> Compiled:
        parts: list[Compiled] = []
        for node in v.parts:
            if isinstance(node, Text):
                parts.append(node.value)
            elif isinstance(node, Truncated):
                break
            else:
                parts.append(self.call(node))
        merged: list[Compiled] = []
        for p in parts:
            if isinstance(p, str) and merged and isinstance(merged[-1], str):
                merged[-1] += p
            elif not (isinstance(p, str) and p == ""):
                merged.append(p)
        if not merged:
            return ""
        if len(merged) == 1:
            return merged[0]
        if all(isinstance(p, str) for p in merged):
            return "".join(merged)
        return _joiner(tuple(merged))

    def fn(self, v: Value) -> Fn:
        """Like ``value`` but always a function."""
        c = self.value(v)
        if isinstance(c, str):
            return lambda fc, lv, tag, _c=c: _c
        return c

    def call(self, call: Call) -> Compiled:
        from .functions import IMPLS
        s = spec(call.name)
        if s is None or not s.dispatched:
            return "@" + call.name + "(" + ",".join(a.raw for a in call.args) + ")"
        self.used.add(call.name)
        return IMPLS[call.name](call, self)


def _joiner(parts: tuple) -> Fn:
    def run(fc, lv, tag):
        return "".join(p if p.__class__ is str else p(fc, lv, tag) for p in parts)
    return run


def run(c: Compiled, fc, lv, tag) -> str:
    return c if c.__class__ is str else c(fc, lv, tag)


__all__ = ["Compiler", "Compiled", "run", "ParamRef"]
