"""The per-file procedure: the §4.3 decision table, sequences, insertion, 0012,0064, the tail."""
from __future__ import annotations

import struct

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from .helpers import dataset, rule, run, script, to_bytes


def private_ds(**kw):
    ds = dataset(**kw)
    ds.add_new(0x00090010, "LO", "ACME 1.0")
    ds.add_new(0x00091001, "LO", "secret ")
    ds.add_new(0x00190010, "LO", "GEMS_ACQU_01")
    ds.add_new(0x00191002, "SL", 888)          # safe (code K) in CTP's private dictionary? no: KB
    ds.add_new(0x00251007, "SL", 42)
    ds.add_new(0x00250010, "LO", "GEMS_SERS_01")   # 0x07 of GEMS_SERS_01 is safe (K)
    return ds


# ------------------------------------------------------------------ §4.3 rows 1-6

def test_privategroups_removes_unscripted_private_and_creators():
    s = script('<e en="T" t="0009[ACME 1.0]01" n="AcmeSecret">@keep()</e>'
               '<r en="T" t="privategroups">x</r>')
    _, out = run(s, private_ds())
    assert 0x00091001 in out               # scripted: kept
    assert 0x00090010 not in out           # its creator is gone: an orphan, as in CTP
    assert 0x00191002 not in out and 0x00251007 not in out


def test_safe_private_elements_keep_creators_and_safe_elements():
    s = script('<k en="T" t="safeprivateelements">x</k><r en="T" t="privategroups">x</r>')
    _, out = run(s, private_ds())
    assert 0x00251007 in out and 0x00250010 in out
    assert 0x00090010 in out and 0x00190010 in out      # every creator stays
    assert 0x00091001 not in out and 0x00191002 not in out


def test_unspecifiedelements_keeps_only_the_builtin_list_groups_and_scripts():
    s = script('<e en="T" t="00100010" n="p">@hash(this,6)</e>'
               '<e en="T" t="00180010" n="c">@remove()</e>'
               '<k en="T" t="0018">x</k><r en="T" t="unspecifiedelements">x</r>')
    ds = dataset(PatientName="A", PatientID="B", SeriesInstanceUID="1.2", Rows=1,
                 ContrastBolusAgent="I", BodyPartExamined="HEAD")
    _, out = run(s, ds)
    assert set(out.keys()) == {0x00080016, 0x00080018, 0x0020000D, 0x00100010, 0x00280010,
                               0x00180015}
    assert "SpecificCharacterSet" not in out           # the inserted default goes too


def test_overlays_flag_removes_even_scripted_overlays_and_curves_flag_alone_does_nothing():
    ds = dataset()
    ds.add_new(0x60000022, "LO", "overlay")
    ds.add_new(0x60020010, "US", 4)
    ds.add_new(0x50000022, "LO", "curve")
    s = script('<e en="T" t="60000022" n="o">@keep()</e><k en="T" t="6000">x</k>'
               '<r en="T" t="overlays">x</r><r en="T" t="curves">x</r>')
    _, out = run(s, ds)
    assert 0x60000022 not in out and 0x60020010 not in out
    assert 0x50000022 in out
    _, out = run(script('<r en="T" t="curves">x</r>', mode="safe"), ds)
    assert 0x50000022 not in out                       # safe mode: "remove curves" removes them


def test_functions_read_the_original_values():
    s = script('<e en="T" t="00100020" n="a">NEW</e><e en="T" t="00100030" n="b">@always()@contents(PatientID)</e>'
               '<e en="T" t="00100010" n="c">@contents(PatientID)</e>')
    _, out = run(s, dataset(PatientID="OLD", PatientName="x"))
    assert out.PatientID == "NEW" and out.PatientName == "OLD"


# ------------------------------------------------------------------ final values (§2.4)

