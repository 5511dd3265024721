"""Every dispatched CTP function, run through a one-rule script on an in-memory dataset.

The §6 check values of ctp-semantics appear here at the script level; ``test_algorithms.py``
tests the same algorithms directly, with property tests.
"""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from ctpx.engine import algorithms as alg
from ctpx.engine.functions import IMPLS
from ctpx.functions import FUNCTIONS

from .helpers import dataset, rule, run, script, value_after

def test_every_dispatched_function_has_one_implementation():
    assert set(IMPLS) == {n for n, f in FUNCTIONS.items() if f.dispatched}


def v(body, ds=None, tag="00204000", **kw):
    """The value the ImageComments rule ``body`` writes (ds defaults to a small patient)."""
    if ds is None:
        ds = dataset(PatientName="Doe^John^Q", PatientID="PID 12", PatientSex="M",
                     PatientAge="047Y", StudyDate="20200229", ImageComments="c",
                     StudyID="2020/02/29/path", InstitutionName="St. Elsewhere")
    elif tag == "00204000" and "ImageComments" not in ds:
        ds.ImageComments = "c"
    out = value_after(tag, body, ds, **kw)
    return "" if out is None else str(out)


# ------------------------------------------------------------------ hashes (§6.1-§6.3)

def test_hash_check_values_and_lengths():
    ds = dataset(PatientID="1CT1", AccessionNumber="")
    assert v("@hash(PatientID,10)", ds) == "1356329725"
    assert v("@hash(AccessionNumber,16)", ds) == "2819497684894126"
    assert v("@hash(PatientID,0)", ds) == alg.usmd5("1CT1")
    assert v("@hash(PatientID,x)", ds) == alg.usmd5("1CT1")


def test_hash_of_a_missing_element_removes_the_target():
    assert v("@hash(NoSuchElement,5)") == ""
    assert value_after("00204000", "@hash(this,5)", dataset()) is None


def test_hash_with_an_undefined_length_parameter_writes_args():
    assert v("@hash(PatientName,@NOPE)") == "(PatientName,@NOPE)"


def test_hashname_and_hashptid():
    ds = dataset(PatientName="CompressedSamples^CT1", PatientID="P1")
    assert v("@hashname(PatientName,6,2)", ds) == "285201"
    assert v("@hashname(PatientName,x,y)", ds) == alg.hash_name("CompressedSamples^CT1", 4, -1)
    assert v("@hashname(PatientName)", ds) == "(PatientName)"
    site = script('<p t="SITE">S 7</p><e en="T" t="00204000" n="x">@hashptid(@SITE,PatientID,6)</e>')
    _, out = run(site, ds)
    assert out.ImageComments == alg.hash_ptid("S 7", "P1", 6)


def test_hashuid_prefixes_and_the_third_argument():
    s = script('<p t="R">1.2.840.113654.2.70.1</p>'
               '<e en="T" t="00080018" n="sop">@hashuid(@R,this)</e>'
               '<e en="T" t="00200052" n="f">@hashuid(@R,this,PatientID)</e>'
               '<e en="T" t="00100020" n="p">@hash(this,4)</e>'
               '<e en="T" t="00081048" n="x">@hashuid(@NOPE,PatientID)</e>')
    ds = dataset(PatientID="PID1", FrameOfReferenceUID="1.2.3", PhysiciansOfRecord="A")
    ds.SOPInstanceUID = "1.3.6.1.4.1.5962.3"
    res, out = run(s, ds)
    assert out.SOPInstanceUID == "1.2.840.113654.2.70.1.256693145395574474618647257749997109833"
    assert out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID
    extra = alg.hash_text("PID1", 4)
    assert out.FrameOfReferenceUID == alg.hash_uid("1.2.840.113654.2.70.1.", "1.2.3" + extra)
    assert out.PhysiciansOfRecord == "(@NOPE,PatientID)"
    assert res.uid_map["1.3.6.1.4.1.5962.3"] == out.SOPInstanceUID
    assert res.ids["SOPInstanceUID"] == ("1.3.6.1.4.1.5962.3", out.SOPInstanceUID)


def test_hashuid_recursion_quarantines():
    s = script('<p t="R">1.2</p><e en="T" t="00200052" n="f">@hashuid(@R,this,this)</e>')
    res, _ = run(s, dataset(FrameOfReferenceUID="1.2.3"))
    assert res.status == "quarantined" and res.code == "RUN07"


