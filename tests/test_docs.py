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


def test_every_registered_code_is_documented():
    from ctpx.check import RULES as DI
    from ctpx.engine.outcomes import CODES as RUN
    from ctpx.verify import CODES as VF
    doc = _codes_doc()
    for code in list(DI) + list(RUN) + list(VF):
        assert f"`{code}`" in doc or f"### {code} " in doc, f"{code} is missing from docs/codes.md"


def test_every_code_raised_in_the_source_is_documented():
    import re
    doc = _codes_doc()
    used = set()
    for folder, _, files in os.walk(os.path.join(ROOT, "ctpx")):
        for f in files:
            if f.endswith(".py"):
                with open(os.path.join(folder, f), encoding="utf-8") as fh:
                    used |= set(re.findall(r"\b((?:IO|XML|PRS|USE|NS|OUT|SC|RUN|DI|VF)\d\d)\b",
                                           fh.read()))
    missing = sorted(c for c in used if f"`{c}`" not in doc and f"### {c} " not in doc)
    assert not missing, f"codes used in ctpx/ but not documented: {missing}"


def test_readme_has_the_two_quick_start_commands():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    assert "pip install . && ctpx demo" in readme
    assert "pip install -e '.[test]' && python -m pytest" in readme
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as f:
        ci = f.read()
    assert "pip install -q -e '.[test]'" in ci and "python -m pytest" in ci
