"""java.util.Properties.load semantics, shared by legacy scripts and lookup tables."""
from __future__ import annotations

import pytest

from ctpx import javaprops


def test_separators_whitespace_and_last_definition_wins():
    text = "a=1\nb : 2\nc   3\nd\n a=4\n"
    assert javaprops.load(text) == {"a": "4", "b": "2", "c": "3", "d": ""}


def test_comments_and_blank_lines():
    assert javaprops.load("# x=1\n! y=2\n\n   \nz=3") == {"z": "3"}


def test_continuation_lines_and_escaped_backslashes():
    text = "a=one \\\n    two\nb=ends with a backslash\\\\\nc=x"
    assert javaprops.load(text) == {"a": "one two", "b": "ends with a backslash\\", "c": "x"}


def test_escapes_in_keys_and_values():
    props = javaprops.load("key\\ with\\:colon=tab\\there \\u00e9t\\u00e9\nq=\\=lead")
    assert props == {"key with:colon": "tab\there été", "q": "=lead"}


def test_line_endings_and_positions():
    lines = list(javaprops.logical_lines("a=1\r\n  b=2\rc=\\\n 3\n"))
    assert [(ln.line, ln.col, ln.text, ln.exact) for ln in lines] == [
        (1, 1, "a=1", True), (2, 3, "b=2", True), (3, 1, "c=3", False)]


def test_bad_unicode_escape():
    assert javaprops.unescape("\\u12G4") == "u12G4"
    with pytest.raises(ValueError):
        javaprops.unescape("x\\u12", lambda offset: (_ for _ in ()).throw(ValueError(offset)))


def test_split_key_reports_the_value_offset():
    assert javaprops.split_key("set.[0010,0010]Name = @hash(this)") == (
        "set.[0010,0010]Name", "@hash(this)", 22)
