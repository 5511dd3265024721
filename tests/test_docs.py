"""Every code ctpx can report has an entry in docs/codes.md."""
from __future__ import annotations

import os

from ctpx.script.lint import RULES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _codes_doc() -> str:
    with open(os.path.join(ROOT, "docs", "codes.md"), encoding="utf-8") as f:
        return f.read()


def test_lint_codes_documented():
    doc = _codes_doc()
    for r in RULES.values():
        assert f"### {r.code} `{r.name}`" in doc, f"{r.code} is missing from docs/codes.md"


def test_readme_has_the_two_quick_start_commands():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    assert "pip install . && ctpx demo" in readme
    assert "pip install -e '.[test]' && python -m pytest" in readme
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as f:
        ci = f.read()
    assert "pip install -q -e '.[test]'" in ci and "python -m pytest" in ci
