"""ctpx diff: keyed, effect-based comparison of two scripts."""
from __future__ import annotations

import json
import os

import pytest

from ctpx.cli import main
from ctpx.diff import Category, category_of, diff_scripts
from ctpx.script import load_script, load_text

from .conftest import SHARED


def S(*lines: str, flags: str = "") -> str:
    return "<script>\n" + "\n".join(lines) + flags + "\n</script>\n"


def E(t: str, body: str, n: str = "x", en: str = "T") -> str:
    return f'<e en="{en}" t="{t}" n="{n}">{body}</e>'


RUE = '<r en="T" t="unspecifiedelements">x</r>'


def diff(a: str, b: str, **kw):
    return diff_scripts(load_text(a, "A.script"), load_text(b, "B.script"), **kw)


def keys(result, kind="rule"):
    return {d.key for d in result.differences if d.kind == kind}


# ---------------------------------------------------------------------------------------------
# equivalences

def test_self_diff_is_empty():
    a = S(E("00100010", "@hash(this,8)"), E("00080020", "@incrementdate(this,@D)"),
          '<p t="D">-10</p>', flags='<r en="T" t="privategroups">x</r>')
    r = diff(a, a)
    assert r.equivalent and r.differences == [] and r.exit_code == 0


def test_whitespace_and_labels_do_not_matter():
    a = S(E("00100010", "@hash(this,64)", n="PatientName"))
    b = S(E("00100010", "@hash(this, 64)", n="PatientsName"))
    assert diff(a, b).equivalent


def test_tag_case_and_order_do_not_matter():
    a = S(E("0008103E", "@keep()"), E("00100010", "@remove()"))
    b = S(E("00100010", "@remove()"), E("0008103e", "@keep()"))
    assert diff(a, b).equivalent


def test_absent_rule_equals_keep_while_unspecified_elements_is_off():
    a = S(E("00100010", "@remove()"))
    b = S(E("00100010", "@remove()"), E("00081030", "@keep()"))
    assert diff(a, b).equivalent


def test_absent_rule_differs_from_keep_when_unspecified_elements_is_on():
    a = S(E("00100010", "@remove()"), flags=RUE)
    b = S(E("00100010", "@remove()"), E("00081030", "@keep()"), flags=RUE)
    r = diff(a, b)
    assert keys(r) == {"(0008,1030)"}
    (d,) = r.of_kind("rule")
    assert d.phrase == "descriptors: removed \u2192 kept"
    assert d.category is Category.DESCRIPTORS


def test_disabled_rules_are_reported_only_on_request():
    a = S(E("00100010", "@remove()", en="F"))
    b = S(E("00100010", "@hash(this)", en="F"))
    assert diff(a, b).equivalent
    r = diff(a, b, include_disabled=True)
    assert [d.kind for d in r.differences] == ["disabled"]
    assert r.exit_code == 1


def test_symmetry():
    a = S(E("00100010", "@hash(this,8)"), E("00080020", "@date()"), '<p t="R">1.2</p>',
          E("0020000d", "@hashuid(@R,this)"))
    b = S(E("00100010", "@lookup(this,ptid)"), E("00080020", "@incrementdate(this,-5)"),
          '<p t="R">1.3</p>', E("0020000d", "@hashuid(@R,this)"),
          flags='<r en="T" t="privategroups">x</r>')
    ab, ba = diff(a, b, expand=True), diff(b, a, expand=True)
    fwd = {(d.kind, d.key, d.level): (d.a_effect, d.b_effect) for d in ab.differences}
    back = {(d.kind, d.key, d.level): (d.b_effect, d.a_effect) for d in ba.differences}
    assert fwd == back and len(fwd) == 5


def test_parameter_changes_fold_their_rules():
    a = S('<p t="DATEINC">-10</p>', E("00080020", "@incrementdate(this,@DATEINC)"),
          E("00080021", "@incrementdate(this,@DATEINC)"))
    b = a.replace(">-10<", ">-20<")
    r = diff(a, b)
    (p,) = r.differences
    assert p.kind == "parameter" and p.key == "DATEINC"
    assert p.used_by == ("(0008,0020)", "(0008,0021)")
    r = diff(a, b, expand=True)
    rules = r.of_kind("rule")
    assert {d.key for d in rules} == {"(0008,0020)", "(0008,0021)"}
    assert all(d.cause == "parameter DATEINC" for d in rules)
    assert rules[0].phrase == "dates: shifted by -10 days \u2192 shifted by -20 days"


def test_global_flag_reported_once_with_its_effect():
    a = S(E("00100010", "@remove()"))
    b = S(E("00100010", "@remove()"), flags='<r en="T" t="privategroups">x</r>')
    r = diff(a, b)
    (f,) = r.differences
    assert f.kind == "flag" and f.key == "privategroups" and f.category is Category.PRIVATE
    assert "private elements without a rule are removed" in f.phrase


def test_keep_group_without_removal_flags_is_noted_as_inert():
    r = diff(S(E("00100010", "@remove()")), S(E("00100010", "@remove()"),
                                               '<k en="T" t="0018">keep</k>'))
    (f,) = r.differences
    assert f.key == "keep group 0018" and "no effect here" in f.phrase


def test_item_level_difference():
    a = S(E("00100010", "@select(){@hash(this)}{@remove()}"))
    b = S(E("00100010", "@select(){@hash(this)}{@keep()}"))
    r = diff(a, b)
    (d,) = r.differences
    assert d.level == "item" and "inside sequence items" in d.phrase


