"""Reading DICOM bytes the way dcm4che does: what is accepted, what is quarantined, and VRs."""
from __future__ import annotations

import struct

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from ctpx.engine.model import PIXEL_DATA
from ctpx.engine.parse import DicomParseError, implicit_vr, parse_bytes

from .helpers import dataset, to_bytes


def test_file_with_meta_keeps_values_as_views_of_the_input():
    ds = dataset(PatientName="Doe^John")
    ds.PixelData = b"\x01\x02" * 8
    ds.Rows, ds.Columns, ds.BitsAllocated = 4, 2, 16
    data = to_bytes(ds)
    pf = parse_bytes(data)
    assert pf.has_meta and not pf.implicit and pf.little
    assert bytes(pf.root.elems[0x00100010].value) == b"Doe^John"
    assert isinstance(pf.pixel.value, memoryview)      # pixel data is never copied
    assert bytes(pf.pixel.value) == b"\x01\x02" * 8
    assert PIXEL_DATA not in pf.root.elems


def test_default_character_set_is_added_to_the_input():
    pf = parse_bytes(to_bytes(dataset()))
    assert pf.charset_inserted
    assert bytes(pf.root.elems[0x00080005].value) == b"ISO_IR 100"
    ds = dataset(SpecificCharacterSet="")
    assert parse_bytes(to_bytes(ds)).charset_inserted


@pytest.mark.parametrize("data", [b"", b"hello world, this is not DICOM" * 10, b"\x20\x08\x00\x05" * 40])
def test_unknown_formats_are_run10(data):
    with pytest.raises(DicomParseError) as e:
        parse_bytes(data)
    assert e.value.code == "RUN10"


def test_truncated_values_are_run11():
    data = to_bytes(dataset(PatientName="Doe^John", StudyDescription="x" * 40))
    with pytest.raises(DicomParseError) as e:
        parse_bytes(data[:-10])
    assert e.value.code == "RUN11"


def test_no_meta_detection_implicit_and_big_endian():
    ds = dataset(PatientName="A")
    imp = parse_bytes(to_bytes(ds, "1.2.840.10008.1.2", meta=False))
    assert not imp.has_meta and imp.implicit and imp.little
    assert imp.root.elems[0x00100010].vr == "PN"         # from dcm4che's dictionary
    be = parse_bytes(to_bytes(dataset(PatientName="A"), "1.2.840.10008.1.2.2", meta=False))
    assert not be.has_meta and not be.implicit and not be.little


def test_implicit_vrs_follow_dcm4che():
    assert implicit_vr(0x00091001) == "UN"
    assert implicit_vr(0x00090010) == "LO"
    assert implicit_vr(0x00010001) == "LO"       # any private (gggg,00xx) reads as a creator
    assert implicit_vr(0x7FE00010) == "OB"       # the first of OB,OW
    assert implicit_vr(0x00280106) == "US"
    assert implicit_vr(0x00100000) == "UL"
    assert implicit_vr(0x00991234 & 0xFFFEFFFF) == "UN"


def _implicit_file(elements: bytes) -> bytes:
    meta_el = (b"\x02\x00\x10\x00UI" + struct.pack("<H", 18) + b"1.2.840.10008.1.2\x00")
    meta = b"\x02\x00\x00\x00UL\x04\x00" + struct.pack("<L", len(meta_el)) + meta_el
    return b"\x00" * 128 + b"DICM" + meta + elements


def test_undefined_length_on_a_non_sequence_is_run11():
    # (0001,0001) reads as LO in implicit VR; an undefined length there stops dcm4che
    el = struct.pack("<HHL", 1, 1, 0xFFFFFFFF) + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
    with pytest.raises(DicomParseError) as e:
        parse_bytes(_implicit_file(el))
    assert e.value.code == "RUN11"


def test_sequences_and_items_are_parsed_at_every_depth():
    inner = Dataset()
    inner.PatientName = "Inner"
    mid = Dataset()
    mid.ReferencedStudySequence = Sequence([inner])
    ds = dataset(RequestAttributesSequence=Sequence([mid, Dataset()]))
    pf = parse_bytes(to_bytes(ds))
    seq = pf.root.elems[0x00400275]
    assert len(seq.items) == 2 and seq.items[1].elems == {}
    deep = seq.items[0].elems[0x00081110].items[0]
    assert bytes(deep.elems[0x00100010].value).rstrip() == b"Inner"
    assert deep.root is pf.root


