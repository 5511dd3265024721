"""Lookup tables: Java-properties reading, indirection, CTP's error messages, and CSV tables."""
from __future__ import annotations

import pytest

from ctpx.engine.lookup import LookupFailure, LookupTable, parse_csv, parse_properties


def test_properties_escapes_comments_and_continuations():
    text = ("# comment\n! also a comment\n"
            "ptid/LUT\\:1\\ \\=x = escaped\n"
            "ptid/A=one\n"
            "ptid/B : two \\\n    continued\n"
            "ptid/C   three\n"
            "name/M\\u00dcLLER = unicode\n"
            "ptid/A = last wins\n")
    p = parse_properties(text)
    assert p["ptid/LUT:1 =x"] == "escaped"
    assert p["ptid/A"] == "last wins"
    assert p["ptid/B"] == "two continued"
    assert p["ptid/C"] == "three"
    assert p["name/MÜLLER"] == "unicode"


def test_lookup_trims_and_follows_indirections():
    t = LookupTable({"ptid/P1": " A1 ", "ind/P1": "@ptid/P1", "ind/X": "@notakey",
                     "loop/a": "@loop/a", "ind/D": "@nosuch/key"})
    assert t.lookup(" ptid ", " P1 ") == "A1"
    assert t.lookup("ind", "P1") == "A1"
    assert t.lookup("ind", "X") == "@notakey"          # no '/': not an indirection
    with pytest.raises(LookupFailure, match="more than 10 indirects"):
        t.lookup("loop", "a")
    with pytest.raises(LookupFailure, match=r"missing key \(nosuch/key\)"):
        t.lookup("ind", "D")


@pytest.mark.parametrize("table,message", [(None, "missing lookup table"), ({}, "empty lookup table")])
def test_missing_and_empty_tables(table, message):
    with pytest.raises(LookupFailure, match=message):
        LookupTable(table).lookup("ptid", "x")


def test_files_and_csv_tables(tmp_path):
    props = tmp_path / "t.properties"
    props.write_text("\ufeffptid/1CT1 = ANON\n", encoding="utf-8")
    assert LookupTable.load(str(props)).lookup("ptid", "1CT1") == "ANON"
    csv = tmp_path / "t.csv"
    csv.write_text('ptid/1CT1,ANON\n"name/DOE, J",X\n# comment,row\nlonely\n', encoding="utf-8")
    t = LookupTable.load(str(csv))
    assert t.lookup("ptid", "1CT1") == "ANON" and t.lookup("name", "DOE, J") == "X"
    assert parse_csv("a,b\n") == {"a": "b"}
    assert LookupTable.load(str(tmp_path / "missing.properties")).entries is None
