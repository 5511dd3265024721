"""`ctpx demo` runs end to end on a fresh folder and tells the expected story."""
from __future__ import annotations

import json
import os

from ctpx.cli import main


def test_demo_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", str(out)]) == 0
    captured = capsys.readouterr()
    for name in ("basic.script", "tcia-like.script", "site-example.script", "check-basic.md",
                 "diff.md", "verify-basic.md", "verify-site.md", "planted-identifiers.json",
                 "output-ctp.report.json"):
        assert (out / name).is_file(), name
    dcm = [f for _, _, fs in os.walk(out / "output-ctp") for f in fs if f.endswith(".dcm")]
    assert len(dcm) == len(json.loads((out / "planted-identifiers.json").read_text())["files"])
    # the generated Basic script meets the profile and leaves nothing behind ...
    assert "0 deviation(s)" in (out / "check-basic.md").read_text()
    assert "clean: no residual identifiers found" in (out / "verify-basic.md").read_text()
    # ... while the hand-written site script leaks identifiers that verify finds
    assert "VF01" in (out / "verify-site.md").read_text()
    assert "=== 13. verify" in captured.err


def test_demo_refuses_a_non_empty_folder(tmp_path, capsys):
    (tmp_path / "x").write_text("keep me")
    assert main(["demo", str(tmp_path)]) == 2
    assert "USE02" in capsys.readouterr().err
    assert (tmp_path / "x").read_text() == "keep me"
