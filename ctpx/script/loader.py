"""Load a CTP script from a file or a string, detecting its form as CTP does (§1.1)."""
from __future__ import annotations

import os
import re

from ..errors import ScriptReadError, Span
from .ir import Script
from .properties_loader import load_properties
from .xml_loader import load_xml

#: Scripts larger than this are refused (IO03); the largest real script is under 300 KB.
MAX_BYTES = 16 * 1024 * 1024

# CTP: the text is XML if it matches ^\s*< in multiline mode (any line may qualify).
_XML = re.compile(r"^[ \t\n\x0b\f\r]*<", re.MULTILINE)


def is_xml(text: str) -> bool:
    return _XML.search(text) is not None


def load_text(text: str, path: str | None = None) -> Script:
    """Parse script text; ``path`` is only used to name places in errors and spans."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if is_xml(text):
        return load_xml(text, path)
    return load_properties(text, path)


def read_text(path: str) -> str:
    """Read a script file as UTF-8 text, with coded errors for every way that can fail."""
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise ScriptReadError(f"script is {size} bytes; the limit is {MAX_BYTES}",
                                  code="IO03", path=path)
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except ScriptReadError:
        raise
    except IsADirectoryError:
        raise ScriptReadError("is a directory, not a script file", code="IO01", path=path) from None
    except FileNotFoundError:
        raise ScriptReadError("no such file", code="IO01", path=path) from None
    except OSError as e:
        raise ScriptReadError(f"cannot read: {e.strerror or e}", code="IO01", path=path) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise ScriptReadError(f"not UTF-8 text (byte 0x{data[e.start]:02x})", code="IO02",
                              span=Span(path, line, col)) from None


def load_script(path: str) -> Script:
    """Load a script file (XML or legacy properties)."""
    return load_text(read_text(path), path)
