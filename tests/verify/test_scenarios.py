"""verify on whole trees: a clean de-identification gives nothing; each deliberate leak is found
at its place, with its kind and origin."""
from __future__ import annotations

import os
import shutil

from pydicom.dataset import Dataset

from ctpx.cli import main
from ctpx.verify import verify

from . import helpers


def _verify(trees, **kw):
    kw.setdefault("mappings", [trees.pairs_csv])
    return verify(trees.input, trees.output, **kw)


def _files(trees, suffix):
    return [f for f in trees.study.files if f.rel.endswith(suffix)]


def _one(records, **want):
    hits = [r for r in records if all(r.get(k) == v for k, v in want.items())]
    assert hits, f"no record with {want}; got {[(r['code'], r['path'], r['kind']) for r in records]}"
    return hits[0]


def test_clean_output_has_no_findings(trees, capsys):
    result = _verify(trees)
    assert result.records == []
    assert result.meta["paired"] == len(trees.study.files)
    assert main(["verify", trees.input, trees.output, "--mapping", trees.pairs_csv]) == 0
    assert "clean" in capsys.readouterr().out


def test_an_unmodified_copy_reports_every_planted_identifier(study, trees, tmp_path):
    # The worst de-identification: none at all, output tree mirrors the input tree.
    out = str(tmp_path / "copy")
    shutil.copytree(trees.input, out, ignore=shutil.ignore_patterns("manifest.json"))
    result = verify(trees.input, out)
    assert result.meta["paired_by"] == f"uid {len(study.files)}"
    at: dict[tuple[str, str], list[dict]] = {}
    for r in result.records:
        path = "(preamble)" if r["path"].startswith("(preamble") else r["path"]
        at.setdefault((r["output"], path), []).append(r)
    missed = []
    for p in study.manifest.plants:
        found = [r for r in at.get((p.file, p.path), [])
                 if p.token.casefold() in r["value"].casefold()
                 or r["value"].casefold() in p.token.casefold()]
        if not found:
            missed.append((p.file, p.path, p.token))
    assert not missed, missed[:10]
    codes = {r["code"] for r in result.records}
    assert {"VF01", "VF02", "VF03", "VF04", "VF06", "VF07"} <= codes


def test_nested_person_name_left_in_an_unprocessed_sequence(trees):
    sf = _files(trees, "IMG0001.dcm")[0]

    def leak(ds, sf):
        ds.ReferencedSeriesSequence[0].PatientName = sf.dataset.PatientName

    out_rel = trees.edit(sf.rel, leak)
    result = _verify(trees)
    r = _one(result.records, output=out_rel, path="<(0008,1115)>[<0>]<(0010,0010)>")
    assert r["code"] == "VF01" and r["kind"] == "name"
    assert r["source_name"] == "PatientName"
    assert {x["output"] for x in result.records} == {out_rel}


def test_private_creator_block_left(trees):
    sf = _files(trees, "IMG0002.dcm")[0]

    def leak(ds, sf):
        block = ds.private_block(0x0009, "GEMS_IDEN_01", create=True)
        block.add_new(0x04, "SH", sf.patient_id)

    out_rel = trees.edit(sf.rel, leak)
    r = _one(_verify(trees).records, output=out_rel, path='<(0009,"GEMS_IDEN_01",04)>')
    assert (r["code"], r["kind"], r["source_name"]) == ("VF02", "id", "PatientID")


def test_date_in_free_text_in_another_spelling(trees):
    sf = _files(trees, "IMG0001.dcm")[1]
    study_date = str(sf.dataset.StudyDate)
    spelled = f"{study_date[6:8]}.{study_date[4:6]}.{study_date[:4]}"

    def leak(ds, sf):
        ds.ImageComments = f"Acquired {spelled} as planned"

    out_rel = trees.edit(sf.rel, leak)
    r = _one(_verify(trees).records, output=out_rel, path="<(0020,4000)>")
    assert (r["code"], r["kind"], r["value"]) == ("VF01", "date", spelled)
    assert r["identifier"] == study_date


