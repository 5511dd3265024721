"""The legacy Java-properties script form."""
from __future__ import annotations

import pytest

from ctpx.errors import ParseError
from ctpx.script import load_text
from ctpx.script.ir import ElementRule, KeepRule, OpaqueNode, Param, RemoveFlag, ScriptForm, TagKind

F14 = r"""# f14: the legacy Java-Properties script format (no XML).
param.UIDROOT=1.2.3.4
param.SITE=Site 9
set.[0010,0010]PatientName=@hash(this,6)
set.[0008,0080]InstitutionName=a\\\\b
set.[0008,1030]StudyDescription=@contents(this,"\\\\s","_")
set.[0008,103E]SeriesDescription=tab\tnext \u00e9t\u00e9
#set.[0008,0090]ReferringPhysicianName=@remove()
set.[0008,0090]ReferringPhysicianName=@empty()
set.[0020,000D]StudyInstanceUID : @hashuid(@UIDROOT,this)
set.[0020,000E]SeriesInstanceUID   @hashuid(@UIDROOT,this)
set.[0008,0020]StudyDate=@incrementdate(this,-1)\
    @always()
set.[0009,[ACME\ 1.0]01]AcmeSecret=@hash(this,4)
keep.group0018=
keep.safeprivateelements=
remove.privategroups=
remove.overlays=
"""


def test_legacy_form():
    s = load_text(F14, "f14.properties")
    assert s.form is ScriptForm.PROPERTIES
    assert s.params == {"UIDROOT": "1.2.3.4", "SITE": "Site 9"}
    rules = {r.tag.canonical(): r for r in s.rules if r.enabled}
    # properties escaping first (\\\\ -> \\), then the script escape (\\ -> \)
    assert rules["00080080"].text == "a\\\\b"
    assert rules["00080080"].expr.parts[0].value == "a\\b"
    assert rules["00081030"].expr.parts[0].args[1].raw == '"\\s"'
    assert rules["0008103e"].text == "tab\tnext été"
    assert rules["0020000d"].expr.parts[0].name == "hashuid"
    assert rules["0020000e"].expr.parts[0].name == "hashuid"
    assert rules["00080020"].text == "@incrementdate(this,-1)@always()"
    private = [r for r in s.rules if r.tag.kind is TagKind.PRIVATE][0]
    assert (private.tag.group, private.tag.creator, private.tag.element) == (9, "ACME 1.0", 1)
    assert private.label == "AcmeSecret"
    disabled = [r for r in s.rules if not r.enabled]
    assert len(disabled) == 1 and disabled[0].tag.tag == 0x00080090
    assert s.keep_groups == frozenset({0x18}) and s.keep_safe_private
    assert s.flags == frozenset({RemoveFlag.PRIVATE_GROUPS, RemoveFlag.OVERLAYS})
    assert s.items[0].comments == (" f14: the legacy Java-Properties script format (no XML).",)


def test_spans_in_properties():
    s = load_text("param.X=1\n\nset.[0010,0010]PatientName=ab@hash(this)\n", "p.properties")
    r = s.rules[0]
    assert (r.span.line, r.span.col) == (3, 1)
    assert r.expr.parts[1].span.col == 30


def test_unknown_keys_are_kept():
    s = load_text("param.X=1\nfoo.bar=2\n")
    assert isinstance(s.items[1], OpaqueNode) and s.items[1].xml == "foo.bar=2"


def test_bad_unicode_escape_is_coded():
    with pytest.raises(ParseError) as e:
        load_text("param.X=\\u12G4\n", "p.properties")
    assert e.value.code == "PRS02" and e.value.span.line == 1


def test_same_ir_as_xml():
    xml = load_text('<script><p t="X">1</p><e en="T" t="00100010" n="PatientName">@hash(this,6)'
                    '</e><e en="F" t="00100020" n="PatientID">@remove()</e>'
                    '<k en="T" t="0018">keep</k><r en="T" t="curves">rc</r></script>')
    props = load_text("param.X=1\nset.[0010,0010]PatientName=@hash(this,6)\n"
                      "#set.[0010,0020]PatientID=@remove()\nkeep.group0018=keep\n"
                      "remove.curves=rc\n")
    assert xml == props
    assert all(isinstance(i, (Param, ElementRule, KeepRule)) or i.flag for i in props.items)
