"""``ctpx apply`` on the command line: arguments, exit statuses, printed summary, progress."""
from __future__ import annotations

import io
import json
import os

import pytest

from ctpx.cli import main
from ctpx.engine.runner_progress import Progress

from .helpers import dicom_bytes, make_tree, script_file, write


def test_exit_0_when_every_file_is_written(tmp_path, capsys):
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(0))
    rc = main(["apply", script_file(tmp_path), str(src), str(tmp_path / "out"), "-q",
               "--jobs", "1"])
    out = capsys.readouterr().out
    assert rc == 0 and "1 file(s): 1 ok" in out


def test_exit_1_with_json_summary_when_files_are_not_written(tmp_path, capsys):
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(0))
    write(src / "b.dcm", dicom_bytes(1, accession="QUARANTINE"))
    write(src / "c.txt", b"notes")
    rc = main(["apply", script_file(tmp_path), str(src), str(tmp_path / "out"), "-q",
               "--format", "json", "--param", "DATEINC=-5"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 1
    assert doc["kind"] == "apply" and doc["summary"]["quarantined"] == 1
    assert {r["input"] for r in doc["sections"]["not written"]} == {"b.dcm", "c.txt"}
    assert doc["meta"]["report"].endswith("out.ctpx-report.json")


@pytest.mark.parametrize("mapping", [False, True])
def test_identifiers_replaced_two_ways_are_noted_on_stderr(tmp_path, capsys, mapping):
    from .test_apply import SPLIT_SCRIPT
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(0, institution="A"))
    write(src / "b.dcm", dicom_bytes(0, instance=1, institution="B"))
    args = ["apply", script_file(tmp_path, SPLIT_SCRIPT), str(src), str(tmp_path / "out"), "-q"]
    if mapping:
        args += ["--mapping", str(tmp_path / "map")]
    assert main(args) == 0   # every file was written as the script says
    err = capsys.readouterr().err
    assert "OUT17 2 original identifier(s)" in err
    assert ("mapping_conflicts.csv lists them" if mapping else "--mapping DIR lists them") in err


def test_exit_2_with_a_code_on_fatal_problems(tmp_path, capsys):
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(0))
    script = script_file(tmp_path)
    assert main(["apply", script, str(src), str(src / "out")]) == 2
    assert "OUT01" in capsys.readouterr().err
    assert main(["apply", script, str(tmp_path / "missing"), str(tmp_path / "out")]) == 2
    assert "OUT07" in capsys.readouterr().err
    assert main(["apply", script, str(src), str(tmp_path / "o"), "--resume",
                 "--overwrite"]) == 2
    assert main(["apply", script, str(src), str(tmp_path / "o"), "--param", "NOEQUALS"]) == 2
    assert main(["apply", script, str(src), str(tmp_path / "o"), "--jobs", "0"]) == 2


def test_quarantine_and_mapping_options(tmp_path):
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(0))
    write(src / "b.dcm", dicom_bytes(1, accession="QUARANTINE"))
    rc = main(["apply", script_file(tmp_path), str(src), str(tmp_path / "out"), "-q",
               "--quarantine", str(tmp_path / "q"), "--mapping", str(tmp_path / "m"),
               "--report", str(tmp_path / "run.json"), "--state", str(tmp_path / "st"),
               "--layout", "mirror", "--jobs", "2"])
    assert rc == 1
    assert os.listdir(tmp_path / "q") == ["b.dcm"]
    assert sorted(os.listdir(tmp_path / "m")) == ["mapping_conflicts.csv", "patid_mapping.csv",
                                                   "uid_mapping.csv"]
    assert os.listdir(tmp_path / "out") == ["a.dcm"]
    assert json.loads((tmp_path / "run.json").read_text())["layout"] == "mirror"
    assert os.path.isfile(tmp_path / "st" / "journal.sqlite")


def test_plain_progress_lines_when_not_a_terminal():
    buf = io.StringIO()
    p = Progress(10, stream=buf, interval=0.0)
    for status in ("ok", "ok", "quarantined"):
        p.update(status)
    p.close()
    lines = buf.getvalue().splitlines()
    assert len(lines) == 3 and "\r" not in buf.getvalue()
    assert lines[-1].startswith("ctpx apply: 3/10 files (ok 2, skipped 0, quarantined 1)")
    assert "files/s" in lines[-1] and "ETA" in lines[-1]


def test_quiet_progress_says_nothing():
    buf = io.StringIO()
    p = Progress(10, stream=buf, interval=0.0, quiet=True)
    p.update("ok")
    p.note("hello")
    p.close()
    assert buf.getvalue() == ""


def test_progress_bar_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    buf = Tty()
    p = Progress(4, stream=buf)
    for _ in range(4):
        p.update("ok")
    p.close()
    assert "4/4" in buf.getvalue() and "file/s" in buf.getvalue()


@pytest.mark.parametrize("quiet", [True, False])
def test_files_are_counted_for_the_progress_only_when_it_shows(tmp_path, monkeypatch, quiet):
    from ctpx.engine import runner
    started = []
    real = runner._Counter

    def counter(*a, **kw):
        started.append(a)
        return real(*a, **kw)
    monkeypatch.setattr(runner, "_Counter", counter)
    src = tmp_path / "in"
    make_tree(src, patients=1, series=1, instances=2)
    runner.apply_tree(script_file(tmp_path), src, tmp_path / "out", jobs=1, quiet=quiet,
                      progress_stream=io.StringIO())
    assert len(started) == (0 if quiet else 1)
