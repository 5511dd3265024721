"""The folder runner on real trees, with the real engine and real scripts."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat

import pydicom
import pytest

from ctpx.engine.runner import MASK, apply_tree
from ctpx.errors import CtpxError

from .helpers import (SCRIPT, dicom_bytes, make_tree, script_file, tree_digest, tree_stat,
                      uid, write)


@pytest.fixture
def script(tmp_path):
    return script_file(tmp_path)


def run(script, src, out, **kw):
    kw.setdefault("quiet", True)
    kw.setdefault("jobs", 1)
    return apply_tree(script, src, out, **kw)


# ---------------------------------------------------------------------------------------------
# Output layout

def test_hierarchy_names_come_from_deidentified_values(tmp_path, script):
    src = tmp_path / "in"
    make_tree(src, patients=2, series=2, instances=2)
    out = tmp_path / "out"
    rep = run(script, src, out)
    assert rep.exit_status == 0 and rep.summary["ok"] == 8
    names = sorted(tree_digest(out))
    assert len(names) == 8
    for rel in names:
        parts = rel.split("/")
        assert len(parts) == 4 and parts[-1].endswith(".dcm")
        ds = pydicom.dcmread(out / rel)
        assert parts == [ds.PatientID, ds.StudyInstanceUID, ds.SeriesInstanceUID,
                         ds.SOPInstanceUID + ".dcm"]
        assert ds.PatientID in ("0001", "0002")
    # the source folder names hold names and MRNs; none of that reaches OUT
    joined = "\n".join(names)
    assert "DOE" not in joined and "MRN" not in joined and "JANE" not in joined
    assert {f["output"] for f in rep.files} == set(names)


def test_mirror_keeps_relative_paths(tmp_path, script):
    src = tmp_path / "in"
    inputs = make_tree(src, patients=1, series=1, instances=3)
    out = tmp_path / "out"
    rep = run(script, src, out, layout="mirror")
    assert rep.exit_status == 0
    assert sorted(tree_digest(out)) == sorted(os.path.relpath(p, src) for p in inputs)


def test_hostile_identifiers_make_safe_path_components(tmp_path, script):
    # PatientID is kept by this script, so whatever it holds becomes a folder name.
    keep_pid = SCRIPT.replace("@integer(this,pid,4)", "@keep()")
    script = script_file(tmp_path, keep_pid, "keep.script")
    src = tmp_path / "in"
    hostile = ["../../etc", "..", "CON", "a/b\\c", "tab\there", "", "nul.txt", ".hidden"]
    for i, pid in enumerate(hostile):
        write(src / f"f{i}.dcm", dicom_bytes(i, patient_id=pid))
    out = tmp_path / "out"
    rep = run(script, src, out)
    assert rep.summary["ok"] == len(hostile)
    tops = sorted(os.listdir(out))
    for name in tops:
        assert name not in (".", "..") and "/" not in name and "\\" not in name
        assert not any(ord(c) < 32 for c in name)
        assert name.split(".")[0].upper() not in ("CON", "NUL")
        assert not name.startswith(".")
    assert "NO_PATIENT_ID" in tops          # the empty PatientID
    # nothing escaped OUT
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["in", "out", "keep.script", "test.script", "out.ctpx-report.json", "out.ctpx-state"])


def test_collisions_get_deterministic_suffixes(tmp_path, script):
    src = tmp_path / "in"
    data = dicom_bytes(1)
    # the same instance exported twice, plus a third copy: one SOP Instance UID, three files
    for rel in ("b/copy.dcm", "a/orig.dcm", "c/again.dcm"):
        write(src / rel, data)
    out = tmp_path / "out"
    rep = run(script, src, out, jobs=2)
    by_input = {f["input"]: f["output"] for f in rep.files}
    base = by_input["a/orig.dcm"]
    assert base.endswith(".dcm") and "_" not in base.rsplit("/", 1)[1]
    assert by_input["b/copy.dcm"] == base[:-4] + "_2.dcm"
    assert by_input["c/again.dcm"] == base[:-4] + "_3.dcm"
    assert len(set(tree_digest(out).values())) == 1


# ---------------------------------------------------------------------------------------------
# Inputs are never modified

def test_inputs_untouched_even_when_read_only(tmp_path, script):
    src = tmp_path / "in"
    make_tree(src, patients=2, series=1, instances=2)
    write(src / "notes.txt", b"not dicom")
    for folder, dirs, files in os.walk(src):
        for f in files:
            os.chmod(os.path.join(folder, f), 0o444)
    os.chmod(src, 0o555)
    before = tree_stat(src)
    try:
        rep = run(script, src, tmp_path / "out", quarantine=str(tmp_path / "q"))
        assert rep.summary["ok"] == 4
        assert tree_stat(src) == before
    finally:
        os.chmod(src, 0o755)


# ---------------------------------------------------------------------------------------------
# Bad files in the middle of a batch

def test_corrupt_empty_and_non_dicom_files_mid_batch(tmp_path, script):
    src = tmp_path / "in"
    good = dicom_bytes(1, instance=0)
    write(src / "s/01.dcm", good)
    write(src / "s/02.dcm", b"")                                  # empty, named .dcm
    write(src / "s/03.dcm", dicom_bytes(1, instance=3)[:400])     # truncated DICOM
    write(src / "s/04.txt", b"hello, I am a README\n")            # not DICOM at all
    write(src / "s/05", dicom_bytes(1, instance=5, preamble=False))   # no preamble, no name
    write(src / "s/06.dcm", dicom_bytes(1, instance=6, accession="QUARANTINE"))
    write(src / "s/07.dcm", dicom_bytes(1, instance=7, institution="SKIPME"))
    write(src / "s/08.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 300)    # a thumbnail
    write(src / "s/09.dcm", dicom_bytes(1, instance=9, implicit=True))
    os.symlink("/etc/hostname", src / "s/10-link")
    out, q = tmp_path / "out", tmp_path / "q"
    rep = run(script, src, out, quarantine=str(q), jobs=2)
    assert rep.exit_status == 1
    got = {f["input"]: (f["status"], f["code"]) for f in rep.files}
    assert got == {
        "s/01.dcm": ("ok", None),
        "s/02.dcm": ("quarantined", "RUN10"),
        "s/03.dcm": ("quarantined", "RUN11"),
        "s/04.txt": ("skipped", "OUT10"),
        "s/05": ("ok", None),
        "s/06.dcm": ("quarantined", "RUN02"),
        "s/07.dcm": ("skipped", "RUN01"),
        "s/08.jpg": ("skipped", "OUT10"),
        "s/09.dcm": ("ok", None),
        "s/10-link": ("skipped", "OUT12"),
    }
    for f in rep.files:
        assert f["message"] or f["status"] == "ok"
    assert len(tree_digest(out)) == 3
    # quarantined originals are copied for review, byte for byte; nothing else is
    assert sorted(tree_digest(q)) == ["s/02.dcm", "s/03.dcm", "s/06.dcm"]
    assert (q / "s/06.dcm").read_bytes() == (src / "s/06.dcm").read_bytes()
    s = rep.summary
    assert (s["ok"], s["skipped"], s["quarantined"], s["not_dicom"]) == (3, 4, 3, 2)
    assert s["by_code"]["RUN02"] == 1 and s["by_code"]["OUT10"] == 2


def test_dicomdir_is_reported_not_written(tmp_path, script):
    from pydicom.data import get_testdata_file
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(get_testdata_file("DICOMDIR"), src / "DICOMDIR")
    write(src / "img.dcm", dicom_bytes(0))
    rep = run(script, src, tmp_path / "out")
    got = {f["input"]: f["code"] for f in rep.files}
    assert got == {"DICOMDIR": "OUT11", "img.dcm": None}


def test_pydicom_test_files_tree(tmp_path, script):
    """A real export layout (no extensions, DICOMDIRs, READMEs) from pydicom's test data."""
    from pydicom.data import get_testdata_file
    tree = os.path.dirname(get_testdata_file("DICOMDIR"))
    src = tmp_path / "in"
    shutil.copytree(tree, src)
    rep = run(script, src, tmp_path / "out", jobs=2)
    files = rep.files
    assert rep.summary["files"] == sum(len(f) for _, _, f in os.walk(src))
    assert all(f["status"] == "ok" for f in files if "IM0" in f["input"])
    assert rep.summary["ok"] >= 60


