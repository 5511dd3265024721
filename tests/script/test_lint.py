"""Lint rules, one failing and one passing script per code (sqlfluff style)."""
from __future__ import annotations

import pytest

from ctpx.findings import Severity
from ctpx.script import load_text
from ctpx.script.lint import RULES, lint_script


def S(body: str) -> str:
    return f"<script>\n{body}\n</script>\n"


E = '<e en="T" t="{t}" n="{n}">{b}</e>'

CASES = {
    "SC01": (S(E.format(t="00100020", n="PatientID", b="@hashuid(@UIDROOT,this)")),
             S('<p t="UIDROOT">1.2.3</p>' + E.format(t="00100020", n="PatientID",
                                                      b="@hashuid(@UIDROOT,this)"))),
    "SC02": (S(E.format(t="00100010", n="A", b="@remove()") + E.format(t="00100010", n="B",
                                                                       b="@keep()")),
             S(E.format(t="00100010", n="A", b="@remove()")
               + '<e en="F" t="00100010" n="B">@keep()</e>')),
    "SC03": (S(E.format(t="00100010", n="A", b="x") + E.format(t="00100010", n="A", b="y")),
             S(E.format(t="00100010", n="A", b="x"))),
    "SC04": (S(E.format(t="00100010", n="PatientName", b="@Hash(this)")),
             S(E.format(t="00100010", n="PatientName", b="@hash(this)"))),
    "SC05": (S(E.format(t="00100010", n="PatientName", b="@hashuid(this)")),
             S('<p t="R">1</p>' + E.format(t="00100010", n="PatientName",
                                           b="@hashuid(@R,this)"))),
    "SC06": (S('<r en="T" t="0029">Keep group 0029</r>'),
             S('<r en="T" t="privategroups">Remove private groups</r>')),
    "SC07": (S('<k en="T" t="group18">x</k>'), S('<k en="T" t="0018">x</k>')),
    "SC08": (S(E.format(t="00080090", n="ReferringPhysicianName", b="")),
             S(E.format(t="00080090", n="ReferringPhysicianName", b="@empty()"))),
    "SC09": (S(E.format(t="00080018", n="SOPInstanceUID", b="@uid")),
             S(E.format(t="00080018", n="SOPInstanceUID", b="\\@uid"))),
    "SC10": (S(E.format(t="00080070", n="Manufacturer", b="@contents(this")),
             S(E.format(t="00080070", n="Manufacturer", b="@contents(this)"))),
    "SC11": (S(E.format(t="00100030", n="PatientBirthDate", b="@if(this,exists) trailing")),
             S(E.format(t="00100030", n="PatientBirthDate", b="@if(this,exists){a}{b}"))),
    "SC12": (S(E.format(t="00603000", n="OverlayData", b="@remove()")),
             S(E.format(t="60003000", n="OverlayData", b="@remove()"))),
    "SC13": (S(E.format(t="00181030", n="ProtocolName", b="@require()")),
             S(E.format(t="00181030", n="ProtocolName", b="@always()@require()"))),
    "SC14": (S(E.format(t="0009[ACME 1.0]", n="Acme", b="@remove()")),
             S(E.format(t="0009[ACME 1.0]01", n="Acme", b="@remove()"))),
    "SC15": (S(E.format(t="(0010,0010)", n="PatientName", b="@remove()")),
             S(E.format(t="00100010", n="PatientName", b="@remove()"))),
    "SC16": (S(E.format(t="00081115", n="RefSeriesSeq", b="@keep()@process()")),
             S(E.format(t="00081115", n="RefSeriesSeq", b="@process()"))),
    "SC17": (S(E.format(t="00120062", n="PatientIdentityRemoved", b="YES@always()")),
             S(E.format(t="00120062", n="PatientIdentityRemoved", b="@always()YES"))),
    "SC18": (S(E.format(t="00204000", n="ImageComments",
                        b="@contents(ReferencedSeriesSequence::PatientName)")),
             S(E.format(t="00204000", n="ImageComments", b="@contents(RefSeriesSeq::PatientName)"))),
    "SC19": (S('<e en="true" t="00100010" n="PatientName">@remove()</e>'),
             S('<e en="F" t="00100010" n="PatientName">@remove()</e>')),
    "SC20": (S('<group/>'), S('<!-- a comment -->' + E.format(t="00100010", n="N", b="x"))),
    "SC21": (S(E.format(t="00101000", n="OtherPatientIDs", b="@hash(@contents(PatientID))")),
             S(E.format(t="00101000", n="OtherPatientIDs", b="@hash(PatientID)"))),
    "SC22": (S(E.format(t="00100010", n="PatientName", b="@if(this,startswith,X){a}{b}")),
             S(E.format(t="00100010", n="PatientName", b="@if(this,contains,X){a}{b}"))),
    "SC23": (S(E.format(t="00081030", n="StudyDescription", b="prefix @keep()")),
             S(E.format(t="00081030", n="StudyDescription", b="@keep()"))),
}


def test_every_rule_has_cases():
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fails_and_passes(code):
    bad, good = CASES[code]
    assert code in {f.code for f in lint_script(load_text(bad, "bad.script"))}
    assert code not in {f.code for f in lint_script(load_text(good, "good.script"))}


def test_rules_are_documented():
    for r in RULES.values():
        assert r.code.startswith("SC") and "." in r.name and r.summary and len(r.doc) > 40
        assert isinstance(r.severity, Severity)


def test_findings_have_locations():
    s = load_text(CASES["SC04"][0], "bad.script")
    (f,) = [f for f in lint_script(s) if f.code == "SC04"]
    assert (f.span.file, f.span.line, f.span.col) == ("bad.script", 2, 40)
    assert f.record()["location"] == "bad.script:2:40"


def test_select_and_ignore():
    s = load_text(CASES["SC01"][0] + "")
    assert lint_script(s, ignore=["SC01"]) == []
    assert {f.code for f in lint_script(s, select=["SC01"])} == {"SC01"}
