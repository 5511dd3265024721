"""Writing the output as CTP lays it out: meta information, group lengths, encodings, pixel data."""
from __future__ import annotations

import io
import os
import struct

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from ctpx.engine.parse import parse_bytes
from ctpx.engine.write import IMPLEMENTATION_UID, RANGE_MIN, output_transfer_syntax, write_file

from .helpers import dataset, to_bytes, write_output


def _round_trip(data: bytes):
    pf = parse_bytes(data)
    out = write_file(pf, pf.root.elems, pf.tail, b"1.2.840.10008.5.1.4.1.1.7", b"9.8.7")
    data = out.to_bytes()
    assert out.size == len(data)
    return pf, data, pydicom.dcmread(io.BytesIO(data))


def _image(**kw):
    ds = dataset(Rows=2, Columns=2, BitsAllocated=16, BitsStored=12, HighBit=11,
                 PixelRepresentation=0, SamplesPerPixel=1, PhotometricInterpretation="MONOCHROME2",
                 **kw)
    ds.PixelData = struct.pack("<4H", 1, 2, 3, 0xABCD)
    return ds


def test_meta_is_regenerated_from_the_output():
    _, out, ds = _round_trip(to_bytes(_image(PatientName="A")))
    fm = ds.file_meta
    assert fm.MediaStorageSOPInstanceUID == "9.8.7"
    assert fm.ImplementationClassUID == IMPLEMENTATION_UID and len(IMPLEMENTATION_UID) <= 64
    assert fm.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert "SourceApplicationEntityTitle" not in fm
    assert out[:128] == b"\x00" * 128 and out[128:132] == b"DICM"


def test_pixel_data_is_byte_identical_and_other_values_unchanged():
    src = _image(PatientName="Doe^John", ImageType=["ORIGINAL", "PRIMARY"])
    _, _, ds = _round_trip(to_bytes(src))
    assert ds.PixelData == struct.pack("<4H", 1, 2, 3, 0xABCD)
    assert ds.PatientName == "Doe^John" and list(ds.ImageType) == ["ORIGINAL", "PRIMARY"]


def test_group_lengths_are_dropped_at_every_level():
    item = Dataset()
    item.add_new(0x00100000, "UL", 10)
    item.PatientName = "X"
    src = dataset(ReferencedStudySequence=Sequence([item]))
    src.add_new(0x00080000, "UL", 0)
    _, _, ds = _round_trip(to_bytes(src))
    assert 0x00080000 not in ds
    assert 0x00100000 not in ds.ReferencedStudySequence[0]
    assert ds.ReferencedStudySequence[0].PatientName == "X"


def test_sequences_are_written_with_undefined_length():
    src = dataset(ReferencedStudySequence=Sequence([Dataset()]))
    _, out, ds = _round_trip(to_bytes(src))
    assert ds["ReferencedStudySequence"].is_undefined_length
    assert struct.pack("<HH2sHL", 0x0008, 0x1110, b"SQ", 0, 0xFFFFFFFF) in out


def test_transfer_syntax_is_kept():
    for ts in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.2"):
        pf, _, ds = _round_trip(to_bytes(_image(PatientName="A"), ts))
        assert ds.file_meta.TransferSyntaxUID == ts == output_transfer_syntax(pf)
        assert ds.Rows == 2 and ds.PatientName == "A"


def test_files_without_meta_become_explicit_little_endian():
    big = to_bytes(_image(PatientName="A", SmallestImagePixelValue=7), "1.2.840.10008.1.2.2",
                   meta=False)
    _, _, ds = _round_trip(big)
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert ds.Rows == 2 and ds.SmallestImagePixelValue == 7        # byte-swapped
    imp = to_bytes(_image(PatientName="A"), "1.2.840.10008.1.2", meta=False)
    _, out, ds = _round_trip(imp)
    assert ds["PixelData"].VR == "OB"                              # dcm4che's first choice
    assert ds.PatientName == "A"


def test_deflated_output_holds_the_pixel_data_inside_the_stream():
    _, _, ds = _round_trip(to_bytes(_image(PatientName="A"), "1.2.840.10008.1.2.1.99"))
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1.99"
    assert ds.PixelData == struct.pack("<4H", 1, 2, 3, 0xABCD)


def test_odd_length_values_are_padded():
    item = dataset()
    item.add_new(0x00091001, "OB", b"abc")
    item.add_new(0x00090010, "LO", "ACME")
    _, out, ds = _round_trip(to_bytes(item))
    assert ds[0x00091001].value == b"abc\x00"


# ---------------------------------------------------------------------------------------------
# large untouched values are ranges of the input file, copied by the kernel