def test_date_time_shaped_date_is_found(trees):
    sf = _files(trees, "IMG0001.dcm")[0]
    birth = str(sf.dataset.PatientBirthDate)

    def leak(ds, sf):
        ds.AcquisitionDateTime = birth + "083000"

    out_rel = trees.edit(sf.rel, leak)
    r = _one(_verify(trees).records, output=out_rel, path="<(0008,002A)>")
    assert r["kind"] == "date" and r["source_name"] == "PatientBirthDate"


def test_unchanged_uid_and_inconsistent_mapping(trees):
    sf = _files(trees, "IMG0002.dcm")[0]

    def leak(ds, sf):
        ds.SeriesInstanceUID = sf.series_uid

    out_rel = trees.edit(sf.rel, leak)
    result = _verify(trees)
    r = _one(result.records, output=out_rel, path="<(0020,000E)>")
    assert r["code"] == "VF07" and r["kind"] == "uid"
    # The other image of the series was remapped: one input UID now has two outputs.
    inconsistent = _one(result.records, code="VF09")
    assert inconsistent["value"] == sf.series_uid


def test_stale_referenced_sop_instance_uid(trees):
    img2 = [f for f in trees.study.files if "SER02_CT/IMG0001" in f.rel][0]
    target = [f for f in trees.study.files if f.rel == img2.rel.replace("SER02", "SER01")][0]

    def leak_old(ds, sf):
        # Left as the input value although the target image's UID was remapped.
        ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID = target.sop_uid

    out_rel = trees.edit(img2.rel, leak_old)
    r = _one(_verify(trees).records, output=out_rel,
             path="<(0008,1140)>[<0>]<(0008,1155)>")
    assert r["code"] == "VF08" and helpers.new_uid(target.sop_uid) in r["message"]

    def leak_wrong(ds, sf):
        # Remapped, but not the way the target was.
        ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID = "2.25.99999999999999"

    trees.edit(img2.rel, leak_wrong)
    r = _one(_verify(trees).records, output=out_rel,
             path="<(0008,1140)>[<0>]<(0008,1155)>")
    assert r["code"] == "VF08" and r["identifier"] == target.sop_uid


def test_stale_reference_deep_in_the_sr_evidence(trees):
    sr = _files(trees, "DOC0001.dcm")[0]

    def leak(ds, sf):
        ev = ds.CurrentRequestedProcedureEvidenceSequence[0]
        ev.ReferencedSeriesSequence[0].ReferencedSOPSequence[1].ReferencedSOPInstanceUID = \
            "2.25.12345678901234567"

    out_rel = trees.edit(sr.rel, leak)
    _one(_verify(trees).records, output=out_rel, code="VF08",
         path="<(0040,A375)>[<0>]<(0008,1115)>[<0>]<(0008,1199)>[<1>]<(0008,1155)>")


def test_file_meta_that_no_longer_matches_the_dataset(trees):
    sf = _files(trees, "IMG0002.dcm")[1]

    def leak(ds, sf):
        ds.file_meta.MediaStorageSOPInstanceUID = "2.25.4242424242424242"

    out_rel = trees.edit(sf.rel, leak)
    _one(_verify(trees).records, output=out_rel, code="VF08", path="<(0002,0003)>")


def test_changed_pixel_byte(trees):
    sf = _files(trees, "IMG0001.dcm")[0]

    def leak(ds, sf):
        px = bytearray(ds.PixelData)
        px[5] ^= 0x01
        ds.PixelData = bytes(px)

    out_rel = trees.edit(sf.rel, leak)
    r = _one(_verify(trees).records, output=out_rel)
    assert r["code"] == "VF10" and r["path"] == "<(7FE0,0010)>"
    assert _verify(trees, pixel_rules=True).records == []


def test_removed_pixel_data(trees):
    sf = _files(trees, "IMG0002.dcm")[0]

    def leak(ds, sf):
        del ds.PixelData

    out_rel = trees.edit(sf.rel, leak)
    r = _one(_verify(trees).records, output=out_rel, code="VF10")
    assert "none" in r["message"]