def test_categories():
    assert category_of(0x00100010) is Category.IDENTITY
    assert category_of(0x00080020) is Category.DATES
    assert category_of(0x0020000D) is Category.UIDS
    assert category_of(0x00081030) is Category.DESCRIPTORS
    assert category_of(0x00181000) is Category.DEVICE
    assert category_of(0x00080080) is Category.INSTITUTION
    assert category_of(0x00101010) is Category.PATIENT
    assert category_of(0x00091001) is Category.PRIVATE
    assert category_of(0x00081115) is Category.SEQUENCES
    assert category_of(0x00280010) is Category.STRUCTURE


# ---------------------------------------------------------------------------------------------
# the worked example: TCIA-Basic vs Health-RI strict (hand-verified against both files)

TCIA = os.path.join(SHARED, "ctp-scripts", "tcia", "TCIA-Basic")
HRI = os.path.join(SHARED, "ctp-scripts", "healthri", "trait_ctp", "legacy", "configurations",
                   "default_config", "strict", "ctpConfig", "projectName", "siteName",
                   "anonymizer.properties")


@pytest.fixture(scope="module")
def tcia_vs_hri(shared_dir):
    return diff_scripts(load_script(TCIA), load_script(HRI), expand=True)


EXPECTED = {
    # tag: (category, phrase after the category)
    "(0010,0010)": (Category.IDENTITY, "looked up (ptid) \u2192 hashed (@hash, 64 digits)"),
    "(0010,0020)": (Category.IDENTITY, "looked up (ptid) \u2192 hashed (@hash, 64 digits)"),
    "(0008,0020)": (Category.DATES, "shifted by a non-numeric parameter \u2192 set to the "
                                    "processing date"),
    "(0008,0030)": (Category.DATES, "kept \u2192 set to the processing time"),
    "(0010,0040)": (Category.PATIENT, "kept \u2192 emptied"),
    "(0010,1010)": (Category.PATIENT, "kept \u2192 removed"),
    "(0018,1000)": (Category.DEVICE, "kept \u2192 removed"),
    "(0054,0016)": (Category.SEQUENCES, "items processed \u2192 removed"),
    "(0040,4025)": (Category.SEQUENCES, "kept \u2192 removed"),
    "(0018,0015)": (Category.STRUCTURE, "set to 'Enter Body Part Exami'... (created if missing) "
                                        "\u2192 kept"),
    "(0028,0303)": (Category.STRUCTURE, "set to 'MODIFIED' (created if missing) \u2192 set to "
                                        "'REMOVED' (created if missing)"),
    "(0013,0010)": (Category.PRIVATE, "set to 'CTP' (created if missing) \u2192 removed"),
}


def test_tcia_vs_healthri_strict(tcia_vs_hri):
    root = {d.key: d for d in tcia_vs_hri.of_kind("rule") if d.level == "root"}
    for tag, (cat, phrase) in EXPECTED.items():
        d = root[tag]
        assert d.category is cat, tag
        assert d.phrase == f"{cat}: {phrase}", tag
    # both keep the study and series descriptions: no difference
    assert "(0008,1030)" not in root and "(0008,103E)" not in root
    # the UIDs differ only through UIDROOT
    assert root["(0020,000D)"].cause == "parameter UIDROOT"
    (flag,) = tcia_vs_hri.of_kind("flag")
    assert flag.key == "privategroups" and (flag.a_effect, flag.b_effect) == ("off", "on")
    codes = root["(0012,0064)"]
    assert "113100/113101/113105/113107/113108/113109/113111" in codes.a_effect
    assert codes.b_effect.startswith("de-identification codes 113100 ")


def test_tcia_vs_healthri_default_view_folds_uid_rules(shared_dir):
    r = diff_scripts(load_script(TCIA), load_script(HRI))
    assert "(0020,000D)" not in keys(r)
    (uidroot,) = [d for d in r.of_kind("parameter") if d.key == "UIDROOT"]
    assert "(0020,000D)" in uidroot.used_by


def test_with_check_marks_which_side_meets_ps315(shared_dir, capsys):
    r = diff_scripts(load_script(TCIA), load_script(HRI), check_options=[])
    root = {d.key: d for d in r.of_kind("rule") if d.level == "root"}
    # Basic Profile: Patient's Sex is Z; TCIA keeps it, Health-RI strict empties it
    assert (root["(0010,0040)"].a_meets, root["(0010,0040)"].b_meets) == (False, True)
    assert main(["diff", TCIA, HRI, "--with-check", "retain-patient-chars", "--format",
                 "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    sex = [x for x in data["sections"]["differences"] if x["key"] == "(0010,0040)"][0]
    assert (sex["a_meets"], sex["b_meets"]) == (True, False)


def test_cli_exit_codes_and_formats(tmp_path, capsys):
    a = tmp_path / "a.script"
    a.write_text(S(E("00100010", "@remove()")))
    b = tmp_path / "b.script"
    b.write_text(S(E("00100010", "@empty()")))
    assert main(["diff", str(a), str(a)]) == 0
    assert "equivalent" in capsys.readouterr().out
    for fmt in ("table", "json", "csv", "markdown", "html"):
        assert main(["diff", str(a), str(b), "--format", fmt]) == 1
        assert "(0010,0010)" in capsys.readouterr().out
    assert main(["diff", str(a), str(tmp_path / "missing.script")]) == 2
    assert "IO01" in capsys.readouterr().err
    assert main(["diff", str(a), str(b), "--with-check", "retain-long-full-dates",
                 "retain-long-modified-dates"]) == 2
    assert "USE01" in capsys.readouterr().err