def test_explicit_un_of_undefined_length_is_an_implicit_sequence():
    item = struct.pack("<HHL", 0x0010, 0x0020, 4) + b"ID1 "
    body = (struct.pack("<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF) + item
            + struct.pack("<HHL", 0xFFFE, 0xE00D, 0) + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))
    el = struct.pack("<HH2sHL", 0x0009, 0x1010, b"UN", 0, 0xFFFFFFFF) + body
    creator = struct.pack("<HH2sH", 0x0009, 0x0010, b"LO", 4) + b"ACME"
    data = to_bytes(dataset())
    pf = parse_bytes(data + creator + el)
    sq = pf.root.elems[0x00091010]
    assert sq.vr == "SQ" and bytes(sq.items[0].elems[0x00100020].value) == b"ID1 "


def test_elements_after_the_pixel_data_form_the_tail_until_padding():
    ds = dataset(Rows=1, Columns=2, BitsAllocated=16, PixelRepresentation=0)
    ds.PixelData = b"\x00" * 4
    tail = (struct.pack("<HH2sH", 0x7FE1, 0x0010, b"LO", 4) + b"POST"
            + struct.pack("<HH2sHL", 0xFFFC, 0xFFFC, b"OB", 0, 4) + b"\x00" * 4
            + struct.pack("<HH2sH", 0x7FE3, 0x0010, b"LO", 4) + b"GONE")
    pf = parse_bytes(to_bytes(ds) + tail)
    assert [e.tag for e in pf.tail] == [0x7FE10010]


def test_deflated_datasets_are_inflated():
    pf = parse_bytes(to_bytes(dataset(PatientName="Deflated^Name"), "1.2.840.10008.1.2.1.99"))
    assert pf.deflated and pf.transfer_syntax == "1.2.840.10008.1.2.1.99"
    assert bytes(pf.root.elems[0x00100010].value).rstrip() == b"Deflated^Name"


def test_a_corrupt_deflate_stream_is_run12():
    data = to_bytes(dataset(PatientName="X"), "1.2.840.10008.1.2.1.99")
    start = 132 + 12 + struct.unpack_from("<L", data, 140)[0]
    with pytest.raises(DicomParseError) as e:
        parse_bytes(data[:start] + b"\xff" * 20)
    assert e.value.code in ("RUN12", "RUN11")


def test_public_elements_stored_as_un_take_their_dictionary_vr():
    el = struct.pack("<HH2sHL", 0x0010, 0x0010, b"UN", 0, 4) + b"Doe "
    pf = parse_bytes(to_bytes(dataset()) + el)
    assert pf.root.elems[0x00100010].vr == "PN"


# ---------------------------------------------------------------------------------------------
# parsing from the start of a file only

def _big_image(transfer_syntax="1.2.840.10008.1.2.1", meta=True, after_pixels=False):
    ds = dataset(PatientName="Doe^John")
    ds.Rows, ds.Columns, ds.BitsAllocated = 256, 256, 16
    ds.PixelData = bytes(range(256)) * 512
    if after_pixels:
        ds.DataSetTrailingPadding = b"\x00" * 8
    return to_bytes(ds, transfer_syntax, meta=meta)


def test_the_start_of_a_file_is_enough_when_pixel_data_ends_it():
    from ctpx.engine.model import NotRead
    data = _big_image()
    whole = parse_bytes(data)
    cut = whole.pixel.pos + 10
    pf = parse_bytes(data[:cut], size=len(data))
    assert isinstance(pf.pixel.value, NotRead) and len(pf.pixel.value) == 256 * 512
    assert pf.pixel.pos == whole.pixel.pos
    assert sorted(pf.root.elems) == sorted(whole.root.elems)
    assert bytes(pf.root.elems[0x00100010].value) == b"Doe^John"
    with pytest.raises(TypeError):
        bytes(pf.pixel.value)   # its bytes cannot be read by mistake


@pytest.mark.parametrize("why, data, cut", [
    ("cut inside the header", _big_image(), 300),
    ("cut on an element boundary", None, None),
    ("an element after the pixel data", _big_image(after_pixels=True), -20),
    ("big endian without meta: the pixel data must be swapped", _big_image(
        "1.2.840.10008.1.2.2", meta=False), -20),
    ("deflated", _big_image("1.2.840.10008.1.2.1.99"), -20),
])
def test_anything_else_beyond_the_start_asks_for_the_whole_file(why, data, cut):
    from ctpx.engine.parse import Incomplete
    if data is None:
        data = _big_image()
        pf = parse_bytes(data)
        name = pf.root.elems[0x00100010]
        cut = name.pos + len(name.value)   # right after PatientName's value
    elif cut < 0:
        cut = len(data) + cut
    with pytest.raises(Incomplete):
        parse_bytes(data[:cut], size=len(data))
    parse_bytes(data)   # while the whole file reads fine


def test_a_size_equal_to_the_data_is_a_whole_file():
    data = _big_image()
    pf = parse_bytes(data, size=len(data))
    assert bytes(pf.pixel.value) == bytes(range(256)) * 512