def _large_image(n_bytes: int):
    ds = _image()
    ds.Rows, ds.Columns = n_bytes // 512, 256
    ds.PixelData = bytes(range(256)) * (n_bytes // 256)
    return ds


def test_large_pixel_data_is_a_range_of_the_input(tmp_path):
    data = to_bytes(_large_image(RANGE_MIN * 2))
    pf = parse_bytes(data)
    out = write_file(pf, pf.root.elems, pf.tail, b"1.2.840.10008.5.1.4.1.1.7", b"9.8.7")
    ranges = [p for p in out.parts if p.__class__.__name__ == "_Range"]
    assert len(ranges) == 1 and ranges[0].length == RANGE_MIN * 2
    src = tmp_path / "in.dcm"
    src.write_bytes(data)
    expected = out.to_bytes()
    # written with the kernel copy from the input file, and without it: the same bytes
    for use_src in (True, False):
        assert write_output(out, tmp_path / f"out-{use_src}.dcm",
                            src if use_src else None) == expected
    ds = pydicom.dcmread(io.BytesIO(expected))
    assert ds.PixelData == _large_image(RANGE_MIN * 2).PixelData


def test_small_or_swapped_values_are_not_ranges():
    pf = parse_bytes(to_bytes(_image()))
    out = write_file(pf, pf.root.elems, pf.tail, b"1.2.840.10008.5.1.4.1.1.7", b"9.8.7")
    assert not [p for p in out.parts if p.__class__.__name__ == "_Range"]


def test_pixel_data_left_in_the_input_is_copied_from_it_or_refused(tmp_path, monkeypatch):
    data = to_bytes(_large_image(RANGE_MIN * 2))
    src = tmp_path / "in.dcm"
    src.write_bytes(data)
    whole = parse_bytes(data)
    expected = write_file(whole, whole.root.elems, whole.tail, b"1.2", b"9.8.7").to_bytes()
    pf = parse_bytes(data[:whole.pixel.pos + 1], size=len(data))   # the pixel data not read
    out = write_file(pf, pf.root.elems, pf.tail, b"1.2", b"9.8.7")
    assert len(out) == len(expected)
    assert len(out.parts) == 2   # the header as one buffer, then the range
    with pytest.raises(ValueError):
        out.to_bytes()   # the bytes are not in memory
    with pytest.raises(ValueError):
        write_output(out, tmp_path / "x")   # nor is the input given to copy them from
    # with the kernel copy, and with the plain read/write it falls back to
    for kernel in (True, False):
        if not kernel:
            monkeypatch.delattr(os, "copy_file_range", raising=False)
        assert write_output(out, tmp_path / f"out-{kernel}.dcm", src) == expected


def _noisy_image(n_bytes: int):
    """Pixel data with no period, so a copy from a wrong offset cannot pass for a right one."""
    import random
    ds = _large_image(n_bytes)
    ds.PixelData = random.Random(7).randbytes(len(ds.PixelData))
    return ds


@pytest.mark.parametrize("way", ["kernel", "buffer", "small buffer", "no kernel copy"])
@pytest.mark.parametrize("read", ["whole", "to the pixel data", "into the pixel data"])
def test_every_way_of_copying_a_range_writes_the_same_bytes(tmp_path, monkeypatch, way, read):
    from ctpx.engine import write
    data = to_bytes(_noisy_image(RANGE_MIN * 3))
    src = tmp_path / "in.dcm"
    src.write_bytes(data)
    whole = parse_bytes(data)
    expected = write_file(whole, whole.root.elems, whole.tail, b"1.2", b"9.8.7").to_bytes()
    cut = {"whole": len(data), "to the pixel data": whole.pixel.pos + 1,
           "into the pixel data": whole.pixel.pos + RANGE_MIN + 123}[read]
    pf = parse_bytes(data[:cut], size=len(data))
    out = write_file(pf, pf.root.elems, pf.tail, b"1.2", b"9.8.7")
    if way == "kernel":
        monkeypatch.setattr(write, "_PAGE", 1)   # every offset "lines up": the kernel copies
    elif way == "buffer":
        monkeypatch.setattr(write, "_PAGE", 1 << 40)   # none does: through the buffer
    elif way == "small buffer":
        monkeypatch.setattr(write, "_PAGE", 1 << 40)
        monkeypatch.setattr(write, "_BUFFER_BYTES", 1000)   # many rounds of the buffer
    else:
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    assert write_output(out, tmp_path / "out.dcm", src) == expected


def test_threads_copying_at_once_do_not_share_a_buffer(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from ctpx.engine import write
    monkeypatch.setattr(write, "_PAGE", 1 << 40)
    monkeypatch.setattr(write, "_BUFFER_BYTES", 4096)   # many rounds, so that they interleave
    jobs = []
    for i in range(8):
        ds = _noisy_image(RANGE_MIN * 2)
        ds.PixelData = bytes([i]) + ds.PixelData[1:]
        data = to_bytes(ds)
        src = tmp_path / f"in{i}.dcm"
        src.write_bytes(data)
        whole = parse_bytes(data)
        expected = write_file(whole, whole.root.elems, whole.tail, b"1.2", b"9").to_bytes()
        pf = parse_bytes(data[:whole.pixel.pos + 1], size=len(data))
        jobs.append((write_file(pf, pf.root.elems, pf.tail, b"1.2", b"9"), src, expected))
    with ThreadPoolExecutor(8) as ex:
        got = list(ex.map(lambda j: write_output(j[0], tmp_path / f"{j[1].name}.out", j[1]),
                          jobs))
    assert got == [e for _, _, e in jobs]
