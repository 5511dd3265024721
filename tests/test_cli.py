"""The command line: exit codes, output formats, coded errors without tracebacks."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ctpx.cli import main

GOOD = '<script>\n <p t="X">1</p>\n <e en="T" t="00100010" n="PatientName">@hash(this)</e>\n</script>\n'
WARN = '<script>\n <e en="T" t="00100010" n="PatientName">@hash(this,@LEN)</e>\n</script>\n'


@pytest.fixture
def script(tmp_path):
    def make(text, name="s.script"):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return str(p)
    return make


def test_parse_formats(script, capsys):
    p = script(GOOD)
    assert main(["parse", p]) == 0
    assert "@hash(element:this)" in capsys.readouterr().out
    assert main(["parse", p, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "ctpx-ir/1"
    assert data["items"][1]["tag"]["keyword"] == "PatientName"
    assert data["items"][1]["expr"][0]["name"] == "hash"
    assert main(["parse", p, "--format", "ctp"]) == 0
    assert '<e en="T" t="00100010" n="PatientName">@hash(this)</e>' in capsys.readouterr().out
    assert main(["parse", p, "--format", "properties"]) == 0
    assert "set.[0010,0010]PatientName=@hash(this)" in capsys.readouterr().out


def test_parse_error_is_coded_with_caret_and_exit_2(script, capsys):
    p = script('<script>\n <e en="T" t="00100010">x\n</script>\n')
    assert main(["parse", p]) == 2
    err = capsys.readouterr().err
    assert f"{p}:3:" in err and "XML01" in err and "^" in err
    assert "Traceback" not in err


def test_missing_file(capsys):
    assert main(["parse", "/nonexistent/x.script"]) == 2
    assert "IO01" in capsys.readouterr().err


def test_lint_exit_codes_and_formats(script, capsys):
    assert main(["lint", script(GOOD)]) == 0
    capsys.readouterr()
    bad = script(WARN, "w.script")
    assert main(["lint", bad]) == 1
    assert "SC01" in capsys.readouterr().out
    assert main(["lint", bad, "--fail-on", "error"]) == 0
    capsys.readouterr()
    for fmt in ("json", "csv", "markdown", "html"):
        assert main(["lint", bad, "--format", fmt]) == 1
        out = capsys.readouterr().out
        assert "SC01" in out
    assert main(["lint", bad, "--format", "json"]) == 1
    rec = json.loads(capsys.readouterr().out)["sections"]["findings"][0]
    assert rec["code"] == "SC01" and rec["line"] == 2 and rec["file"] == bad


def test_lint_unknown_code_is_usage_error(script, capsys):
    assert main(["lint", script(GOOD), "--select", "XX99"]) == 2
    assert "USE01" in capsys.readouterr().err


def test_lint_unreadable_script_exit_2(script, capsys):
    assert main(["lint", script(GOOD), "/nonexistent.script"]) == 2


def test_usage_errors_exit_2(capsys):
    assert main(["parse"]) == 2
    assert main(["nosuchcommand"]) == 2
    assert main([]) == 2
    capsys.readouterr()


def test_python_dash_m(script):
    r = subprocess.run([sys.executable, "-m", "ctpx", "parse", script(GOOD), "-f", "ctp"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "<script>" in r.stdout


def test_debug_shows_traceback_for_errors(script, capsys):
    p = script("<script>")
    assert main(["--debug", "parse", p]) == 2
    assert "Traceback" in capsys.readouterr().err
