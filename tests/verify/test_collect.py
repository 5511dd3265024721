"""The matching rules: what is collected from an input, and what counts as found."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset

from ctpx import verify_collect as vc


def _ids(**words) -> vc.Identifiers:
    ids = vc.Identifiers()
    for kind, values in words.items():
        for v in values:
            if kind == "name":
                ids.add_name(v, "<(0010,0010)>", "PatientName")
            elif kind == "uid":
                ids.add_uid(v, "<(0020,000D)>", "StudyInstanceUID")
            elif kind == "date":
                ids.add_date(int(v[:4]), int(v[4:6]), int(v[6:8]), "<(0008,0020)>", "StudyDate")
            else:
                ids.add_word(v, kind, "<(0010,0020)>", "PatientID")
    return ids.finish()


def _found(ids, text):
    return sorted(m for m, _ in ids.find_text(text))


@pytest.mark.parametrize("text,kind,ok", [
    ("M", "id", False), ("CT", "id", False), ("1", "id", False), ("1234", "id", False),
    ("0000000", "id", False), ("XXXX", "id", False), ("ANONYMOUS", "id", False),
    ("12345", "id", True), ("SYN4821937", "id", True), ("AB12", "id", True),
    ("0.625", "id", False), ("Dr", "name", False), ("Li", "name", False), ("Lee", "name", True),
    ("Hospital", "institution", False), ("山田", "name", True),
])
def test_distinctive(text, kind, ok):
    assert vc.distinctive(text, kind) is ok


@pytest.mark.parametrize("tok,ok", [
    ("SYN4821937", True), ("123456", True), ("12345", False), ("HX-595185", True),
    ("512x512", False), ("0.625", False), ("120kVp", False), ("2019-03-04", False),
    ("T2W_TSE", False), ("C1-C7", False), ("2.5mm", False),
])
def test_id_like(tok, ok):
    assert vc.id_like(tok) is ok


def test_dates_in_text_all_readings():
    found = set(vc.dates_in_text("seen 03/04/2019, again 2019-05-06, born April 12, 1965, "
                                 "12 Apr 1965, 4th Mar. 2019, ref 20190304"))
    assert {(2019, 4, 3), (2019, 3, 4), (2019, 5, 6), (1965, 4, 12)} <= found


def test_date_spellings_are_found():
    ids = _ids(date=["20190304"])
    for spelled in ("2019-03-04", "04.03.2019", "4.3.2019", "03/04/2019", "04/03/2019",
                    "4 Mar 2019", "04-Mar-2019", "March 4, 2019", "Mar 4, 2019",
                    "4 March 2019", "MARCH 4, 2019", "20190304"):
        assert _found(ids, f"on {spelled}.") == [spelled], spelled
    assert _found(ids, "20190304101530.123") == ["20190304101530"]
    # Not a date: inside a UID, longer digit runs, a UID component, another date.
    for text in ("1.2.20190304.5", "201903041", "2019030412345", "20190304.5", "2019-03-05",
                 "X20190304"):
        assert _found(ids, text) == [], text


def test_sentinel_dates_are_not_collected():
    assert not _ids(date=["19000101"]).date8


def test_uids_match_whole():
    ids = _ids(uid=["1.2.826.0.1.3680043.2.1125.1.5"])
    assert _found(ids, "ref 1.2.826.0.1.3680043.2.1125.1.5 end") == \
        ["1.2.826.0.1.3680043.2.1125.1.5"]
    for text in ("1.2.826.0.1.3680043.2.1125.1.55", "1.2.826.0.1.3680043.2.1125.1.5.6",
                 "9.1.2.826.0.1.3680043.2.1125.1.5"):
        assert _found(ids, text) == [], text


def test_standard_uids_are_not_collected():
    ids = _ids(uid=["1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.2.1", "1.2.3"])
    assert not ids.uids


def test_name_parts_whole_words_any_case_and_folded():
    ids = _ids(name=["Brévantis^Ann^Lou^Dr^III"])
    assert _found(ids, "Dr. BREVANTIS") == ["BREVANTIS"]
    assert _found(ids, "brévantis") == ["brévantis"]
    assert _found(ids, "Annotation Louder") == []
    assert _found(ids, "Ann Brévantis") == ["Ann Brévantis"]
    assert _found(ids, "x Brévantis^Ann^Lou^Dr^III y") == ["Brévantis^Ann^Lou^Dr^III"]
    # Prefix and suffix are not searched; the middle name is.
    assert _found(ids, "DR III") == []
    assert _found(ids, "Lou") == ["Lou"]
    ids2 = _ids(name=["Ng^Lou"])
    assert "lou" in ids2.words and "ng" not in ids2.words


def test_ideographic_groups_without_word_boundaries():
    ids = _ids(name=["Yamada^Hanako=山田^花子=やまだ^はなこ"])
    assert "山田" in _found(ids, "山田太郎")
    assert _found(ids, "Yamada^Hanako=山田^花子=やまだ^はなこ") == \
        ["Yamada^Hanako=山田^花子=やまだ^はなこ"]


def test_bytes_in_latin1_utf8_and_ascii_case():
    ids = _ids(name=["Hörnqvald^Søren"], id=["SYN4821937"])
    blob = (b"\x00\x01" + "HÖRNQVALD".encode("latin-1") + b"\xfe\xff" +
            "Hörnqvald".encode("utf-8") + b"\x00syn4821937\x00SYN48219370")
    found = [(t, i.text) for t, i, _ in ids.find_bytes(blob)]
    assert ("HÖRNQVALD", "Hörnqvald") in found
    assert ("Hörnqvald", "Hörnqvald") in found
    assert ("syn4821937", "SYN4821937") in found
    assert len([f for f in found if f[1] == "SYN4821937"]) == 1


def test_free_text_cues():
    ids = vc.Identifiers()
    ids.add_free_text("Seen by Dr. Vantorre and referred by the team; Patient: Oxenby, "
                      "MRN SYN0001234, call 555-013-4427 or a@b.example", "<(0020,4000)>",
                      "ImageComments")
    assert {"vantorre", "oxenby", "syn0001234", "555-013-4427", "a@b.example"} <= set(ids.words)
    assert "the" not in ids.words and "team" not in ids.words


def test_kept_description_has_no_identifiers():
    ids = vc.Identifiers()
    ids.add_free_text("CT CHEST WITH CONTRAST 120 kV 0.625 mm 512x512 series 3 of 4",
                      "<(0008,1030)>", "StudyDescription")
    assert not ids.words and not ids.date8


def _dataset():
    ds = Dataset()
    ds.PatientName = "Quorbel^Ignatia"
    ds.PatientSex = "M"
    ds.Modality = "CT"
    ds.StudyID = "1"
    ds.StudyDescription = "CT CHEST"
    ds.Manufacturer = "SYNSTATION"
    ds.StationName = "SYNSTATION"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.StudyInstanceUID = "2.25.1234567890123"
    other = Dataset()
    other.TypeOfPatientID = "TEXT"
    other.PatientID = "HX-595185"
    ds.OtherPatientIDsSequence = [other]
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "121071", "DCM", "Finding"
    ds.ConceptNameCodeSequence = [code]
    person = Dataset()
    pcode = Dataset()
    pcode.CodeValue, pcode.CodingSchemeDesignator, pcode.CodeMeaning = \
        "PHY12345", "L", "Physician number"
    person.PersonIdentificationCodeSequence = [pcode]
    ds.ReferringPhysicianIdentificationSequence = [person]
    block = ds.private_block(0x0009, "GEMS_IDEN_01", create=True)
    block.add_new(0x04, "SH", "LIGHTSPEED16")     # safe (K): value kept, not an identifier
    block.add_new(0x30, "SH", "SVC-77120")        # not safe: a private text value
    return ds


def test_classification_of_a_dataset():
    ids = vc.collect(_dataset())
    words = set(ids.words)
    assert {"quorbel", "ignatia", "hx-595185", "phy12345", "svc-77120"} <= words
    for benign in ("m", "ct", "1", "ct chest", "text", "121071", "finding", "lightspeed16",
                   "physician number"):
        assert benign not in words, benign
    # A StationName equal to a non-identifying value of the same file is not searched.
    assert "synstation" not in words
    assert set(ids.uids) == {"2.25.1234567890123"}
    assert ids.uid_at["<(0020,000D)>"] == ["2.25.1234567890123"]


def test_a_value_seen_in_free_text_and_in_its_element_reports_the_element():
    ds = Dataset()
    ds.ImageComments = "MRN SYN0001234"
    ds.PatientID = "SYN0001234"
    ident = vc.collect(ds).words["syn0001234"]
    assert ident.source_name == "PatientID" and ident.source == "<(0010,0020)>"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcXY^ 1.-", min_size=1, max_size=8), min_size=1,
                max_size=12, unique=True), st.text(alphabet="abcXY^ 1.-", max_size=10))
def test_trie_pattern_matches_the_same_words_as_a_plain_alternation(words, other):
    trie = re.compile("(?:" + vc._trie_pattern(words) + r")\Z")
    for w in words:
        assert trie.match(w), w
    assert bool(trie.match(other)) == (other in words)


def test_date_forms_cover_iso_and_european_and_us():
    forms = vc.date_forms(dt.date(2019, 3, 4))
    assert {"2019-03-04", "04.03.2019", "03/04/2019", "04/03/2019", "March 4, 2019",
            "4 Mar 2019"} <= set(forms)
