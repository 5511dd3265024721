"""Pairing outputs with inputs: run report, mapping files, SOPInstanceUID, relative path,
single files and in-memory bytes."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from ctpx.cli import main
from ctpx.errors import UsageError
from ctpx.verify import load_mappings, verify, verify_pair

from . import helpers


def _report(trees, path, entries):
    with open(path, "w") as fh:
        json.dump({"files": entries, "summary": {}}, fh)
    return str(path)


def test_run_report_pairs_and_explains_missing_outputs(trees, tmp_path):
    files = trees.study.files
    skipped, quarantined, lost, unlisted = files[0], files[1], files[2], files[3]
    entries = []
    for f in files:
        if f is unlisted:
            continue
        if f in (skipped, quarantined):
            os.remove(trees.out_path(f.rel))
            status = "skipped" if f is skipped else "quarantined"
            entries.append({"input": f.rel, "output": None, "status": status})
        else:
            entries.append({"input": f.rel, "output": trees.out_rel[f.rel], "status": "ok"})
    os.remove(trees.out_path(lost.rel))
    report = _report(trees, tmp_path / "run.json", entries)
    result = verify(trees.input, trees.output, run_report=report)
    missing = {r["input"]: r for r in result.records if r["code"] == "VF11"}
    assert set(missing) == {lost.rel, unlisted.rel}
    assert missing[lost.rel]["output"] == trees.out_rel[lost.rel]
    assert "not in run report" in missing[unlisted.rel]["message"]
    extra = [r for r in result.records if r["code"] == "VF12"]
    assert [r["output"] for r in extra] == [trees.out_rel[unlisted.rel]]
    assert {r["code"] for r in result.records} == {"VF11", "VF12"}


def test_run_report_with_absolute_paths(trees, tmp_path):
    entries = [{"input": os.path.join(trees.input, f.rel),
                "output": trees.out_path(f.rel), "status": "ok"} for f in trees.study.files]
    report = _report(trees, tmp_path / "run.json", entries)
    result = verify(trees.input, trees.output, run_report=report)
    assert result.records == [] and result.meta["paired"] == len(trees.study.files)


def test_bad_run_report_is_a_usage_error(trees, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(UsageError):
        verify(trees.input, trees.output, run_report=str(bad))
    assert main(["verify", trees.input, trees.output, "--report", str(bad)]) == 2
    assert "USE01" in capsys.readouterr().err


def test_mapping_without_header_and_folder_of_mappings(trees, tmp_path):
    folder = tmp_path / "maps"
    folder.mkdir()
    with open(folder / "files.csv", "w") as fh:
        for a, b in trees.out_rel.items():
            fh.write(f"{a},{b}\n")
    m = load_mappings([str(folder)])
    assert len(m.pairs) == len(trees.out_rel)
    assert verify(trees.input, trees.output, mappings=[str(folder)]).records == []
    with pytest.raises(UsageError):
        load_mappings([str(tmp_path / "absent.csv")])


def test_uid_mapping_file_pairs_renamed_outputs(trees, tmp_path):
    ids = tmp_path / "ids.csv"
    with open(ids, "w") as fh:
        fh.write("id_old,id_new\n")
        for f in trees.study.files:
            fh.write(f"{f.sop_uid},{helpers.new_uid(f.sop_uid)}\n")
            fh.write(f"{f.patient_id},{helpers.pseudonym(f.patient_id)}\n")
    result = verify(trees.input, trees.output, mappings=[str(ids)])
    assert result.records == []
    assert result.meta["paired_by"] == f"uid-map {len(trees.study.files)}"


def test_a_mapping_folder_from_apply_reads_its_conflict_list_as_two_replacements(tmp_path):
    # ctpx apply --mapping DIR writes uid_mapping.csv, patid_mapping.csv and
    # mapping_conflicts.csv; the last maps an identifier to both of its replacements.
    folder = tmp_path / "map"
    folder.mkdir()
    (folder / "uid_mapping.csv").write_text("id_old,id_new\n1.2.3,9.9.3\n")
    (folder / "patid_mapping.csv").write_text("id_old,id_new\nMRN1,P1\n")
    (folder / "mapping_conflicts.csv").write_text(
        "kind,id_old,id_new_kept,id_new_other,input\n"
        "uid,1.2.3,9.9.3,8.8.3,b/1.dcm\npatient,MRN1,P1,P2,b/1.dcm\n")
    m = load_mappings([str(folder)])
    assert m.ids == {"1.2.3": {"9.9.3", "8.8.3"}, "MRN1": {"P1", "P2"}}
    assert m.pairs == []


def test_unchanged_sop_uid_and_relative_path_fallback(trees, tmp_path):
    # An output tree that mirrors the input tree's names: pairs by relative path.
    mirror = tmp_path / "mirror"
    for f in trees.study.files:
        dst = mirror / f.rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(trees.out_path(f.rel), dst)
    result = verify(trees.input, str(mirror))
    assert result.meta["paired_by"] == f"path {len(trees.study.files)}"
    # The mirrored names carry the patient ID, study date and accession number.
    assert {r["code"] for r in result.records} == {"VF06"}
    assert {r["kind"] for r in result.records} == {"id", "date"}


def test_single_files_and_bytes(trees):
    f = trees.study.files[0]
    in_file = os.path.join(trees.input, f.rel)
    assert verify(in_file, trees.out_path(f.rel)).records == []
    records = verify_pair(f.to_bytes(), f.to_bytes(), output_name="copy.dcm")
    assert {r["code"] for r in records} >= {"VF01", "VF02", "VF03", "VF04", "VF07"}
    with open(trees.out_path(f.rel), "rb") as fh:
        assert verify_pair(f.to_bytes(), fh.read(), output_name="x.dcm") == []


def test_input_and_output_must_be_the_same_kind(trees):
    with pytest.raises(UsageError):
        verify(trees.input, trees.out_path(trees.study.files[0].rel))


def test_non_dicom_files_are_ignored(trees):
    with open(os.path.join(trees.output, "notes.txt"), "w") as fh:
        fh.write("run notes for " + trees.study.files[0].patient_id)
    result = verify(trees.input, trees.output, mappings=[trees.pairs_csv])
    assert result.records == [] and result.meta["output_files"] == len(trees.study.files)