@pytest.mark.parametrize("body,expected", [
    ("   padded   ", "padded"),
    ("", ""),
    ("@empty()", ""),
    ("@blank(3)", ""),
    ("@empty()x", "@empty()x"),
    ("x @always() y", "x  y"),
])
def test_final_value_rules(body, expected):
    _, out = run(rule("00081030", body), dataset(StudyDescription="orig"))
    assert out.StudyDescription == expected


def test_empty_person_name_is_one_space():
    import io

    import pydicom
    res, _ = run(rule("00100010", "@empty()"), dataset(PatientName="Doe"))
    raw = pydicom.dcmread(io.BytesIO(res.data)).get_item(0x00100010)
    assert raw.length == 2 and raw.value == b"  "


def test_refused_values_keep_the_original_with_a_warning_or_quarantine_in_safe_mode():
    ds = dataset(StudyDate="20200101", Rows=4)
    res, out = run(rule("00080020", "2020-01-01"), ds)
    assert out.StudyDate == "20200101"
    assert [w["code"] for w in res.warnings] == ["RUN20"]
    res, out = run(rule("00280010", "many"), ds)
    assert out.Rows == 4 and res.warnings[0]["code"] == "RUN20"
    res, _ = run(rule("00080020", "2020-01-01", mode="safe"), ds)
    assert res.status == "quarantined" and res.code == "RUN14"


def test_numbers_are_written_in_binary():
    _, out = run(rule("00280010", "12"), dataset(Rows=4))
    assert out.Rows == 12


def test_person_names_with_too_many_components_are_merged_with_a_warning():
    res, out = run(rule("00100010", "a^b^c^d^e^f"), dataset(PatientName="x"))
    assert out.PatientName == "a^b^c^d^f" and res.warnings[0]["code"] == "RUN22"


# ------------------------------------------------------------------ sequences (§4.4)

def _seq_ds():
    inner = Dataset()
    inner.PatientName = "Inner^Name"
    inner.add_new(0x00090010, "LO", "ACME 1.0")
    inner.add_new(0x00091001, "LO", "item private")
    return dataset(PatientName="Root^Name", RequestAttributesSequence=Sequence([inner]),
                   ReferencedSeriesSequence=Sequence([Dataset(), Dataset()]))


def test_unprocessed_sequences_are_kept_verbatim():
    _, out = run(rule("00100010", "X"), _seq_ds())
    assert out.PatientName == "X"
    assert out.RequestAttributesSequence[0].PatientName == "Inner^Name"


def test_process_applies_the_whole_procedure_inside_items():
    s = script('<e en="T" t="00400275" n="s">@process()</e><e en="T" t="00100010" n="p">X</e>'
               '<r en="T" t="privategroups">x</r>')
    _, out = run(s, _seq_ds())
    item = out.RequestAttributesSequence[0]
    assert item.PatientName == "X" and 0x00091001 not in item


def test_safe_mode_applies_rules_inside_every_sequence():
    _, out = run(rule("00100010", "X", mode="safe"), _seq_ds())
    assert out.RequestAttributesSequence[0].PatientName == "X"


@pytest.mark.parametrize("body,items", [("@keep()", 1), ("@empty()", 1), ("@blank(2)", 1),
                                        ("literal", 1), ("@remove()", None)])
def test_values_on_an_existing_sequence(body, items):
    res, out = run(rule("00400275", body), _seq_ds())
    if items is None:
        assert "RequestAttributesSequence" not in out
    else:
        assert len(out.RequestAttributesSequence) == items
    assert [w["code"] for w in res.warnings] == (["RUN24"] if body == "literal" else [])


def test_paths_and_root_prefix():
    s = script('<e en="T" t="00204000" n="c">@always()@contents(RequestAttributesSeq::PatientName)|'
               '@contents(RequestAttributesSequence::PatientName)|@contents([0040,0275]::(0010,0010))</e>')
    _, out = run(s, _seq_ds())
    assert out.ImageComments == "Inner^Name||Inner^Name"


# ------------------------------------------------------------------ insertion (§4.2)

