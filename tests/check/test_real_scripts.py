"""ctpx check on three real scripts, with expectations verified by reading each rule by hand."""
from __future__ import annotations

import os

import pytest

from ctpx.check import check_script
from ctpx.script import load_script

BASIC = "ctp-default/profiles/DICOM-PS3.15-Basic"
TCIA = "tcia/TCIA-Basic"
HEALTHRI = ("healthri/trait_ctp/legacy/configurations/default_config/strict/ctpConfig/"
            "projectName/siteName/anonymizer.properties")


def _check(ctp_scripts_dir, rel, options=()):
    path = os.path.join(ctp_scripts_dir, rel)
    if not os.path.exists(path):
        pytest.skip(f"{rel} is not in ../shared")
    return check_script(load_script(path), options)


def _by_tag(result):
    out: dict[str, set[str]] = {}
    for d in result.deviations:
        out.setdefault(d.tag, set()).add(d.code)
    return out


# tag -> the codes expected there (empty: no deviation). Each was checked against the rule text.
BASIC_EXPECTED = {
    "(0010,0010)": set(),        # @hash(this, 64): Z is met by a replacement value
    "(0010,0020)": set(),        # @hash(this, 64): Z/D
    "(0008,0050)": set(),        # @hash(this,16): Z
    "(0008,0020)": set(),        # @date(): a dummy date satisfies Z
    "(0020,000E)": set(),        # @hashuid(@UIDROOT,this): U
    "(0008,1030)": set(),        # @remove(): X
    "(0018,1012)": {"DI13"},     # @date() where the table says X
    "(0040,A075)": {"DI03"},     # @empty() where D requires a non-empty value
    "(0040,A730)": {"DI03"},     # ContentSeq @remove() where D
    "(4008,010B)": {"DI10"},     # InterpretationText @keep()
    "(50xx,xxxx)": {"DI01"},     # remove curves is inert in CTP without unspecifiedelements
    "(60xx,3000)": set(),        # remove overlays
    "(gggg,eeee)": set(),        # remove private groups
    "(0010,2161)": {"DI12"},     # Ethnic Group Code Sequence: no rule
    "(0012,0062)": set(),        # @always()YES
    "(0028,0303)": set(),        # @always()REMOVED
}

HEALTHRI_EXPECTED = dict(BASIC_EXPECTED)
HEALTHRI_EXPECTED.update({"(0008,1030)": {"DI10"}, "(0008,103E)": {"DI10"}})

TCIA_EXPECTED = {
    "(0010,0010)": set(),        # @lookup(PatientID,ptid)
    "(0010,0020)": set(),        # @lookup(this,ptid)
    "(0010,0040)": {"DI01"},     # PatientSex @keep() where Z
    "(0008,0020)": {"DI08"},     # @incrementdate(this,@DATEINC) without Modified Dates
    "(0008,0030)": {"DI07"},     # StudyTime @keep()
    "(0008,1030)": {"DI10"},     # StudyDescription @keep()
    "(0018,1002)": {"DI02"},     # DeviceUID @keep() where U
    "(0008,1084)": {"DI04"},     # AdmittingDiagnosesCodeSeq @keep(): items untouched
    "(0020,000D)": set(),        # @hashuid(@UIDROOT,this)
    "(gggg,eeee)": {"DI05"},     # <r en="F" t="privategroups">
    "(0013,1010)": {"DI13"},     # CTP's project stamp written into a private element
    "(0028,0303)": {"DI16"},     # MODIFIED although no date option is checked
    "(0012,0062)": set(),        # @always()YES
}

TCIA_MODIFIED_EXPECTED = {
    "(0008,0020)": set(),        # now C: a shift is what the option asks for
    "(0008,0030)": set(),        # a time of day kept beside shifted dates
    "(0028,0303)": set(),        # MODIFIED matches the option
    "(0010,0040)": {"DI01"},     # the option does not cover Patient Sex
}


@pytest.mark.parametrize("rel,options,expected", [
    (BASIC, (), BASIC_EXPECTED),
    (HEALTHRI, (), HEALTHRI_EXPECTED),
    (TCIA, (), TCIA_EXPECTED),
    (TCIA, ("retain-long-modified-dates",), TCIA_MODIFIED_EXPECTED),
], ids=["basic", "healthri-strict", "tcia", "tcia-modified-dates"])
def test_hand_verified_tags(ctp_scripts_dir, rel, options, expected):
    got = _by_tag(_check(ctp_scripts_dir, rel, options))
    for tag, codes in expected.items():
        assert got.get(tag, set()) == codes, tag


def test_tcia_claims_options_it_does_not_meet(ctp_scripts_dir):
    r = _check(ctp_scripts_dir, TCIA)
    s = r.summary()
    assert "clean-descriptors" in s["options_claimed_in_0012_0064"]
    assert "clean-descriptors" not in s["options_satisfied"]
    assert r.exit_code == 1


def test_pseudonymisation_of_real_scripts(ctp_scripts_dir):
    basic = {p.tag: str(p.classification) for p in _check(ctp_scripts_dir, BASIC).pseudonyms}
    tcia = {p.tag: str(p.classification) for p in _check(ctp_scripts_dir, TCIA).pseudonyms}
    assert basic["(0010,0020)"] == "unkeyed hash"
    assert tcia["(0010,0020)"] == "keyed pseudonym"
    assert tcia["(0010,0010)"] == "keyed pseudonym"
    assert basic["(0008,0080)"] == "anonymised"