def test_missing_and_extra_files(trees):
    gone = _files(trees, "DOC0001.dcm")[0]
    os.remove(trees.out_path(gone.rel))
    extra = os.path.join(trees.output, "stray", "x.dcm")
    os.makedirs(os.path.dirname(extra))
    shutil.copy(trees.out_path(_files(trees, "IMG0001.dcm")[0].rel), extra)
    result = _verify(trees)
    assert _one(result.records, code="VF11")["input"] == gone.rel
    assert _one(result.records, code="VF12")["output"] == "stray/x.dcm"


def test_name_in_output_path(trees):
    sf = _files(trees, "IMG0001.dcm")[2]
    old = trees.out_path(sf.rel)
    family = trees.study.manifest.patients[0]["family"]
    new_rel = f"{family}_study/{os.path.basename(old)}"
    os.makedirs(os.path.join(trees.output, f"{family}_study"))
    os.rename(old, os.path.join(trees.output, *new_rel.split("/")))
    # Paired by SOPInstanceUID through the UID mapping this time.
    result = verify(trees.input, trees.output, mappings=[_uid_mapping(trees)])
    r = _one(result.records, code="VF06")
    assert r["output"] == new_rel and r["kind"] == "name"


def _uid_mapping(trees) -> str:
    path = os.path.join(os.path.dirname(trees.output), "uids.csv")
    with open(path, "w") as fh:
        fh.write("id_old,id_new\n")
        for f in trees.study.files:
            fh.write(f"{f.sop_uid},{helpers.new_uid(f.sop_uid)}\n")
    return path


def test_preamble_and_file_meta(trees):
    sf = _files(trees, "IMG0002.dcm")[0]

    def leak(ds, sf):
        ds.preamble = (b"exported for " + sf.patient_id.encode()).ljust(128, b"\0")
        ds.file_meta.SourceApplicationEntityTitle = sf.dataset.file_meta.SourceApplicationEntityTitle

    out_rel = trees.edit(sf.rel, leak)
    result = _verify(trees)
    assert _one(result.records, output=out_rel, code="VF04")["kind"] == "id"
    r = _one(result.records, output=out_rel, code="VF03")
    assert r["path"] == "<(0002,0016)>" and r["kind"] == "device"


def test_private_block_after_the_pixel_data(trees):
    sf = _files(trees, "IMG0001.dcm")[0]

    def leak(ds, sf):
        block = ds.private_block(0x7FE1, "GEMS_Ultrasound_MovieGroup_001", create=True)
        block.add_new(0x02, "LO", str(sf.dataset.PatientName).split("^")[0] + " cine")

    out_rel = trees.edit(sf.rel, leak)
    r = _one(_verify(trees).records, output=out_rel,
             path='<(7FE1,"GEMS_Ultrasound_MovieGroup_001",02)>')
    assert r["code"] == "VF02" and r["kind"] == "name"


def test_identifier_only_in_pixel_bytes_is_found_by_the_byte_backstop(trees):
    sf = _files(trees, "IMG0001.dcm")[1]

    def leak(ds, sf):
        px = bytearray(ds.PixelData)
        text = b" " + sf.patient_id.encode() + b" "
        px[: len(text)] = text
        ds.PixelData = bytes(px)

    out_rel = trees.edit(sf.rel, leak)
    result = _verify(trees)
    r = _one(result.records, output=out_rel, code="VF05")
    assert r["value"] == sf.patient_id and r["path"].startswith("(raw@")
    _one(result.records, output=out_rel, code="VF10")