def test_insertion_with_always():
    s = script('<p t="R">1.2.3</p>'
               '<e en="T" t="00120062" n="a">@always()YES</e>'
               '<e en="T" t="00280034" n="b">@always()1\\\\1</e>'
               '<e en="T" t="00081080" n="c">@always()@remove()</e>'
               '<e en="T" t="00081090" n="d">@always()@empty()</e>'
               '<e en="T" t="00321032" n="e">@always()@remove()partial</e>'
               '<e en="T" t="00101002" n="f">@always()@require()</e>'
               '<e en="T" t="00081110" n="g">@always()@process()</e>'
               '<e en="T" t="00020016" n="h">@always()NEWAE</e>'
               '<e en="T" t="00191099" n="i">@always()' + "long " * 20 + '</e>'
               '<e en="T" t="00181030" n="j">@require()</e>')
    res, out = run(s, dataset())
    assert out.PatientIdentityRemoved == "YES"
    assert list(out.PixelAspectRatio) == [1, 1]
    assert "AdmittingDiagnosesDescription" not in out
    assert out.ManufacturerModelName == ""
    assert out.RequestingPhysician == "@remove()partial"
    assert len(out.OtherPatientIDsSequence) == 0
    assert "ReferencedStudySequence" not in out and "ProtocolName" not in out
    assert "SourceApplicationEntityTitle" not in out.file_meta
    assert out[0x00191099].VR == "LT"


def test_deidentification_method_code_sequence():
    body = "113100/RESET/113101/999999/reset/113105 / 113112"
    _, out = run(rule("00120064", body), dataset())
    codes = [(i.CodeValue, i.CodingSchemeDesignator, i.CodeMeaning)
             for i in out.DeidentificationMethodCodeSequence]
    assert codes == [("113105", "DCM", "Clean Descriptors Option"),
                     ("113112", "DCM", "Retain Institution Identity Option")]
    existing = Dataset()
    existing.CodeValue = "113100"
    _, out = run(rule("00120064", "999999"),
                 dataset(DeidentificationMethodCodeSequence=Sequence([existing])))
    assert [i.CodeValue for i in out.DeidentificationMethodCodeSequence] == ["113100", "999999"]
    assert out.DeidentificationMethodCodeSequence[1].CodeMeaning == "UNKNOWN"
    _, out = run(rule("00120064", "@remove()"),
                 dataset(DeidentificationMethodCodeSequence=Sequence([existing])))
    assert "DeidentificationMethodCodeSequence" not in out
    _, out = run(rule("00120064", ""), dataset())
    assert "DeidentificationMethodCodeSequence" not in out


# ------------------------------------------------------------------ private rules (§1.3, §4.5)

def test_private_rules_match_creators_exactly_and_names_work_as_arguments():
    s = script('<e en="T" t="0009[ACME 1.0]01" n="AcmeSecret">[@contents(this)]</e>'
               '<e en="T" t="0009[acme 1.0]01" n="Lower">never</e>'
               '<e en="T" t="0009[ACME 1.0]" n="NoElem">@always()X</e>'
               '<e en="T" t="00204000" n="c">@always()@contents(AcmeSecret)|@contents(0009[ACME 1.0]01)'
               '|@contents(00251007)</e>')
    _, out = run(s, private_ds())
    assert out[0x00091001].value == "[secret]"      # ACME is not in the dictionary: read as LO
    assert out[0x00091000].value == "X"                  # the element-byte-less form: (0009,1000)
    assert out.ImageComments == "secret|secret|42"


def test_private_values_of_known_text_vrs_are_read_untrimmed():
    ds = dataset()
    ds.add_new(0x00190010, "LO", "GEMS_ACQU_01")
    ds.add_new(0x00191018, "LO", "S ")
    _, out = run(rule("00204000", "@always()[@contents(00191018)]"), ds)
    assert out.ImageComments == "[S ]"


# ------------------------------------------------------------------ the tail (§4.8)

