"""Rule-expression grammar: CTP's scanning rules, quirks as nodes, and print/parse round trips."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctpx.script.grammar import element_ref, parse_value, unparse, unparse_arg
from ctpx.script.ir import (Always, Append, Call, ElementList, ElementRef, If, Literal, NameKind,
                            ParamRef, Select, Text, Truncated, Value)


def parts(text):
    return parse_value(text).parts


def test_plain_text_and_escapes():
    assert parts("YES") == (Text("YES"),)
    assert parts(r"user\@example.com") == (Text("user@example.com"),)
    assert parts(r"a\\b\c") == (Text("a\\bc"),)
    assert parts("") == ()


def test_text_and_calls_mixed():
    p = parts("@param(@SHORTNAME)-@hashptid(@SITEID,this,10)")
    assert [type(x) for x in p] == [Call, Text, Call]
    assert p[0].name == "param" and p[0].args == (ParamRef("@SHORTNAME", "SHORTNAME"),)
    assert p[1] == Text("-")
    hp = p[2]
    assert hp.name == "hashptid"
    assert isinstance(hp.args[0], ParamRef) and hp.args[0].name == "SITEID"
    assert isinstance(hp.args[1], ElementRef) and hp.args[1].is_this
    assert hp.args[2] == Literal("10")


def test_empty_argument_list_has_one_empty_argument_as_in_ctp():
    (c,) = parts("@keep()")
    assert c.args == (Literal(""),) and c.arity == 0


def test_argument_whitespace_is_trimmed():
    (a,) = parts("@hash(this, 64)")
    (b,) = parts("@hash(this,64)")
    assert a == b


def test_quotes_are_kept_raw_and_protect_commas():
    (c,) = parts('@contents(this,"a,b","$1")')
    assert [x.raw for x in c.args] == ["this", '"a,b"', '"$1"']
    assert c.args[1].unquoted == "a,b"


def test_escapes_inside_arguments_drop_the_backslash():
    (c,) = parts(r'@contents(this,"\\s+","_")')
    assert c.args[1].raw == r'"\s+"'


def test_brackets_and_nested_parens_protect_commas():
    (c,) = parts("@contents([0040,0275]::(0008,1110)::(0010,0010))")
    ref = c.args[0]
    assert isinstance(ref, ElementRef) and len(ref.path) == 3
    assert [n.tag for n in ref.path] == [0x00400275, 0x00081110, 0x00100010]


def test_closing_bracket_after_a_bracket_group_is_plain_text():
    # CTP reads this as one complete call (conformance case f08a on s01: the value resolves)
    p = parts("@contents([0009[ACME 1.0]01])|x")
    assert [type(x) for x in p] == [Call, Text]
    ref = p[0].args[0]
    assert ref.raw == "[0009[ACME 1.0]01]"
    assert ref.path[0].kind is NameKind.PRIVATE and ref.path[0].creator == "ACME 1.0"


def test_call_name_is_everything_up_to_paren_without_whitespace():
    p = parts("user@example.com (x)")
    assert p[0] == Text("user")
    assert p[1].name == "example.com" and p[1].args == (Literal("x"),)


def test_unknown_and_wrong_case_function_is_a_plain_call():
    (c,) = parts("@Hash(this)")
    assert type(c) is Call and c.name == "Hash"
    assert c.args == (Literal("this"),)   # unknown functions do not type their arguments


def test_bare_at_drops_the_rest():
    assert parts("@foo bar") == (Truncated("bare", "@foo bar"),)
    p = parts("prefix @uid")
    assert p == (Text("prefix "), Truncated("bare", "@uid"))


def test_unclosed_argument_list_drops_the_rest():
    p = parts("@contents(this) @unclosed(abc")
    assert p[0].name == "contents"
    assert p[1] == Text(" ")
    assert p[2] == Truncated("unclosed", "@unclosed(abc")


def test_unclosed_quote_is_an_unclosed_list():
    p = parts('a@contents(this,"abc)')
    assert p == (Text("a"), Truncated("unclosed", '@contents(this,"abc)'))


def test_if_with_two_clauses_and_whitespace():
    (c,) = parts('@if(this, greaterthan, 89) {090Y} {@keep()}')
    assert isinstance(c, If)
    assert c.condition == "greaterthan" and c.operand == Literal("89")
    assert c.then == Value((Text("090Y"),))
    assert c.otherwise.parts[0].name == "keep"
    assert c.swallowed is None


def test_if_clauses_may_span_lines_and_nest():
    text = "@if(PatientSex,equals,F)\n   {F:@contents(PatientAge)}\n   {@if(a,isblank){x}{y}}"
    (c,) = parts(text)
    inner = c.otherwise.parts[0]
    assert isinstance(inner, If) and inner.then == Value((Text("x"),))


def test_empty_clauses():
    (c,) = parts("@if(this,exists){@incrementdate(this,@JITTER)}{}")
    assert c.otherwise == Value(())


def test_missing_clause_swallows_the_rest():
    (c,) = parts("@if(this,exists) trailing")
    assert c.clauses == () and c.swallowed == " trailing"
    (c,) = parts("@if(this,exists){a}")
    assert len(c.clauses) == 1 and c.swallowed == ""


def test_text_after_complete_clauses_is_kept():
    p = parts('@if(this,contains,"STATION") {a}  {b} tail')
    assert p[1] == Text(" tail")


def test_braces_match_by_counting_only():
    (c,) = parts("@append(){a{b}c}")
    assert c.clause == Value((Text("a{b}c"),))


def test_select_append_always_are_typed():
    p = parts("@always()@append(){CTP: @param(@PROFILENAME): @date():@time()}")
    assert isinstance(p[0], Always) and isinstance(p[1], Append)
    inner = p[1].clause.parts
    assert [x.name for x in inner if isinstance(x, Call)] == ["param", "date", "time"]
    (s,) = parts("@select(){@keep()}{@hashuid(@UIDROOT,this)}")
    assert isinstance(s, Select) and s.in_items.parts[0].name == "hashuid"


def test_call_names_with_whitespace_still_take_clauses():
    (c,) = parts("@ if (this,exists){a}{b}")
    assert isinstance(c, If) and c.otherwise == Value((Text("b"),))


def test_lookup_composite_keys():
    (c,) = parts("@lookup(PatientID|StudyDate,ptid,default,X)")
    keys = c.args[0]
    assert isinstance(keys, ElementList) and [r.raw for r in keys.refs] == ["PatientID",
                                                                            "StudyDate"]


def test_parameter_modes():
    (c,) = parts("@hash(this,$LEN)")
    assert c.args[1] == ParamRef("$LEN", "LEN")
    (c,) = parts('@if(PatientName,contains,"@MATCH"){a}{b}')
    assert isinstance(c.operand, ParamRef) and c.operand.name == "MATCH"
    (c,) = parts("@modifydate(this,*,*,1)")
    assert c.args[1].is_wildcard


@pytest.mark.parametrize("raw,kind,extra", [
    ("this", NameKind.THIS, {}),
    ("", NameKind.EMPTY, {}),
    ("RefSeriesSeq", NameKind.NAME, {}),
    ("ReferencedSeriesSequence", NameKind.NAME, {}),
    ("00100010", NameKind.TAG, {"tag": 0x00100010}),
    ("(0010,0010)", NameKind.TAG, {"tag": 0x00100010}),
    ("[0010,1005]", NameKind.TAG, {"tag": 0x00101005}),
    ("9", NameKind.TAG, {"tag": 0x9}),
    ("0009[ACME 1.0]01", NameKind.PRIVATE, {"group": 9, "creator": "ACME 1.0", "byte": 1}),
    ("0009,[ACME 1.0],01", NameKind.PRIVATE, {"group": 9, "creator": "ACME 1.0", "byte": 1}),
    ("[0009[ACME 1.0]01]", NameKind.PRIVATE, {"group": 9, "creator": "ACME 1.0", "byte": 1}),
])
def test_element_names(raw, kind, extra):
    ref = element_ref(raw)
    (name,) = ref.path
    assert name.kind is kind
    for k, v in extra.items():
        assert getattr(name, k) == v


def test_element_paths_and_root():
    ref = element_ref("root:RequestAttributesSeq::RefStudySeq::PatientName")
    assert ref.root and [n.text for n in ref.path] == ["RequestAttributesSeq", "RefStudySeq",
                                                       "PatientName"]
    assert not element_ref("PatientName").root


def test_spans_point_into_the_body():
    lines = []

    def span_at(off):
        from ctpx.errors import Span
        lines.append(off)
        return Span("f", 1, off + 1)

    v = parse_value("ab @hash(this)", span_at)
    assert v.parts[1].span.col == 4


def test_unparse_arg_round_trip_examples():
    for raw in ['"a,b"', 'x(y,z)', '"\\s+"', 'a"b', '[1,2', 'plain', '"uid"']:
        (c,) = parse_value("@f(" + unparse_arg(raw) + ")").parts
        assert c.args[0].raw == raw


# ---------------------------------------------------------------------------------------------
# property: print then parse gives the same IR

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="{}"),
                max_size=8)
_raw_arg = st.text(alphabet=st.sampled_from(list('ab ,()"[]\\@$*|:9-')), max_size=6).map(
    lambda s: s.strip(" "))
_names = st.sampled_from(["hash", "contents", "lookup", "param", "hashuid", "foo", "incrementdate",
                          "keep", "remove", "date", "integer", "truncate"])


@st.composite
def _values(draw, depth=0):
    out = []
    for _ in range(draw(st.integers(0, 4))):
        choice = draw(st.integers(0, 3 if depth < 2 else 1))
        if choice <= 1:
            out.append(("text", draw(_text)))
        elif choice == 2:
            args = draw(st.lists(_raw_arg, min_size=1, max_size=3))
            out.append(("call", draw(_names), args))
        else:
            name = draw(st.sampled_from(["if", "select", "append"]))
            nclauses = 1 if name == "append" else 2
            clauses = [draw(_values(depth + 1)) for _ in range(nclauses)]
            args = ["this", "exists"] if name == "if" else [""]
            out.append(("clausal", name, args, clauses))
    return out


def _render(spec) -> str:
    s = ""
    for item in spec:
        if item[0] == "text":
            s += "".join("\\" + c if c in "\\@" else c for c in item[1])
        elif item[0] == "call":
            s += "@" + item[1] + "(" + ",".join(unparse_arg(a) for a in item[2]) + ")"
        else:
            s += "@" + item[1] + "(" + ",".join(item[2]) + ")" + "".join(
                "{" + _render(c) + "}" for c in item[3])
    return s


@settings(max_examples=300, deadline=None)
@given(_values())
def test_print_parse_round_trip(spec):
    text = _render(spec)
    v = parse_value(text)
    again = parse_value(unparse(v))
    assert again == v


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_parses_and_round_trips(text):
    v = parse_value(text)           # CTP accepts every string: parsing never fails
    assert parse_value(unparse(v)) == v