# ---------------------------------------------------------------------------------------------
# Places that must stay apart

@pytest.mark.parametrize("case", ["out_in_in", "out_is_in", "in_in_out", "q_in_out",
                                  "mapping_in_out", "report_in_out", "state_in_out",
                                  "q_in_in"])
def test_refused_layouts(tmp_path, script, case):
    src = tmp_path / "in"
    make_tree(src, patients=1, series=1, instances=1)
    out = tmp_path / "out"
    kw = {}
    if case == "out_in_in":
        out = src / "deid"
    elif case == "out_is_in":
        out = src
    elif case == "in_in_out":
        out = tmp_path
    elif case == "q_in_out":
        kw["quarantine"] = str(out / "q")
    elif case == "mapping_in_out":
        kw["mapping"] = str(out / "m")
    elif case == "report_in_out":
        kw["report"] = str(out / "r.json")
    elif case == "state_in_out":
        kw["state"] = str(out / "state")
    elif case == "q_in_in":
        kw["quarantine"] = str(src / "q")
    with pytest.raises(CtpxError) as e:
        run(script, src, out, **kw)
    assert e.value.code.startswith("OUT0")
    assert not (out / "x").exists()


def test_non_empty_out_needs_resume_or_overwrite(tmp_path, script):
    src = tmp_path / "in"
    make_tree(src, patients=1, series=1, instances=2)
    out = tmp_path / "out"
    write(out / "stranger.txt", b"x")
    with pytest.raises(CtpxError) as e:
        run(script, src, out)
    assert e.value.code == "OUT02"
    with pytest.raises(CtpxError) as e:
        run(script, src, out, resume=True)     # nothing to resume from
    assert e.value.code == "OUT05"
    with pytest.raises(CtpxError):
        run(script, src, out, resume=True, overwrite=True)
    rep = run(script, src, out, overwrite=True)
    assert rep.summary["ok"] == 2 and (out / "stranger.txt").exists()


