"""The public API: anonymize (in-memory datasets) and anonymize_file (paths and bytes)."""
from __future__ import annotations

import copy

from ctpx.engine import FileResult, Outcome, anonymize, anonymize_file

from .helpers import dataset, rule, to_bytes


def test_anonymize_in_memory_with_and_without_meta():
    c = rule("00100010", "@hash(this,6)")
    ds = dataset(PatientName="Doe")
    before = copy.deepcopy(ds)
    out = anonymize(ds, c)
    assert isinstance(out, Outcome) and out.status == "ok" and out.code is None
    assert out.dataset.PatientName != "Doe"
    assert ds == before                                  # the input is not modified
    to_bytes(ds)                                          # gives it file meta
    out2 = anonymize(ds, c)
    assert out2.dataset.PatientName == out.dataset.PatientName


def test_anonymize_compiles_a_script_with_options():
    from ctpx.script import load_text
    s = load_text('<script><p t="X">a</p><e en="T" t="00100010" n="n">@param(@X)</e></script>')
    assert anonymize(dataset(PatientName="n"), s, params={"X": "b"}).dataset.PatientName == "b"


def test_anonymize_file_paths_bytes_and_bad_input(tmp_path):
    c = rule("00100010", "X")
    p = tmp_path / "in.dcm"
    p.write_bytes(to_bytes(dataset(PatientName="Doe")))
    r1 = anonymize_file(str(p), c)
    r2 = anonymize_file(p.read_bytes(), c)
    assert isinstance(r1, FileResult) and r1.status == "ok" and r1.data == r2.data
    assert anonymize_file(str(tmp_path / "missing.dcm"), c).code == "RUN12"
    assert anonymize_file(b"", c).code == "RUN10"
    assert anonymize_file(b"\x08\x00\x10\x00" + b"\xff" * 20, c).status == "quarantined"
    bad = anonymize_file(str(tmp_path), c)             # a directory
    assert bad.status == "quarantined" and bad.data is None


def test_skipped_and_quarantined_results_carry_no_data():
    r = anonymize_file(to_bytes(dataset(PatientName="x")), rule("00100010", "@skip()"))
    assert r.status == "skipped" and r.data is None and r.code == "RUN01"


def test_anonymize_keeps_the_transfer_syntax_of_partial_file_meta():
    from pydicom.dataset import Dataset, FileMetaDataset
    ds = Dataset()
    ds.PatientName = "A"
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2"
    out = anonymize(ds, rule("00100010", "B"))
    assert out.status == "ok" and out.dataset.PatientName == "B"
    assert out.dataset.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2"
