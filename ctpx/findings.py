"""Findings: coded, located problems that are reported rather than raised.

Every finding has a stable ``code`` (documented in docs/codes.md), a ``severity``, a
``message`` and a ``span`` (file:line:col when known). Lint, check and the engine's per-file
warnings all produce findings; output formats render ``Finding.record()``.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from .errors import Span


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    span: Span | None = None
    name: str = ""                           # the dotted rule name, e.g. "params.undefined"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def location(self) -> str:
        return str(self.span) if self.span else ""

    def record(self) -> dict[str, Any]:
        r = {
            "code": self.code,
            "name": self.name,
            "severity": str(self.severity),
            "file": self.span.file if self.span else None,
            "line": self.span.line if self.span else None,
            "col": self.span.col if self.span else None,
            "location": self.location(),
            "message": self.message,
        }
        r.update(self.extra)
        return r

    def render(self) -> str:
        where = self.location()
        return f"{where}: {self.code} {self.severity}: {self.message}" if where else \
            f"{self.code} {self.severity}: {self.message}"
