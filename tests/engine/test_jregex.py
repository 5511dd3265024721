"""Java regular expressions and replacement strings on Python's re."""
from __future__ import annotations

import pytest

from ctpx.engine.jregex import JavaRegexError, full_match, replace_all


def test_java_classes_are_ascii_only():
    assert replace_all(r"\w", "aé1_", "") == "é"
    assert replace_all(r"\s", "a\u00a0b c", "") == "a\u00a0bc"


def test_posix_classes_quoting_and_named_groups():
    assert replace_all(r"\p{Alpha}+", "ab12cd", "-") == "-12-"
    assert replace_all(r"\Q.*\E", "a.*b", "") == "ab"
    assert replace_all(r"(?<y>\d{4})(?<m>\d\d)", "202401", "${m}/${y}") == "01/2024"


def test_replacement_groups_and_escapes():
    assert replace_all("(CT) (Head)", "CT Head x", "$2 $1") == "Head CT x"
    eleven = "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)"
    assert replace_all(eleven, "abcdefghijk", "$11$1") == "ka"
    assert replace_all("(a)", "a", "$10") == "a0"          # group 10 does not exist: $1 then 0
    assert replace_all("a", "a", r"\$") == "$"
    with pytest.raises(JavaRegexError):
        replace_all("a", "a", "$")
    with pytest.raises(JavaRegexError):
        replace_all("(", "a", "")


def test_matches_is_a_full_match():
    assert full_match("Doe.*", "Doe^John") and not full_match("doe.*", "Doe^John")
    assert not full_match("Doe", "Doe^John")
