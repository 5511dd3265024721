"""The check and generate subcommands: exit status, formats, usage errors."""
from __future__ import annotations

import csv
import io
import json

from ctpx.cli import main
from ctpx.script import load_text

CLEAN_OPTS = ["--option", "retain-uids"]


def test_generate_then_check_is_clean(tmp_path, capsys):
    assert main(["generate", *CLEAN_OPTS, "--uid-root", "1.2.3"]) == 0
    text = capsys.readouterr().out
    assert load_text(text).params["UIDROOT"] == "1.2.3"
    path = tmp_path / "profile.script"
    path.write_text(text, encoding="utf-8")
    assert main(["check", str(path), *CLEAN_OPTS, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "check" and report["summary"]["deviations"] == 0
    assert "retain-uids" in report["summary"]["options_satisfied"]


def test_check_reports_deviations_with_exit_1(tmp_path, capsys):
    path = tmp_path / "s.script"
    path.write_text('<script><e en="T" t="00100010" n="a">@keep()</e></script>',
                    encoding="utf-8")
    assert main(["check", str(path), "--format", "csv"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("code,severity,tag,keyword,required")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert any(r["code"] == "DI01" and r["tag"] == "(0010,0010)" and r["required"] == "Z"
               for r in rows)
    assert main(["check", str(path), "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert "## pseudonymisation" in md and "| DI12 |" in md


def test_usage_errors_exit_2(tmp_path, capsys):
    path = tmp_path / "s.script"
    path.write_text("<script></script>", encoding="utf-8")
    assert main(["check", str(path), "--option", "retain-long-full-dates",
                 "--option", "retain-long-modified-dates"]) == 2
    assert "USE01" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.script")]) == 2
    assert main(["generate", "--option", "retain-long-modified-dates"]) == 2
    assert main(["generate", "--uid-root", "not a root"]) == 2


def test_version_info(capsys):
    assert main(["check", "--version-info", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["edition"] == "2024c" and info["additions_edition"] == "2026c"
