"""Golden tests: canonical printing and lint findings of real scripts kept in tests/golden."""
from __future__ import annotations

import os

import pytest

from ctpx.script import load_script, load_text
from ctpx.script.lint import lint_script
from ctpx.script.printer import to_properties, to_xml

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(os.path.dirname(HERE), "golden")
SCRIPTS = sorted(f for f in os.listdir(os.path.join(GOLDEN, "scripts")) if f != "README.md")
UPDATE = os.environ.get("CTPX_UPDATE_GOLDEN") == "1"


def _check(name: str, actual: str) -> None:
    path = os.path.join(GOLDEN, "expected", name)
    if UPDATE or not os.path.exists(path):
        if not UPDATE:
            pytest.fail(f"missing golden file {name}; run with CTPX_UPDATE_GOLDEN=1 to create it")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(actual)
        return
    with open(path, encoding="utf-8", newline="") as f:
        assert actual == f.read(), f"{name} differs from the golden file"


@pytest.mark.parametrize("name", SCRIPTS)
def test_golden(name):
    rel = os.path.join("scripts", name)
    script = load_script(os.path.join(GOLDEN, rel))
    xml = to_xml(script)
    _check(name + ".ctp.xml", xml)
    assert load_text(xml) == script
    assert load_text(to_properties(script)) == script or script.opaque
    findings = lint_script(script)
    lines = [f"{f.span.line}:{f.span.col}: {f.code} {f.severity}: {f.message}" for f in findings]
    _check(name + ".lint.txt", "\n".join(lines) + "\n")
