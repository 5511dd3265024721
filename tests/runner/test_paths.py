"""Output names (runner_paths) and discovery (runner_discovery)."""
from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctpx.engine import runner_paths as paths
from ctpx.engine.runner_discovery import NOT_REGULAR, SYMLINK, count_files, walk
from ctpx.errors import CtpxError

_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10))}


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=300),
                 st.from_regex(r"[A-Za-z0-9._-]{1,210}", fullmatch=True),   # the quick path
                 st.sampled_from(["..", ".", "../x", "CON", "con.txt", "a/b", "\x00", " . ",
                                  "LPT1.dcm", ".ctpx-tmp", "\udcff\udcfe", "nul.1.2",
                                  "a" * 201, "x."])))
def test_component_is_always_one_safe_portable_name(value):
    c = paths.component(value, "PLACEHOLDER")
    assert c and c not in (".", "..")
    assert "/" not in c and "\\" not in c and "\x00" not in c
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in c)
    assert not c.startswith(".") and not c.endswith((" ", "."))
    assert c.split(".")[0].upper().rstrip() not in _RESERVED
    assert len(c.encode("utf-8")) <= paths.MAX_COMPONENT_BYTES
    c.encode("utf-8")   # no lone surrogates left


def test_component_keeps_ordinary_identifiers_and_uids():
    for v in ("1.2.840.113619.2.55.3.604688119", "ANON0001", "Sujet-12_b", "Müller"):
        assert paths.component(v, "X") == v
    assert paths.component("", "NO_PATIENT_ID") == "NO_PATIENT_ID"
    assert paths.component("   ", "NO_PATIENT_ID") == "NO_PATIENT_ID"
    assert paths.component(None, "P") == "P"


def test_long_values_are_cut_with_a_distinguishing_hash():
    a, b = "A" * 400 + "1", "A" * 400 + "2"
    ca, cb = paths.component(a, "X"), paths.component(b, "X")
    assert ca != cb and len(ca.encode()) <= paths.MAX_COMPONENT_BYTES


def test_hierarchy_path_uses_placeholders_for_missing_values():
    rel = paths.hierarchy_path({"PatientID": "P1", "StudyInstanceUID": None,
                                "SeriesInstanceUID": "", "SOPInstanceUID": "1.2.3"})
    assert rel == "P1/NO_STUDY_UID/NO_SERIES_UID/1.2.3.dcm"
    assert paths.hierarchy_path({}) == "NO_PATIENT_ID/NO_STUDY_UID/NO_SERIES_UID/NO_SOP_UID.dcm"


def test_collision_suffixes():
    assert paths.with_suffix_number("a/b/1.2.3.dcm", 2) == "a/b/1.2.3_2.dcm"
    assert paths.with_suffix_number("IM0001", 3) == "IM0001_3"
    assert paths.with_suffix_number("d/.x", 2) == "d/.x_2"


def test_mirror_path_sanitises_each_component():
    assert paths.mirror_path("DOE^JOHN/1/IM1") == "DOE^JOHN/1/IM1"
    assert paths.mirror_path("a\x01b/CON/x") == "a_b/_CON/x"


def test_check_apart(tmp_path):
    src, out = str(tmp_path / "in"), str(tmp_path / "out")
    os.makedirs(src)
    paths.check_apart(src, out, single_file=False, report=out + ".json", state=out + ".state",
                      quarantine=str(tmp_path / "q"), mapping=str(tmp_path / "m"))
    with pytest.raises(CtpxError):
        paths.check_apart(src, os.path.join(src, "x"), single_file=False, report=None,
                          state=None, quarantine=None, mapping=None)
    with pytest.raises(CtpxError):
        paths.check_apart(src, out, single_file=False, report=None, state=None,
                          quarantine=os.path.join(out, "q"), mapping=None)
    # a symbolic link does not smuggle OUT into IN
    os.symlink(src, tmp_path / "alias")
    with pytest.raises(CtpxError):
        paths.check_apart(src, str(tmp_path / "alias" / "out"), single_file=False, report=None,
                          state=None, quarantine=None, mapping=None)


def test_defaults_are_beside_out(tmp_path):
    out = str(tmp_path / "deid")
    assert paths.default_report_path(out) == str(tmp_path / "deid.ctpx-report.json")
    assert paths.default_state_dir(out + "/") == str(tmp_path / "deid.ctpx-state")


# ---------------------------------------------------------------------------------------------
# Discovery

def test_walk_order_is_by_name_and_depth_first(tmp_path):
    for rel in ("b/2", "b/10", "a/z/1", "a/y", "B", "c.dcm", "a/x.dcm"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    got = [e.rel for e in walk(str(tmp_path))]
    assert got == ["B", "c.dcm", "a/x.dcm", "a/y", "a/z/1", "b/10", "b/2"]
    assert count_files(str(tmp_path)) == 7


def test_links_and_special_files_are_reported_not_followed(tmp_path):
    root = tmp_path / "in"
    (root / "d").mkdir(parents=True)
    (root / "d" / "f").write_bytes(b"x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"y")
    os.symlink(outside, root / "to-outside")
    os.symlink(root / "d" / "f", root / "to-inside")
    os.symlink(root / "nowhere", root / "dangling")
    os.mkfifo(root / "fifo")
    entries = {e.rel: e for e in walk(str(root))}
    assert set(entries) == {"d/f", "to-outside", "to-inside", "dangling", "fifo"}
    assert entries["d/f"].code is None and entries["d/f"].size == 1
    assert entries["to-outside"].code == SYMLINK and "outside" in entries["to-outside"].message
    assert entries["to-inside"].code == SYMLINK and "inside" in entries["to-inside"].message
    assert entries["dangling"].code == SYMLINK
    assert entries["fifo"].code == NOT_REGULAR
    assert "secret" not in str(list(entries))


def test_excluded_folders_are_not_entered(tmp_path):
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "a").write_bytes(b"x")
    (tmp_path / "skip").mkdir()
    (tmp_path / "skip" / "b").write_bytes(b"x")
    got = [e.rel for e in walk(str(tmp_path), exclude=(str(tmp_path / "skip"),))]
    assert got == ["keep/a"]