def test_report_and_state_live_beside_out(tmp_path, script):
    src = tmp_path / "in"
    make_tree(src, patients=1, series=1, instances=2)
    out = tmp_path / "out"
    rep = run(script, src, out, mapping=str(tmp_path / "map"))
    assert rep.report_path == str(tmp_path / "out.ctpx-report.json")
    assert (tmp_path / "out.ctpx-state").is_dir()
    # OUT holds de-identified DICOM files and nothing else
    assert all(p.endswith(".dcm") for p in tree_digest(out))
    assert not any(n.startswith(".") for n in os.listdir(out))


# ---------------------------------------------------------------------------------------------
# Run report and mapping

def test_run_report_format_and_masked_secrets(tmp_path, script):
    src = tmp_path / "in"
    make_tree(src, patients=1, series=1, instances=2)
    write(src / "zz.txt", b"text")
    rep = run(script, src, tmp_path / "out", params={"API_TOKEN": "abc", "DATEINC": "-7"})
    with open(rep.report_path, encoding="utf-8") as f:
        doc = json.load(f)
    assert doc["format"] == "ctpx-apply-report/1"
    assert doc["script"]["sha256"] and len(doc["script"]["sha256"]) == 64
    assert doc["ctpx_version"]
    params = doc["parameters"]
    assert params["ENCKEY"] == MASK            # the @encrypt key
    assert params["SITE_PASSWORD"] == MASK     # a key-like name
    assert params["API_TOKEN"] == MASK         # given on the command line
    assert params["DATEINC"] == "-7" and params["UIDROOT"].startswith("1.2.826")
    text = open(rep.report_path, encoding="utf-8").read()
    assert "hunter2" not in text and "p4ss" not in text
    for rec in doc["files"]:
        assert set(rec) >= {"input", "output", "status", "code", "message", "warnings",
                            "elapsed"}
        assert rec["status"] in ("ok", "skipped", "quarantined")
    s = doc["summary"]
    assert (s["files"], s["ok"], s["skipped"]) == (3, 2, 1)
    assert s["exit_status"] == 1 and "files_per_s" in s and "mb_per_s" in s


def test_mapping_files(tmp_path, script):
    src = tmp_path / "in"
    make_tree(src, patients=2, series=1, instances=2)
    out, m = tmp_path / "out", tmp_path / "map"
    run(script, src, out, mapping=str(m))
    with open(m / "uid_mapping.csv", newline="") as f:
        uids = list(csv.reader(f))
    with open(m / "patid_mapping.csv", newline="") as f:
        pids = list(csv.reader(f))
    assert uids[0] == ["id_old", "id_new"] and pids[0] == ["id_old", "id_new"]
    assert sorted(pids[1:]) == [["MRN1000", "0001"], ["MRN1001", "0002"]]
    mapping = dict(uids[1:])
    held = {}
    for rel in tree_digest(out):
        ds = pydicom.dcmread(out / rel)
        held[ds.SOPInstanceUID] = ds
    assert set(held) <= set(mapping.values())
    # the original UIDs map to what the files now hold
    first = held[mapping[uid(5, 0, 0, 0, 0)]]
    assert first.StudyInstanceUID == mapping[uid(1, 0, 0)]
    assert first.SeriesInstanceUID == mapping[uid(2, 0, 0, 0)]