def _tail_file():
    ds = dataset(Rows=1, Columns=2, BitsAllocated=16, PixelRepresentation=0)
    ds.PixelData = b"\x01\x00\x02\x00"
    tail = (struct.pack("<HH2sH", 0x7FE1, 0x0010, b"LO", 10) + b"ACME POST "
            + struct.pack("<HH2sH", 0x7FE1, 0x1001, b"LO", 6) + b"first "
            + struct.pack("<HH2sH", 0x7FE1, 0x1002, b"LO", 6) + b"second"
            + struct.pack("<HH2sHL", 0xFFFC, 0xFFFC, b"OB", 0, 2) + b"\x00\x00")
    return to_bytes(ds) + tail


def test_tail_elements_get_reduced_rules():
    s = script('<e en="T" t="7FE11001" n="a">@remove()</e><e en="T" t="7FE11002" n="b">@hash(this)</e>')
    res, out = run(s, _tail_file())
    assert 0x7FE11001 not in out and out[0x7FE11002].value == "second"
    assert 0xFFFCFFFC not in out
    assert out.PixelData == b"\x01\x00\x02\x00"
    assert [w["code"] for w in res.warnings] == ["RUN25"]
    _, out = run(script('<r en="T" t="privategroups">x</r>'), _tail_file())
    assert 0x7FE10010 not in out and 0x7FE11002 not in out


def test_safe_mode_runs_scripts_after_the_pixel_data():
    _, out = run(rule("7FE11002", "@hash(this,4)", mode="safe"), _tail_file())
    assert out[0x7FE11002].value != "second"


# ------------------------------------------------------------------ whole files

def test_ids_and_uid_map():
    s = script('<p t="R">1.2.9</p><e en="T" t="00080018" n="a">@hashuid(@R,this)</e>'
               '<e en="T" t="0020000e" n="b">@hashuid(@R,this)</e><e en="T" t="00100020" n="c">P</e>')
    res, out = run(s, dataset(PatientID="OLD", SeriesInstanceUID="1.2.3.4"))
    assert res.ids["PatientID"] == ("OLD", "P")
    assert res.ids["StudyInstanceUID"] == ("1.2.3.4.5", "1.2.3.4.5")
    assert res.uid_map == {"1.2.3.4.5.6": out.SOPInstanceUID, "1.2.3.4": out.SeriesInstanceUID}


def test_charset_is_inserted_and_kept_unless_removed():
    _, out = run(script("<script></script>"), dataset())
    assert out.SpecificCharacterSet == "ISO_IR 100"
    _, out = run(rule("00080005", "@remove()"), dataset())
    assert "SpecificCharacterSet" not in out


# ------------------------------------------------------------------ the UID map

def test_uid_map_records_every_replaced_uid_once():
    ds = dataset(SeriesInstanceUID="1.2.3.4.5.7")
    res, out = run(script('<e en="T" t="0020000D" n="a">@hashuid(1.9.,this)</e>'
                          '<e en="T" t="0020000E" n="b">@hashuid(1.9.,this)</e>'), ds)
    assert res.uid_map == {"1.2.3.4.5": out.StudyInstanceUID,
                           "1.2.3.4.5.7": out.SeriesInstanceUID}
    assert res.warnings == []


def test_one_uid_replaced_two_ways_in_a_file_keeps_the_first_and_warns():
    # The same original UID in two elements, hashed under two roots: the two references no
    # longer match, which a reviewer must hear about.
    ds = dataset(SeriesInstanceUID="1.2.3.4.5")
    res, out = run(script('<e en="T" t="0020000D" n="a">@hashuid(1.8.,this)</e>'
                          '<e en="T" t="0020000E" n="b">@hashuid(1.9.,this)</e>'), ds)
    assert out.StudyInstanceUID != out.SeriesInstanceUID
    assert res.uid_map == {"1.2.3.4.5": out.StudyInstanceUID}   # elements go in tag order
    assert [w["code"] for w in res.warnings] == ["RUN27"]
    assert out.SeriesInstanceUID in res.warnings[0]["message"]
