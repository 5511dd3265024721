"""Small helpers for engine tests: datasets built in memory, scripts from text, results read back."""
from __future__ import annotations

import io
import os

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from ctpx.engine import anonymize_file, compile_script
from ctpx.script import load_text

SOP_CLASS = "1.2.840.10008.5.1.4.1.1.7"


def dataset(**elements) -> Dataset:
    """A minimal image-less dataset with SOP UIDs, plus the given keyword=value elements."""
    ds = Dataset()
    ds.SOPClassUID = SOP_CLASS
    ds.SOPInstanceUID = "1.2.3.4.5.6"
    ds.StudyInstanceUID = "1.2.3.4.5"
    for k, v in elements.items():
        setattr(ds, k, v)
    return ds


def to_bytes(ds: Dataset, transfer_syntax: str = ExplicitVRLittleEndian, meta: bool = True) -> bytes:
    buf = io.BytesIO()
    if meta:
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = ds.get("SOPClassUID", SOP_CLASS)
        ds.file_meta.MediaStorageSOPInstanceUID = ds.get("SOPInstanceUID", "1.2.3")
        ds.file_meta.TransferSyntaxUID = transfer_syntax
        pydicom.dcmwrite(buf, ds, enforce_file_format=True)
    else:
        implicit = transfer_syntax == "1.2.840.10008.1.2"
        little = transfer_syntax != "1.2.840.10008.1.2.2"
        pydicom.dcmwrite(buf, ds, implicit_vr=implicit, little_endian=little)
    return buf.getvalue()


def script(text: str, **kw):
    """Compile a script given as the body of <script>...</script> (or a whole script)."""
    if not text.lstrip().startswith("<"):
        raise ValueError("give XML")
    if "<script" not in text:
        text = "<script>" + text + "</script>"
    return compile_script(load_text(text), **kw)


def rule(tag: str, body: str, **kw):
    return script(f'<e en="T" t="{tag}" n="x">{_xml(body)}</e>', **kw)


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def run(compiled, ds_or_bytes, **kw):
    """(FileResult, output Dataset or None)."""
    data = ds_or_bytes if isinstance(ds_or_bytes, (bytes, bytearray)) else to_bytes(ds_or_bytes, **kw)
    res = anonymize_file(data, compiled)
    out = pydicom.dcmread(io.BytesIO(res.data)) if res.data is not None else None
    return res, out


def value_after(tag: str, body: str, ds: Dataset, keyword: str | None = None, **kw):
    """Run one rule on ``ds`` and return the output value of ``keyword`` (default: the rule's tag)."""
    res, out = run(rule(tag, body, **kw), ds)
    assert res.status == "ok", (res.code, res.message)
    key = keyword if keyword is not None else int(tag, 16)
    if key not in out:
        return None
    v = out[key].value
    return v


def write_output(output, dst, src=None) -> bytes:
    """Write an engine ``Output`` to ``dst`` as the runner does (ranges copied from the input
    file ``src`` when given) and return the bytes written."""
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    sfd = os.open(src, os.O_RDONLY) if src is not None else None
    try:
        output.write_to(fd, sfd)
    finally:
        os.close(fd)
        if sfd is not None:
            os.close(sfd)
    with open(dst, "rb") as f:
        return f.read()
