"""One error root for ctpx: every error carries a stable code, a message and a place.

Errors are for conditions that stop an operation (a script that cannot be read, a hostile XML
file, an unsupported feature). Problems that do not stop anything are *findings* (see
``ctpx.findings``) and are reported, not raised.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A place in a source file. Lines and columns are 1-based; ``end_*`` may be unknown (0)."""

    file: str | None
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0

    def __str__(self) -> str:
        return f"{self.file or '<string>'}:{self.line}:{self.col}"


class CtpxError(Exception):
    """Base of every error ctpx raises on purpose.

    ``code`` is stable and documented in docs/codes.md; ``span`` names the file and place when
    there is one; ``source_line`` is the offending line of text, for a caret display.
    """

    code = "CTPX"

    def __init__(self, message: str, *, code: str | None = None, span: Span | None = None,
                 source_line: str | None = None, path: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.span = span
        self.source_line = source_line
        self.path = path if path is not None else (span.file if span else None)

    def location(self) -> str:
        if self.span is not None:
            return str(self.span)
        return self.path or ""

    def render(self) -> str:
        """``file:line:col: CODE message``, then the source line and a caret when known."""
        where = self.location()
        head = f"{where}: {self.code} {self.message}" if where else f"{self.code} {self.message}"
        if self.source_line is None or self.span is None:
            return head
        line = self.source_line.rstrip("\r\n").expandtabs(1)
        caret = " " * max(self.span.col - 1, 0) + "^"
        return f"{head}\n    {line}\n    {caret}"

    def __str__(self) -> str:
        return self.render()


class ScriptReadError(CtpxError):
    """The script file cannot be read (IO01) or is not text (IO02) or is too large (IO03)."""

    code = "IO01"


class XmlError(CtpxError):
    """Not well-formed XML (XML01) or refused as hostile (XML02: DTD/entities)."""

    code = "XML01"


class ParseError(CtpxError):
    """A legacy properties line that cannot be read (PRS02). Rule expressions never fail to
    parse: CTP accepts every string, so their quirks are lint findings instead."""

    code = "PRS02"


class ScriptError(CtpxError):
    """A script that parses but cannot be executed as written (the lint code of the problem,
    e.g. SC02)."""

    code = "SC02"


class NotSupportedError(CtpxError):
    """A feature ctpx does not implement; the code names it and docs/codes.md lists it."""

    code = "NS01"


class UsageError(CtpxError):
    """Wrong command-line use (bad option values, incompatible options)."""

    code = "USE01"


class DicomReadError(CtpxError):
    """A DICOM input that cannot be read (RUN codes are used for per-file outcomes)."""

    code = "RUN10"


class OutputError(CtpxError):
    """An output that cannot be written (OUT codes)."""

    code = "OUT01"


def source_line_at(text: str, line: int) -> str | None:
    """The ``line``-th (1-based) line of ``text``, or None."""
    if line < 1:
        return None
    lines = text.splitlines()
    if line > len(lines):
        return None
    return lines[line - 1]


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1
