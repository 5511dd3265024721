"""The top-level Python API mirrors the command line."""
from __future__ import annotations

import hashlib

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

import ctpx

SCRIPT = ('<script><p t="R">1.2.3</p>'
          '<e en="T" t="00100010" n="PatientName">@empty()</e>'
          '<e en="T" t="00100020" n="PatientID">@hash(this,8)</e>'
          '<e en="T" t="00080018" n="SOPInstanceUID">@hashuid(@R,this)</e></script>')


def _dataset() -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.9.7777.42"
    ds.PatientName = "Doe^Jane"
    ds.PatientID = "PID 12"
    return ds


def test_every_name_in_all_resolves():
    for name in ctpx.__all__:
        assert getattr(ctpx, name) is not None, name


def test_anonymize_an_in_memory_dataset():
    script = ctpx.load_text(SCRIPT)
    outcome = ctpx.anonymize(_dataset(), script)
    assert outcome.status == "ok"
    ds = outcome.dataset
    assert isinstance(ds, pydicom.Dataset)
    assert str(ds.PatientName) == ""
    # CTP's @hash: the MD5 digest read as an unsigned decimal number, cut to the length
    digest = hashlib.md5("PID 12".encode("utf-8")).digest()
    assert ds.PatientID == str(int.from_bytes(digest, "big"))[:8]
    assert ds.SOPInstanceUID.startswith("1.2.3.")


def test_lint_check_diff_generate():
    script = ctpx.load_text(SCRIPT)
    assert {f.code for f in ctpx.lint_script(script)} == set()
    generated = ctpx.load_text(ctpx.generate_script())
    assert ctpx.check_script(generated).deviations == []
    assert ctpx.diff_scripts(script, script).equivalent
