"""XML scripts: CTP's reading rules, and refusal of malformed or hostile files."""
from __future__ import annotations

import time

import pytest

from ctpx.errors import ScriptReadError, XmlError
from ctpx.script import load_script, load_text
from ctpx.script.ir import ElementRule, OpaqueNode, Param, RemoveFlag, TagKind
from ctpx.script.loader import MAX_BYTES, is_xml


def test_any_root_name_and_only_direct_children():
    s = load_text('<anonymizer><p t="X">1</p><group><e en="T" t="00100010">x</e></group>'
                  '<e en="T" t="00100020" n="PatientID">@hash(this)</e></anonymizer>')
    assert s.root_name == "anonymizer"
    assert [type(i) for i in s.items] == [Param, OpaqueNode, ElementRule]
    assert [r.tag.tag for r in s.enabled_rules] == [0x00100020]


def test_values_trimmed_for_rules_not_for_params():
    s = load_text('<script><p t="P"> padded </p><e en="T" t="00100010" n="N">\n  YES \n</e>'
                  '</script>')
    assert s.params == {"P": " padded "}
    assert s.rules[0].text == "YES"


def test_en_must_be_exactly_T():
    s = load_text('<script><e en="T" t="00100010">a</e><e en="t" t="00100020">b</e>'
                  '<e t="00100030">c</e><e en="true" t="00100040">d</e></script>')
    assert [r.enabled for r in s.rules] == [True, False, False, False]
    assert [r.en for r in s.rules] == ["T", "t", None, "true"]


def test_entities_cdata_crlf_tabs_utf8_and_no_final_newline():
    text = ('<!-- leading comment -->\r\n<script>\r\n\t<!-- a\tcomment -->\r\n'
            '\t<p t="AMP">a &amp; b &lt;c&gt; &quot;q&quot;</p>\r\n'
            '\t<e en="T" t="00081030" n="StudyDescription">@contents(this,"[üäßë]")</e>\r\n'
            '\t<e en="T" t="00204000" n="ImageComments"><![CDATA[<kept> & more]]></e>\r\n'
            '</script>')
    s = load_text(text)
    assert s.params["AMP"] == 'a & b <c> "q"'
    assert s.rules[0].expr.parts[0].args[1].raw == '"[üäßë]"'
    assert s.rules[1].text == "<kept> & more"
    assert s.items[0].comments == (" a\tcomment ",)


def test_keep_and_remove_targets():
    s = load_text('<script><k en="T" t="0018">x</k><k en="T" t="18">y</k>'
                  '<k en="T" t="safeprivateelements">z</k><k en="T" t="zz">w</k>'
                  '<r en="T" t="privategroups">p</r><r en="T" t="Curves">c</r>'
                  '<r en="T" t="0029">Keep group 0028</r></script>')
    assert s.keep_groups == frozenset({0x18, 0})
    assert s.keep_safe_private
    assert s.flags == frozenset({RemoveFlag.PRIVATE_GROUPS})
    assert s.removes[2].flag is None and s.removes[2].target == "0029"
    assert not s.keeps[3].valid


@pytest.mark.parametrize("t,kind,tag", [
    ("00100010", TagKind.NUMERIC, 0x00100010),
    ("0008103E", TagKind.NUMERIC, 0x0008103E),
    ("0008103e", TagKind.NUMERIC, 0x0008103E),
    ("100010", TagKind.NUMERIC, 0x10000010),      # CTP splits after 4 characters
    ("(0010,0010)", TagKind.INVALID, None),
    ("PatientSex", TagKind.INVALID, None),
    ("0010,1000", TagKind.INVALID, None),
    ("60xx3000", TagKind.INVALID, None),
    ("001", TagKind.INVALID, None),
])
def test_tag_spellings(t, kind, tag):
    s = load_text(f'<script><e en="T" t="{t}">x</e></script>')
    sel = s.rules[0].tag
    assert sel.kind is kind and sel.tag == tag


def test_private_tag_selector():
    s = load_text('<script><e en="T" t="0009[ACME 1.0]01" n="AcmeSecret">@remove()</e>'
                  '<e en="T" t="0009[ACME 1.0]">x</e></script>')
    a, b = s.rules
    assert (a.tag.kind, a.tag.group, a.tag.creator, a.tag.element) == (TagKind.PRIVATE, 9,
                                                                       "ACME 1.0", 1)
    assert b.tag.kind is TagKind.PRIVATE and b.tag.element is None


def test_spans_of_items_and_expression_nodes():
    text = '<script>\n <p t="X">1</p>\n <e en="T" t="00100010" n="N">  ab @hash(this)</e>\n</script>'
    s = load_text(text, "f.script")
    rule = s.rules[0]
    assert (rule.span.line, rule.span.col) == (3, 2)
    call = rule.expr.parts[1]
    assert (call.span.file, call.span.line, call.span.col) == ("f.script", 3, 36)


def test_malformed_xml_is_a_coded_error_with_position():
    with pytest.raises(XmlError) as e:
        load_text('<script>\n<e en="T" t="00100010">x\n</script>\n', "bad.script")
    assert e.value.code == "XML01"
    assert e.value.span.file == "bad.script" and e.value.span.line == 3
    assert "^" in e.value.render()


def test_undeclared_entity_is_malformed():
    with pytest.raises(XmlError) as e:
        load_text('<script><p t="X">&xxe;</p></script>')
    assert e.value.code == "XML01"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<script><p t="X">&lol9;</p></script>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE script [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<script><p t="X">&xxe;</p></script>
"""

EXTERNAL_DTD = '<!DOCTYPE script SYSTEM "http://example.invalid/x.dtd">\n<script/>\n'


@pytest.mark.parametrize("text,line", [(BILLION_LAUGHS, 2), (XXE, 2), (EXTERNAL_DTD, 1)])
def test_hostile_xml_is_refused_quickly(text, line):
    t0 = time.perf_counter()
    with pytest.raises(XmlError) as e:
        load_text(text, "hostile.script")
    assert time.perf_counter() - t0 < 1.0
    assert e.value.code == "XML02"
    assert e.value.span.line == line


def test_size_limit(tmp_path):
    p = tmp_path / "huge.script"
    with open(p, "wb") as f:
        f.truncate(MAX_BYTES + 1)
    with pytest.raises(ScriptReadError) as e:
        load_script(str(p))
    assert e.value.code == "IO03"


def test_not_utf8_and_missing_files(tmp_path):
    p = tmp_path / "latin1.script"
    p.write_bytes('<script><p t="X">caf\xe9</p></script>'.encode("latin-1"))
    with pytest.raises(ScriptReadError) as e:
        load_script(str(p))
    assert e.value.code == "IO02" and e.value.span.line == 1
    with pytest.raises(ScriptReadError) as e:
        load_script(str(tmp_path / "missing.script"))
    assert e.value.code == "IO01"
    with pytest.raises(ScriptReadError):
        load_script(str(tmp_path))


def test_form_detection_is_ctps_multiline_rule():
    assert is_xml("<script/>")
    assert is_xml("\n  \n<script/>")
    assert is_xml("# comment\n<script/>")           # any line may start with '<'
    assert not is_xml("param.X=1\nset.[0010,0010]N=@remove()")


def test_bom_is_ignored():
    s = load_text('\ufeff<script><p t="X">1</p></script>')
    assert s.params == {"X": "1"}
