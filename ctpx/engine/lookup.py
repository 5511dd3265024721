"""Lookup tables for ``@lookup``, ``@incrementdate(El,KeyEl,type)`` and ``@dateinterval``.

Two formats:

- **Java properties** (any name not ending in ``.csv``), read as UTF-8 the way
  ``java.util.Properties.load`` reads a file: ``keyType/key = value`` lines, ``#``/``!`` comments,
  backslash continuations and escapes (spaces, ``:`` and ``=`` in keys must be escaped).
- **CSV** (``.csv``): ``keyType/key,value`` per row (standard CSV quoting; rows with fewer than two
  fields and rows starting with ``#`` are ignored). CTP's own CSV reader never stores two-column
  rows, so every lookup against a CSV table fails there; ctpx makes CSV tables work (an
  intentional difference, docs/differences.md).

A lookup trims the key type and the key, joins them with ``/``, trims the value, and follows
indirections: a value that starts with ``@`` and contains ``/`` names another key (at most ten
steps, as in CTP).
"""
from __future__ import annotations

import csv
import io
import os

from .. import javaprops


class LookupFailure(Exception):
    """The message is CTP's (``missing key (k) in lookup table``, ``missing lookup table``...)."""


_TRIM = "".join(chr(i) for i in range(0x21))
def parse_properties(text: str) -> dict[str, str]:
    """``java.util.Properties.load`` semantics (the last definition of a key wins)."""
    return javaprops.load(text)


def parse_csv(text: str) -> dict[str, str]:
    props: dict[str, str] = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) < 2 or row[0].lstrip().startswith("#"):
            continue
        props[row[0].strip()] = row[1]
    return props


class LookupTable:
    """A loaded table (``entries`` is None when no table is configured or it cannot be read)."""

    def __init__(self, entries: dict[str, str] | None, path: str | None = None):
        self.entries = entries
        self.path = path

    @classmethod
    def load(cls, path: str | None) -> "LookupTable":
        if not path:
            return cls(None, None)
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return cls(None, path)
        if text.startswith("\ufeff"):
            text = text[1:]
        if os.path.basename(path).lower().endswith(".csv"):
            return cls(parse_csv(text), path)
        return cls(parse_properties(text), path)

    def lookup(self, key_type: str | None, key: str | None) -> str:
        table = self.entries
        if table is None:
            raise LookupFailure("missing lookup table")
        if not table:
            raise LookupFailure("empty lookup table")
        if key is None or key_type is None:
            raise LookupFailure("lookup key missing")
        k = key_type.strip(_TRIM) + "/" + key.strip(_TRIM)
        value = table.get(k)
        if value is None:
            raise LookupFailure(f"missing key ({k}) in lookup table")
        value = value.strip(_TRIM)
        left = 10
        while value.startswith("@") and "/" in value and left > 0:
            k = value[1:].strip(_TRIM)
            value = table.get(k)
            if value is None:
                raise LookupFailure(f"missing key ({k}) in lookup table")
            value = value.strip(_TRIM)
            left -= 1
        if left <= 0:
            raise LookupFailure("more than 10 indirects")
        return value
