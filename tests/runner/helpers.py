"""Input trees for the runner tests, built in memory with pydicom, and tree comparisons."""
from __future__ import annotations

import hashlib
import io
import os

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

MR = "1.2.840.10008.5.1.4.1.1.4"

#: A small script exercising what the runner must cope with: UIDs and the patient replaced
#: (@integer numbers the patients, so numbering order matters), a secret parameter used as an
#: @encrypt key, and files the script quarantines or skips.
SCRIPT = """<script>
 <p t="UIDROOT">1.2.826.0.1.3680043.10.543</p>
 <p t="ENCKEY">hunter2-secret</p>
 <p t="SITE_PASSWORD">p4ss</p>
 <p t="DATEINC">-100</p>
 <e en="T" t="00080018" n="SOPInstanceUID">@hashuid(@UIDROOT,this)</e>
 <e en="T" t="0020000d" n="StudyInstanceUID">@hashuid(@UIDROOT,this)</e>
 <e en="T" t="0020000e" n="SeriesInstanceUID">@hashuid(@UIDROOT,this)</e>
 <e en="T" t="00200052" n="FrameOfReferenceUID">@hashuid(@UIDROOT,this)</e>
 <e en="T" t="00100010" n="PatientName">@hash(this,10)</e>
 <e en="T" t="00100020" n="PatientID">@integer(this,pid,4)</e>
 <e en="T" t="00080020" n="StudyDate">@incrementdate(this,@DATEINC)</e>
 <e en="T" t="00081030" n="StudyDescription">@encrypt(this,@ENCKEY)</e>
 <e en="T" t="00080050" n="AccessionNumber">@if(this,equals,QUARANTINE){@quarantine()}{@hash(this,8)}</e>
 <e en="T" t="00080080" n="InstitutionName">@if(this,equals,SKIPME){@skip()}{@remove()}</e>
 <r en="T" t="privategroups">Remove private groups</r>
</script>
"""


def uid(*parts: int) -> str:
    n = 0
    for p in parts:
        n = n * 1000003 + p + 1
    return f"2.25.{(n * 0x9E3779B97F4A7C15) % (10 ** 38)}"


def dicom_bytes(patient: int = 0, study: int = 0, series: int = 0, instance: int = 0, *,
                patient_id: str | None = None, patient_name: str | None = None,
                accession: str | None = None, institution: str = "GENERAL HOSPITAL",
                sop_uid: str | None = None, implicit: bool = False, preamble: bool = True,
                pixels: int = 16 * 16) -> bytes:
    """One small MR image; identifiers derive from the numbers unless given."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = MR
    ds.SOPInstanceUID = sop_uid or uid(5, patient, study, series, instance)
    ds.StudyDate = "20200102"
    ds.AccessionNumber = accession if accession is not None else f"ACC{patient}{study}"
    ds.Modality = "MR"
    ds.InstitutionName = institution
    ds.StudyDescription = "BRAIN"
    ds.PatientName = patient_name if patient_name is not None else f"DOE{patient}^JANE"
    ds.PatientID = patient_id if patient_id is not None else f"MRN{1000 + patient}"
    ds.StudyInstanceUID = uid(1, patient, study)
    ds.SeriesInstanceUID = uid(2, patient, study, series)
    ds.FrameOfReferenceUID = uid(3, patient, study)
    ds.SeriesNumber = series + 1
    ds.InstanceNumber = instance + 1
    ds.add_new(0x00091010, "LO", "PRIVATE SECRET")
    ds.Rows = ds.Columns = int(pixels ** 0.5)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = bytes((instance + i) % 256 for i in range(2 * pixels))
    buf = io.BytesIO()
    if preamble:
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = MR
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
        ds.file_meta = meta
        ds.save_as(buf, enforce_file_format=True)
    else:
        ds.save_as(buf, implicit_vr=implicit, little_endian=True)
    return buf.getvalue()


def write(path, data: bytes) -> str:
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def make_tree(root, patients: int = 3, studies: int = 1, series: int = 2,
              instances: int = 3) -> list[str]:
    """A PACS-export-like tree whose folder names carry patient names and MRNs."""
    paths = []
    for p in range(patients):
        for st in range(studies):
            for se in range(series):
                for i in range(instances):
                    rel = f"DOE{p}_JANE_MRN{1000 + p}/STUDY{st}/SERIES{se}/IM{i:04d}"
                    paths.append(write(os.path.join(root, rel), dicom_bytes(p, st, se, i)))
    return paths


def script_file(tmp_path, text: str = SCRIPT, name: str = "test.script") -> str:
    path = os.path.join(tmp_path, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def tree_digest(root) -> dict[str, str]:
    """{relative path: sha256} of every file under root (links and folders excluded)."""
    out = {}
    root = os.fspath(root)
    for folder, dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(folder, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root).replace(os.sep, "/")] = \
                    hashlib.sha256(fh.read()).hexdigest()
    return out


def tree_stat(root) -> dict[str, tuple]:
    """Content hash, size, mode and mtime of every entry: what "never modified" means."""
    out = {}
    root = os.fspath(root)
    for folder, dirs, files in os.walk(root):
        for f in files + dirs:
            p = os.path.join(folder, f)
            st = os.lstat(p)
            digest = None
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as fh:
                    digest = hashlib.sha256(fh.read()).hexdigest()
            out[os.path.relpath(p, root)] = (digest, st.st_size, st.st_mode, st.st_mtime_ns)
    return out
