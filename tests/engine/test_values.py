"""Reading values as CTP sees them (§5.1) and writing them as dcm4che does (§5.2)."""
from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctpx.engine.values import (Refused, binary_str, charset_for, encode_text_values,
                                java_double_str, java_float_str, java_split_backslash,
                                pack_numbers, pad_even, person_name, read_string, trim_read)

LATIN1 = charset_for(b"ISO_IR 100")


@pytest.mark.parametrize("vr,raw,expected", [
    ("LO", b" A1 \\ B2 ", "A1 \\ B2"),            # one trim for the whole string
    ("PN", b"  Doe ^John ^^", "  Doe ^John"),       # PN also loses trailing ^, keeps leading blanks
    ("LT", b"  leading kept  ", "  leading kept"),
    ("UI", b"1.2.3\x00", "1.2.3"),
    ("AS", b"047Y", "047Y"),
    ("CS", b"ORIGINAL\\PRIMARY ", "ORIGINAL\\PRIMARY"),
])
def test_text_read_trims_once_per_vr(vr, raw, expected):
    assert read_string(raw, vr, LATIN1, True) == expected


def test_binary_values_print_as_java_does():
    assert read_string(struct.pack("<4H", 0, 256, 256, 0), "US", LATIN1, True) == "0\\256\\256\\0"
    assert read_string(struct.pack(">h", -3), "SS", LATIN1, False) == "-3"
    assert read_string(struct.pack("<f", 0.25), "FL", LATIN1, True) == "0.25"
    assert read_string(struct.pack("<d", 1000.5), "FD", LATIN1, True) == "1000.5"
    assert read_string(struct.pack("<l", 888), "SL", LATIN1, True) == "888"
    assert read_string(b"SV10", "OB", LATIN1, True) == "53\\56\\31\\30"
    assert binary_str(struct.pack("<4H", 0x18, 0x1063, 0x18, 0x1065), "AT", True) == "00181063\\00181065"


@pytest.mark.parametrize("v,java", [(1.0, "1.0"), (100.0, "100.0"), (1e7, "1.0E7"), (1.5e-5, "1.5E-5"),
                                    (0.001, "0.001"), (-77.20406, "-77.20406"), (0.0, "0.0"),
                                    (float("nan"), "NaN"), (float("-inf"), "-Infinity")])
def test_java_double_to_string(v, java):
    assert java_double_str(v) == java


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_java_double_string_round_trips(v):
    s = java_double_str(v)
    assert float(s.replace("E", "e")) == v


@given(st.floats(width=32, allow_nan=False, allow_infinity=False))
def test_java_float_string_round_trips_in_single_precision(v):
    s = java_float_str(v)
    assert struct.unpack("<f", struct.pack("<f", float(s.replace("E", "e"))))[0] == v


def test_charsets_decode_and_write_with_the_first_set_only():
    utf8 = charset_for(b"ISO_IR 192")
    assert utf8.decode("Müller".encode("utf-8")) == "Müller"
    jp = charset_for(b"\\ISO 2022 IR 87")
    name = b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B"
    assert jp.decode(name, "PN") == "Yamada^Tarou=山田^太郎"
    assert jp.encode("T太Y") == b"T?Y"     # dcm4che never writes the code extensions
    assert charset_for(None).decode(b"\xe9") == "é"   # CTP's default is ISO_IR 100


def test_split_drops_trailing_empty_values_as_java_does():
    assert java_split_backslash("a\\b\\\\") == ["a", "b"]
    assert java_split_backslash("\\x") == ["", "x"]


def test_write_trims_per_vr():
    assert encode_text_values("LO", [" a ", " b"]) == ["a", "b"]
    assert encode_text_values("LT", [" a "]) == [" a"]
    assert encode_text_values("UI", [" 1.2 "]) == [" 1.2 "]


@pytest.mark.parametrize("value", ["2020-02-19", "abc", "2020011", "2019-12-310200131"])
def test_da_refuses_what_dcm4che_refuses(value):
    with pytest.raises(Refused):
        encode_text_values("DA", [value])


@pytest.mark.parametrize("value", ["20200219", "20200101-20200131", "-20200131", "2020.02.19", ""])
def test_da_accepts_dates_and_ranges(value):
    assert encode_text_values("DA", [value]) == [value]


def test_person_names_are_parsed_strictly():
    assert person_name("Doe^John^^") == ("Doe^John", False)
    assert person_name("a^b^c^d^e^f") == ("a^b^c^d^f", True)
    with pytest.raises(Refused):
        person_name("x" * 65)
    assert person_name("A^B=C^D=") == ("A^B=C^D", False)


def test_numbers_are_parsed_or_refused():
    assert pack_numbers("US", ["12", " 7 "], True) == struct.pack("<2H", 12, 7)
    assert pack_numbers("FD", ["1.5"], False) == struct.pack(">d", 1.5)
    with pytest.raises(Refused):
        pack_numbers("US", ["abc"], True)
    with pytest.raises(Refused):
        pack_numbers("SL", [""], True)


def test_pad_even():
    assert pad_even(b"1.2", "UI") == b"1.2\x00"
    assert pad_even(b"abc", "LO") == b"abc "
    assert pad_even(b"ab", "LO") == b"ab"


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=30))
def test_trim_read_is_idempotent(s):
    for vr in ("LO", "PN", "LT", "AS"):
        assert trim_read(trim_read(s, vr), vr) == trim_read(s, vr)