# ------------------------------------------------------------------ dates (§6.4-§6.5)

@pytest.mark.filterwarnings("ignore:Invalid value for VR DA")   # the ISO date is on purpose
def test_incrementdate_on_dates_times_and_multiple_values():
    ds = dataset(StudyDate="20200229", StudyTime="120000", SeriesDate="2020-02-29",
                 OverlayDate="20200101\\20201231", ImageComments="x")
    assert value_after("00080020", "@incrementdate(this,-10)", ds) == "20200219"
    assert value_after("00080030", "@incrementdate(this,1)", ds) == ""     # short: @empty()
    assert value_after("00080024", "@incrementdate(this,-3650)", ds) == ["20100103", "20110103"]
    # an ISO result is refused by the DA writer, so the original stays
    assert value_after("00080021", "@incrementdate(this,-10)", ds) == "2020-02-29"


def test_incrementdate_with_a_parameter_and_errors():
    s = script('<p t="INC">-3210</p><p t="BAD">abc</p>'
               '<e en="T" t="00080020" n="a">@incrementdate(this,@INC)</e>'
               '<e en="T" t="00080021" n="b">@incrementdate(this,@BAD)</e>'
               '<e en="T" t="00080023" n="c">@incrementdate(Missing,1)</e>')
    _, out = run(s, dataset(StudyDate="20200301", SeriesDate="20200301", ContentDate="20200301"))
    assert out.StudyDate == "20110518"
    assert out.SeriesDate == ""
    assert "ContentDate" not in out


def test_hashdate_and_modifydate():
    ds = dataset(StudyDate="19991231", PatientID="PID 12", ContentDate="20200229")
    assert value_after("00080020", "@hashdate(this,PatientID)", ds) == alg.increment_date_value("19991231", -3252)
    assert value_after("00080023", "@modifydate(this,*,2,30)", ds) == "20200301"
    assert value_after("00080023", "@modifydate(this,2024)", ds) == ""
    assert value_after("00080023", "@hashdate(this,Missing)", ds) is None


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2099, 12, 31)),
       st.integers(min_value=-20000, max_value=20000))
def test_incrementdate_rule_matches_calendar_arithmetic(d, n):
    got = value_after("00080020", f"@incrementdate(this,{n})",
                      dataset(StudyDate=d.strftime("%Y%m%d")))
    assert got == (d + dt.timedelta(days=n)).strftime("%Y%m%d")


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="ABCXYZ019 ^", min_size=1, max_size=16).filter(lambda s: s.strip()))
def test_hash_rule_matches_usmd5(text):
    got = value_after("00100020", "@hash(this)", dataset(PatientID=text))
    assert got == alg.usmd5(text.strip())


def test_date_and_time_are_now():
    got = v("@date(/)-@time(:)")
    d, t = got.split("-")
    assert dt.datetime.strptime(d, "%Y/%m/%d") and dt.datetime.strptime(t, "%H:%M:%S")


def test_dateinterval(tmp_path):
    lut = tmp_path / "t.properties"
    lut.write_text("basedate/P1 = 1/15/2020\n", encoding="utf-8")
    ds = dataset(PatientID="P1", StudyDate="20200125")
    s = script('<p t="O">20000101</p>'
               '<e en="T" t="00204000" n="a">@dateinterval(StudyDate,basedate,PatientID)/'
               '@dateinterval(StudyDate,basedate,PatientID,@O)</e>', lookup_path=str(lut))
    _, out = run(s, dataset(PatientID="P1", StudyDate="20200125", ImageComments="x"))
    assert out.ImageComments == "10/20000111"
    res, _ = run(script('<e en="T" t="00100020" n="a">@dateinterval(StudyDate,basedate,PatientID)</e>',
                        lookup_path=str(lut)), dataset(PatientID="P2", StudyDate="20200125"))
    assert res.status == "quarantined" and res.code == "RUN04"
    assert ds.PatientID == "P1"


# ------------------------------------------------------------------ keyed

