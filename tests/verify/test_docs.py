"""Every verify code is documented, in docs/codes.md and in docs/verify.md."""
from __future__ import annotations

import os

from ctpx.verify import CODES, RECORD_FIELDS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as fh:
        return fh.read()


def test_codes_documented_under_their_heading():
    doc = _read("docs", "codes.md")
    section = doc[doc.index("## Verify (VF)"):]
    for c in CODES.values():
        assert f"### {c.code} `{c.name}` ({c.severity})" in section, c.code


def test_verify_doc_names_every_code_and_record_field():
    doc = _read("docs", "verify.md")
    for code in CODES:
        assert f"`{code}`" in doc or code in doc, code
    for field in RECORD_FIELDS:
        assert f"| `{field}` |" in doc, field