def test_unparseable_output_is_reported_and_still_searched(trees):
    sf = _files(trees, "IMG0002.dcm")[1]
    path = trees.out_path(sf.rel)
    with open(path, "wb") as fh:
        # A sequence item longer than the file: no reader gets past it.
        fh.write(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\x14\x001.2.840.10008.1.2.1\x00"
                 + b"\x10\x00\x10\x00SQ\x00\x00\xff\xff\xff\xff\xfe\xff\x00\xe0\x20\x00\x00\x00"
                 + b"garbage " + sf.patient_id.encode() + b" tail")
    result = _verify(trees)
    _one(result.records, output=trees.out_rel[sf.rel], code="VF13")
    r = _one(result.records, output=trees.out_rel[sf.rel], code="VF05")
    assert r["value"] == sf.patient_id


def test_sr_content_tree_leaks(trees):
    sr = _files(trees, "DOC0001.dcm")[1]

    def leak(ds, sf):
        orig = sf.dataset.ContentSequence
        ds.ContentSequence[0].TextValue = orig[0].TextValue
        ds.ContentSequence[3].ContentSequence[0].TextValue = orig[3].ContentSequence[0].TextValue

    out_rel = trees.edit(sr.rel, leak)
    result = _verify(trees)
    first = [r for r in result.records if r["path"] == "<(0040,A730)>[<0>]<(0040,A160)>"]
    assert {r["kind"] for r in first} == {"name", "date"}
    r = _one(result.records, path="<(0040,A730)>[<3>]<(0040,A730)>[<0>]<(0040,A160)>")
    assert r["kind"] == "id" and r["source_name"] == "PatientID" and r["output"] == out_rel


def test_ignore_and_redact(trees, capsys):
    sf = _files(trees, "IMG0002.dcm")[0]

    def leak(ds, sf):
        ds.SeriesInstanceUID = sf.series_uid
        ds.StudyComments = f"MRN {sf.patient_id}"

    trees.edit(sf.rel, leak)
    codes = {r["code"] for r in _verify(trees, ignore=["VF07", "VF09"]).records}
    assert codes == {"VF01"}
    assert _verify(trees, ignore=["VF07", "VF09", "id"]).records == []
    rc = main(["verify", trees.input, trees.output, "--mapping", trees.pairs_csv,
               "--redact", "--format", "csv", "--ignore", "VF07,VF09"])
    out = capsys.readouterr().out
    assert rc == 1 and sf.patient_id not in out and "S*********" in out


def test_keeps_benign_values_that_are_legitimately_the_same(trees):
    # A clean output that also keeps descriptions, codes, sex, age, modality, numbers and a
    # study ID of "1": none of it is an identifier.
    sf = _files(trees, "IMG0001.dcm")[0]

    def keep(ds, sf):
        ds.StudyID = "1"
        ds.PatientSex = sf.dataset.PatientSex
        ds.PatientAge = sf.dataset.PatientAge
        ds.ImageComments = "CT CHEST WITH CONTRAST, 120 kV, 512x512, 0.625 mm, seen by the team"
        ds.Manufacturer = sf.dataset.Manufacturer
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = \
            "121071", "DCM", "Finding"
        ds.ProcedureCodeSequence = [item]

    trees.edit(sf.rel, keep)
    assert _verify(trees).records == []


def test_cli_formats_and_exit_codes(trees, tmp_path, capsys):
    import json
    sf = _files(trees, "IMG0001.dcm")[0]
    trees.edit(sf.rel, lambda ds, sf: setattr(ds, "OperatorsName", sf.dataset.OperatorsName))
    args = ["verify", trees.input, trees.output, "--mapping", trees.pairs_csv]
    assert main(args + ["--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "verify" and data["summary"]["by_code"] == {"VF01": 1}
    rec = data["sections"]["findings"][0]
    assert rec["path"] == "<(0008,1070)>" and rec["kind"] == "name"
    assert main(args + ["--format", "csv"]) == 1
    assert capsys.readouterr().out.splitlines()[0].startswith("code,output,input,path,kind,value")
    for fmt, marker in (("markdown", "| code |"), ("html", "<table>"), ("table", "VF01")):
        assert main(args + ["--format", fmt]) == 1
        assert marker in capsys.readouterr().out
    assert main(["verify", trees.input, str(tmp_path / "nope")]) == 2
    assert "USE01" in capsys.readouterr().err