def test_encrypt_decrypt_and_errors():
    s = script('<p t="K">secretkey</p>'
               '<e en="T" t="00080080" n="a">@encrypt(this,@K)</e>'
               '<e en="T" t="00324000" n="b">@decrypt(this,@K)</e>'
               '<e en="T" t="00081030" n="c">@decrypt(this,wrongkey)</e>'
               '<e en="T" t="0008103e" n="d">@encrypt(this)</e>')
    ds = dataset(InstitutionName="ACME", StudyComments="RUEX0VhRueA=",
                 StudyDescription="RUEX0VhRueA=", SeriesDescription="x")
    res, out = run(s, ds)
    assert out.InstitutionName == "RUEX0VhRueA="
    assert out.StudyComments == "ACME"
    assert out.StudyDescription == "(this,wrongkey)"
    assert out.SeriesDescription == "(this)"
    assert {w["code"] for w in res.warnings} == {"RUN21"}


def test_integer_counts_per_key_type():
    s = script('<e en="T" t="00100020" n="a">@integer(this,ptid,5)</e>'
               '<e en="T" t="00101000" n="b">@integer(PatientID,ptid)</e>'
               '<e en="T" t="00200010" n="c">@integer(this,study,x)</e>'
               '<e en="T" t="00204000" n="d">@integer(Missing,ptid,2)/@integer(StudyID,ptid,2)</e>')
    _, out = run(s, dataset(PatientID="P", OtherPatientIDs="x", StudyID="S", ImageComments="c"))
    assert out.PatientID == "00001" and out.OtherPatientIDs == "1" and out.StudyID == "1"
    assert out.ImageComments == "02/03"


def test_integer_without_a_store_quarantines():
    s = rule("00100020", "@integer(this,ptid)", integers=False)
    res, _ = run(s, dataset(PatientID="P"))
    assert res.status == "quarantined" and res.code == "RUN05"


def test_lookup_actions(tmp_path):
    lut = tmp_path / "t.properties"
    lut.write_text("ptid/P1 = A1\nind/P1 = @ptid/P1\nname/DOE = X\n", encoding="utf-8")
    ds = dataset(PatientID="P1", PatientName="Doe", InstitutionName="Inst",
                 StationName="S", StudyDescription="D", SeriesDescription="SD", ImageComments="C")
    s = script('<e en="T" t="00100020" n="a">@lookup(this,ptid)</e>'
               '<e en="T" t="00200010" n="b">@always()@lookup(PatientID,ind)</e>'
               '<e en="T" t="00100010" n="c">@lookup(this,name,UC)</e>'
               '<e en="T" t="00080080" n="d">@lookup(this,inst,keep)</e>'
               '<e en="T" t="00081010" n="e">@lookup(this,st,default,"DEF")</e>'
               '<e en="T" t="00081030" n="f">@lookup(this,desc,empty)</e>'
               '<e en="T" t="0008103e" n="g">@lookup(this,desc,remove)</e>'
               '<e en="T" t="00204000" n="h">@lookup(this,com,ignore,"[A-Z]")</e>',
               lookup_path=str(lut))
    res, out = run(s, ds)
    assert res.status == "ok", res.message
    assert out.PatientID == "A1" and out.StudyID == "A1" and out.PatientName == "X"
    assert out.InstitutionName == "Inst" and out.StationName == "DEF"
    assert out.StudyDescription == "" and "SeriesDescription" not in out
    assert out.ImageComments == "C"
    res, _ = run(rule("00100020", "@lookup(this,ptid)", lookup_path=str(lut)), dataset(PatientID="P9"))
    assert res.status == "quarantined" and res.code == "RUN03"
    assert "missing key (ptid/P9)" in res.message


# ------------------------------------------------------------------ text and values

def test_contents_with_regular_expressions():
    assert v('@contents(PatientName,"\\\\^.*")') == "Doe"
    assert v('@contents(InstitutionName,"[aeiou]")') == "St. Elswhr"
    assert v('@contents(PatientName,"(\\\\w+)\\\\^(\\\\w+).*","$2 $1")') == "John Doe"
    assert v('@contents(PatientName,"a","b","c")') == ""


def test_value_param_and_case():
    s = script('<p t="P"> padded </p>'
               '<e en="T" t="00204000" n="a">@value(Missing,"dflt")|@param(@P)|@param(@NOPE)|'
               '@uppercase(PatientName)|@lowercase(PatientName)</e>')
    _, out = run(s, dataset(PatientName="Doe^Jo", ImageComments="x"))
    assert out.ImageComments == "dflt| padded |null|DOE^JO|doe^jo"