#: Replaces the study UID and the PatientID differently by institution, so one patient's files
#: from two institutions disagree.
SPLIT_SCRIPT = """<script>
 <e en="T" t="0020000d" n="StudyInstanceUID">@if(InstitutionName,equals,A){@hashuid(1.8.,this)}{@hashuid(1.9.,this)}</e>
 <e en="T" t="00100020" n="PatientID">@if(InstitutionName,equals,A){PA}{PB}</e>
</script>
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_identifiers_replaced_two_ways_are_reported_as_conflicts(tmp_path, jobs):
    src = tmp_path / "in"
    write(src / "a/1.dcm", dicom_bytes(0, 0, 0, 0, institution="A"))
    write(src / "b/1.dcm", dicom_bytes(0, 0, 0, 1, institution="B"))
    write(src / "c/1.dcm", dicom_bytes(1, 0, 0, 0, institution="A"))
    m = tmp_path / "map"
    rep = run(script_file(tmp_path, SPLIT_SCRIPT), src, tmp_path / "out", jobs=jobs,
              mapping=str(m))
    assert rep.exit_status == 0 and rep.summary["mapping_conflicts"] == 2
    with open(m / "mapping_conflicts.csv", newline="") as f:
        rows = list(csv.reader(f))
    with open(m / "uid_mapping.csv", newline="") as f:
        kept = dict(list(csv.reader(f))[1:])
    assert rows[0] == ["kind", "id_old", "id_new_kept", "id_new_other", "input"]
    study = uid(1, 0, 0)
    assert rows[1:] == [["patient", "MRN1000", "PA", "PB", "b/1.dcm"],
                        ["uid", study, kept[study], rows[2][3], "b/1.dcm"]]
    assert kept[study].startswith("1.8.") and rows[2][3].startswith("1.9.")
    with open(rep.report_path, encoding="utf-8") as f:
        assert json.load(f)["summary"]["mapping_conflicts"] == 2


def test_a_run_without_conflicts_writes_an_empty_conflict_list(tmp_path, script):
    src = tmp_path / "in"
    make_tree(src, patients=2, series=1, instances=2)
    m = tmp_path / "map"
    rep = run(script, src, tmp_path / "out", mapping=str(m))
    assert rep.summary["mapping_conflicts"] == 0
    with open(m / "mapping_conflicts.csv", newline="") as f:
        assert list(csv.reader(f)) == [["kind", "id_old", "id_new_kept", "id_new_other",
                                        "input"]]


# ---------------------------------------------------------------------------------------------
# Determinism and @integer numbering

def test_same_inputs_give_byte_identical_trees_whatever_the_jobs(tmp_path, script):
    src = tmp_path / "in"
    make_tree(src, patients=6, series=2, instances=3)
    a = run(script, src, tmp_path / "a", jobs=1)
    b = run(script, src, tmp_path / "b", jobs=3)
    c = run(script, src, tmp_path / "c", jobs=2)
    ta, tb, tc = (tree_digest(tmp_path / x) for x in "abc")
    assert ta == tb == tc and len(ta) == 36
    assert [f["output"] for f in a.files] == [f["output"] for f in b.files]


def test_integer_numbers_follow_input_order_with_several_workers(tmp_path, script):
    src = tmp_path / "in"
    # patients in reverse name order of their MRNs, to show the order is the walk's, not the IDs'
    for p in range(8):
        write(src / f"p{p}/im.dcm", dicom_bytes(p, patient_id=f"MRN{900 - p}"))
    rep = run(script, src, tmp_path / "out", jobs=2, mapping=str(tmp_path / "m"))
    got = [f["output"].split("/")[0] for f in rep.files]
    assert got == [f"{i:04d}" for i in range(1, 9)]


def test_rerun_into_same_out_reuses_integer_state(tmp_path, script):
    src = tmp_path / "in"
    make_tree(src, patients=3, series=1, instances=1)
    out = tmp_path / "out"
    run(script, src, out)
    first = tree_digest(out)
    # new patients arrive first in walk order: the old ones keep their numbers
    write(src / "AAA/new.dcm", dicom_bytes(7))
    rep = run(script, src, out, overwrite=True)
    assert {f["input"]: f["output"].split("/")[0] for f in rep.files}["AAA/new.dcm"] == "0004"
    assert set(first.items()) <= set(tree_digest(out).items())


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_integer_store_only_for_scripts_that_call_integer(tmp_path, script, jobs):
    src = tmp_path / "in"
    make_tree(src, patients=2, series=1, instances=1)
    run(script, src, tmp_path / "a", jobs=jobs)
    assert (tmp_path / "a.ctpx-state" / "integers.sqlite").is_file()
    other = script_file(tmp_path, SCRIPT.replace("@integer(this,pid,4)", "@hash(this,8)"),
                        "other.script")
    rep = run(other, src, tmp_path / "b", jobs=jobs)
    assert rep.summary["ok"] == 2
    assert not (tmp_path / "b.ctpx-state" / "integers.sqlite").exists()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_leaves_the_callers_garbage_collector_as_it_was(tmp_path, script, jobs):
    import gc
    src = tmp_path / "in"
    make_tree(src, patients=2, series=1, instances=2)
    before = gc.get_freeze_count()
    run(script, src, tmp_path / "out", jobs=jobs)
    assert gc.get_freeze_count() == before   # objects frozen for the run only


# ---------------------------------------------------------------------------------------------
# Single file

def test_single_file(tmp_path, script):
    src = write(tmp_path / "one.dcm", dicom_bytes(2))
    out = tmp_path / "deid" / "anon.dcm"
    rep = run(script, src, out)
    assert rep.exit_status == 0 and out.is_file()
    assert pydicom.dcmread(out).PatientID == "0001"
    assert rep.files[0]["input"] == "one.dcm" and rep.files[0]["output"] == "anon.dcm"
    assert sorted(os.listdir(out.parent)) == ["anon.dcm", "anon.dcm.ctpx-report.json",
                                             "anon.dcm.ctpx-state"]
    with pytest.raises(CtpxError) as e:
        run(script, src, out)
    assert e.value.code == "OUT02"
    assert run(script, src, out, overwrite=True).exit_status == 0
    with pytest.raises(CtpxError):
        run(script, src, src, overwrite=True)


def test_lookup_failure_is_quarantined_and_script_errors_stop_the_run(tmp_path):
    text = SCRIPT.replace("@integer(this,pid,4)", "@lookup(this,ptid)")
    script = script_file(tmp_path, text, "lookup.script")
    lookup = tmp_path / "ids.properties"
    lookup.write_text("ptid/MRN1000 = P-ONE\n")
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(0))
    write(src / "b.dcm", dicom_bytes(1))
    rep = run(script, src, tmp_path / "out", lookup=str(lookup))
    got = {f["input"]: (f["status"], f["code"]) for f in rep.files}
    assert got == {"a.dcm": ("ok", None), "b.dcm": ("quarantined", "RUN03")}
    assert rep.meta["lookup"]["sha256"]


def test_unreadable_script_is_fatal(tmp_path):
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(0))
    with pytest.raises(CtpxError):
        run(str(tmp_path / "missing.script"), src, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_second_run_on_same_state_is_refused(tmp_path, script):
    from ctpx.engine.runner import _Lock
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(0))
    state = tmp_path / "out.ctpx-state"
    state.mkdir()
    lock = _Lock(str(state))
    lock.acquire()
    try:
        with pytest.raises(CtpxError) as e:
            run(script, src, tmp_path / "out")
        assert e.value.code == "OUT06"
    finally:
        lock.release()


def test_second_run_into_the_same_out_is_refused_whatever_its_state(tmp_path, script):
    from ctpx.engine.runner import _Lock
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(0))
    out = tmp_path / "out"
    out.mkdir()
    lock = _Lock(str(out), out=True)   # as a run in progress into OUT holds it
    lock.acquire()
    try:
        with pytest.raises(CtpxError) as e:
            run(script, src, out, state=str(tmp_path / "other-state"))
        assert e.value.code == "OUT06" and str(out) in e.value.message
        assert os.listdir(out) == []   # nothing touched
    finally:
        lock.release()
    rep = run(script, src, out, state=str(tmp_path / "other-state"))   # free again
    assert rep.summary["ok"] == 1


def test_warnings_are_reported(tmp_path):
    # a date rule on a non-date: CTP keeps the original value and ctpx warns (RUN20/RUN21)
    text = SCRIPT.replace("@incrementdate(this,@DATEINC)", "not a date")
    script = script_file(tmp_path, text, "warn.script")
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(0))
    rep = run(script, src, tmp_path / "out")
    assert rep.summary["ok"] == 1 and rep.exit_status == 0
    warns = rep.files[0]["warnings"]
    assert warns and all({"code", "message", "tag"} <= set(w) for w in warns)
    assert rep.summary["files_with_warnings"] == 1


def test_fifo_is_reported_not_opened(tmp_path, script):
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(0))
    os.mkfifo(src / "pipe")
    rep = run(script, src, tmp_path / "out")
    got = {f["input"]: f["code"] for f in rep.files}
    assert got == {"a.dcm": None, "pipe": "OUT13"}
    assert stat.S_ISFIFO(os.lstat(src / "pipe").st_mode)


def test_safe_mode_is_passed_to_the_engine(tmp_path, script):
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(0))
    rep = run(script, src, tmp_path / "out", mode="safe")
    assert rep.meta["mode"] == "safe" and rep.summary["files"] == 1
    with pytest.raises(CtpxError):
        run(script, src, tmp_path / "out2", mode="paranoid")


def test_report_streams_every_file(tmp_path, script):
    src = tmp_path / "in"
    make_tree(src, patients=2, series=2, instances=5)
    rep = run(script, src, tmp_path / "out", jobs=2)
    with open(rep.report_path, encoding="utf-8") as f:
        doc = json.load(io.StringIO(f.read()))
    assert len(doc["files"]) == 20 == doc["summary"]["files"]
    assert [r["input"] for r in doc["files"]] == sorted(r["input"] for r in doc["files"])


def test_file_names_that_are_not_utf8(tmp_path, script):
    src = tmp_path / "in"
    src.mkdir()
    with open(os.path.join(os.fsencode(src), b"caf\xe9.dcm"), "wb") as f:
        f.write(dicom_bytes(1))
    with open(os.path.join(os.fsencode(src), b"q\xff.dcm"), "wb") as f:
        f.write(dicom_bytes(2, accession="QUARANTINE"))
    rep = run(script, src, tmp_path / "out", layout="mirror", quarantine=str(tmp_path / "q"))
    with open(rep.report_path, encoding="utf-8") as f:
        doc = json.load(f)
    assert [r["input"] for r in doc["files"]] == ["caf\\xe9.dcm", "q\\xff.dcm"]
    assert rep.files == doc["files"]
    assert os.listdir(tmp_path / "out") == ["caf_xe9.dcm"]
    assert os.listdir(tmp_path / "q") == ["q_xff.dcm"]


# ---------------------------------------------------------------------------------------------
# Large pixel data is copied from the input by the kernel

def test_large_pixel_data_is_written_exactly_as_the_engine_says(tmp_path, script):
    from ctpx.engine import anonymize_file, compile_script
    from ctpx.script import load_script

    src = tmp_path / "in"
    data = dicom_bytes(1, pixels=256 * 512)       # 256 KiB of pixel data: a kernel-copied range
    write(src / "ct.dcm", data)
    out = tmp_path / "out"
    for jobs in (1, 2):
        o = tmp_path / f"out{jobs}"
        run(script, src, o, jobs=jobs)
        (written,) = [os.path.join(d, f) for d, _, fs in os.walk(o) for f in fs
                      if f.endswith(".dcm")]
        expected = anonymize_file(data, compile_script(load_script(script),
                                                       integers=None)).data
        with open(written, "rb") as f:
            got = f.read()
        assert pydicom.dcmread(io.BytesIO(got)).PixelData == \
            pydicom.dcmread(io.BytesIO(data)).PixelData
        assert len(got) == len(expected) and got[-(256 * 512):] == expected[-(256 * 512):]
    assert not out.exists()


def test_an_input_that_changes_while_processed_is_not_written(tmp_path, script, monkeypatch):
    from ctpx.engine import runner_fs
    src = tmp_path / "in"
    write(src / "a.dcm", dicom_bytes(1))
    monkeypatch.setattr(runner_fs.InputFile, "unchanged", lambda self: False)
    report = run(script, src, tmp_path / "out")
    (rec,) = list(report.iter_files())
    assert rec["status"] == "quarantined" and "changed while" in rec["message"]
    assert not [f for _, _, fs in os.walk(tmp_path / "out") for f in fs if f.endswith(".dcm")]
