"""Every per-file outcome and warning code is registered once and documented in docs/engine.md."""
from __future__ import annotations

import os
import re

from ctpx.engine import outcomes

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_codes_are_unique_and_summarised():
    assert len(outcomes.CODES) == len(outcomes.table())
    for c in outcomes.table():
        assert re.fullmatch(r"RUN\d\d", c["code"]) and c["kind"] in ("skip", "quarantine", "warning")
        assert c["summary"]


def test_every_code_has_a_row_in_the_engine_docs():
    with open(os.path.join(ROOT, "docs", "engine.md"), encoding="utf-8") as f:
        doc = f.read()
    for code in outcomes.CODES:
        assert re.search(rf"^\| `?{code}`? \|", doc, re.M), code


def test_codes_the_engine_uses_are_registered():
    src = os.path.join(ROOT, "ctpx", "engine")
    used = set()
    for name in os.listdir(src):
        if name.endswith(".py") and not name.startswith("runner"):
            with open(os.path.join(src, name), encoding="utf-8") as f:
                used |= set(re.findall(r'"(RUN\d\d)"', f.read()))
    assert used <= set(outcomes.CODES)
