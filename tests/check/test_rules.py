"""Each deviation code: a small failing and a passing script (tests/check/cases/rules.py)."""
from __future__ import annotations

import os

import pytest

from ctpx.check import RULES, check_script
from ctpx.script import load_text

from .cases.rules import CASES

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _codes_at(body: str, options, tag: str) -> set[str]:
    result = check_script(load_text("<script>" + body + "</script>"), options)
    return {d.code for d in result.deviations if d.tag == tag}


def _id(case):
    return f"{case['code']}-{'+'.join(case['options']) or 'basic'}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_failing_script_reports_the_code(case):
    code = case.get("fail_code", case["code"])
    tag = case.get("fail_tag", case["tag"])
    assert code in _codes_at(case["fail"], case["options"], tag), case["why"]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_passing_script_does_not(case):
    assert case["code"] not in _codes_at(case["pass"], case["options"], case["tag"]), case["why"]


def test_every_code_has_cases_and_a_doc_entry():
    with open(os.path.join(ROOT, "docs", "codes.md"), encoding="utf-8") as f:
        doc = f.read()
    assert "## Check (DI)" in doc
    for code, rule in RULES.items():
        assert any(c["code"] == code for c in CASES), f"{code} has no case"
        assert f"### {code} `{rule.name}`" in doc, f"{code} is missing from docs/codes.md"
        assert rule.doc == f"docs/codes.md#{code.lower()}"


def test_options_change_the_expected_action_not_the_codes():
    body = '<e en="T" t="00101010" n="a">@keep()</e><e en="T" t="00101020" n="a">@remove()</e>'
    basic = check_script(load_text("<script>" + body + "</script>"))
    chars = check_script(load_text("<script>" + body + "</script>"), ["retain-patient-chars"])
    by_tag = lambda r: {d.tag: d for d in r.deviations}
    assert "(0010,1010)" in by_tag(basic) and "(0010,1010)" not in by_tag(chars)
    assert by_tag(chars)["(0010,1020)"].code == "DI09"
    assert by_tag(chars)["(0010,1020)"].required == "K"
    assert by_tag(chars)["(0010,1020)"].citation == \
        "PS3.15 2024c Table E.1-1: Retain Patient Characteristics K"


def test_conditional_reports_the_branch_that_deviates():
    body = '<e en="T" t="00100020" n="a">@if(this,contains,"X"){@keep()}{@hash(this)}</e>'
    devs = check_script(load_text("<script>" + body + "</script>")).deviations
    dev = next(d for d in devs if d.tag == "(0010,0020)")
    assert dev.code == "DI01" and dev.when == "this contains 'X'"


def test_blank_branch_is_not_a_leak():
    body = '<e en="T" t="0040a075" n="a">@if(this,isblank){@keep()}{Removed}</e>'
    devs = check_script(load_text("<script>" + body + "</script>")).deviations
    assert not [d for d in devs if d.tag == "(0040,A075)"]


def test_sequence_message_lists_what_the_table_says_inside():
    body = '<e en="T" t="00400275" n="a">@keep()</e>'
    dev = next(d for d in check_script(load_text("<script>" + body + "</script>")).deviations
               if d.tag == "(0040,0275)")
    assert "AccessionNumber Z" in dev.message and "StudyInstanceUID U" in dev.message


def test_select_keeps_uid_at_root_only():
    body = ('<p t="R">1.2</p><e en="T" t="0020000d" n="a">@select(){@keep()}{@hashuid(@R,this)}'
            '</e><e en="T" t="00081115" n="a">@process()</e>')
    devs = [d for d in check_script(load_text("<script>" + body + "</script>")).deviations
            if d.tag == "(0020,000D)"]
    assert [(d.code, d.level) for d in devs] == [("DI02", "root")]


def test_pseudonymisation_review():
    body = ('<p t="R">1.2</p><e en="T" t="00100010" n="a">@hash(this,64)</e>'
            '<e en="T" t="00100020" n="a">@lookup(this,ptid)</e>'
            '<e en="T" t="00080050" n="a">@empty()</e>'
            '<e en="T" t="0020000d" n="a">@hashuid(@R,this)</e>')
    rows = {p.tag: str(p.classification)
            for p in check_script(load_text("<script>" + body + "</script>")).pseudonyms}
    assert rows["(0010,0010)"] == "unkeyed hash"
    assert rows["(0010,0020)"] == "keyed pseudonym"
    assert rows["(0008,0050)"] == "anonymised"
    assert rows["(0020,000D)"] == "unkeyed hash"


def test_mode_safe_processes_sequences():
    body = '<e en="T" t="00400275" n="a">@keep()</e>'
    ctp = check_script(load_text("<script>" + body + "</script>"), mode="ctp")
    safe = check_script(load_text("<script>" + body + "</script>"), mode="safe")
    assert any(d.code == "DI04" for d in ctp.deviations)
    assert not any(d.code == "DI04" for d in safe.deviations)