def test_truncate_pathelement_round_initials():
    assert v("@truncate(PatientID,3)") == "PID"
    assert v("@truncate(PatientID,-2)") == "12"
    assert v("@truncate(PatientID,x)") == "PID 12"
    assert v("@pathelement(StudyID,1)|@pathelement(StudyID,-1)|@pathelement(StudyID,9)") == \
        "02|path|2020/02/29/path"
    assert v("@round(PatientAge,5)|@round(PatientAge,x)") == "045Y|(PatientAge,x)"
    assert v("@initials(PatientName)|@initials(PatientName,-1)|@initials(Missing)") == "JQD|IPC|X"


def test_if_conditions():
    body = ('@if(PatientName,contains,"john"){C}{c}@if(PatientName,equals,"DOE^JOHN^Q"){E}{e}'
            '@if(PatientName,matches,"Doe.*"){M}{m}@if(Missing,isblank){B}{b}'
            '@if(PatientSex,exists){X}{x}@if(PatientAge,greaterthan,40){G}{g}'
            '@if(PatientName,bogus,x){U}{u}@if(PatientName){V}{v}')
    assert v(body) == "CEMBXGuv"


def test_if_operand_parameters():
    s = script('<p t="M">doe</p><e en="T" t="00204000" n="a">'
               '@if(PatientName,contains,@M){P}{p}@if(PatientName,contains,@NOPE){Q}{q}</e>')
    _, out = run(s, dataset(PatientName="Doe^J", ImageComments="x"))
    assert out.ImageComments == "Pq"


def test_select_append_require_always():
    ds = dataset(OtherPatientIDs=["A", "B"], PatientName="N", ImageComments="c")
    assert value_after("00101000", "@append(){C}", ds) == ["A", "B", "C"]
    assert value_after("00204000", "@select(){root}{item}", ds) == "root"
    assert value_after("00101005", "@require(PatientName,\"d\")", ds) is None
    assert value_after("00101005", "@always()@require(PatientName,\"d\")", ds) == "N"
    assert value_after("00101005", "@always()@require(Missing,\"   \")", ds) == ""
    assert value_after("00120063", "@always()@append(){method}", ds) == "method"


def test_quarantine_and_skip():
    res, out = run(rule("00100010", "@if(this,equals,X){@quarantine()}{@keep()}"),
                   dataset(PatientName="X"))
    assert (res.status, res.code, out) == ("quarantined", "RUN02", None)
    res, out = run(rule("00100010", "@skip()"), dataset(PatientName="X"))
    assert (res.status, res.code, res.data) == ("skipped", "RUN01", None)


def test_process_applies_rules_inside_items():
    item = Dataset()
    item.PatientName = "Inner"
    ds = dataset(PatientName="Outer", ReferencedSeriesSequence=Sequence([item]))
    s = script('<e en="T" t="00081115" n="s">@process()</e>'
               '<e en="T" t="00100010" n="p">@select(){ROOT}{ITEM-@contents(root:PatientName)}</e>')
    _, out = run(s, ds)
    assert out.PatientName == "ROOT"
    assert out.ReferencedSeriesSequence[0].PatientName == "ITEM-Outer"


def test_call_without_a_plugin_quarantines_and_with_one_runs():
    from ctpx.engine import plugins
    res, _ = run(rule("00100010", "@call(nosuch,PatientID)"), dataset(PatientName="X"))
    assert res.status == "quarantined" and res.code == "RUN06"
    plugins.register("upper", lambda call: call.value(call.args[0]).upper() + str(len(call.args)))
    try:
        res, out = run(rule("00100010", "@call(upper,this)"), dataset(PatientName="ab"))
        assert out.PatientName == "AB1"
    finally:
        plugins.unregister("upper")


def test_unknown_functions_and_markers_are_text():
    assert v("@nosuchfn(a, b)text") == "@nosuchfn(a,b)text"
    assert v("@Hash(this)") == "@Hash(this)"
    assert v("keep me @remove() not") == ""
    assert v("prefix @keep()") == "prefix @keep()"
    assert v("@foo bar") == ""
