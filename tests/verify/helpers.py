"""A hand-written, complete de-identification of synthetic studies, for verify's tests.

It deliberately uses its own explicit lists rather than anything in ``ctpx.verify_collect``, so
that a clean result is evidence about verify and not verify agreeing with itself. Tests then
re-introduce single leaks into its output.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os

import pydicom
from pydicom.dataset import Dataset

from ctpx import synth

# Removed wherever they occur.
REMOVE = {
    "OtherPatientIDs", "OtherPatientNames", "OtherPatientIDsSequence", "PatientAddress",
    "PatientTelephoneNumbers", "InstitutionAddress", "InstitutionalDepartmentName",
    "StationName", "DeviceSerialNumber", "ReferringPhysicianIdentificationSequence",
    "ImageComments", "AdditionalPatientHistory", "RequestedProcedureID",
    "ScheduledProcedureStepID", "IssuerOfPatientID", "StudyID", "VerifyingOrganization",
    "OperatorsName", "PerformingPhysicianName",
}
# Emptied (kept, zero length).
EMPTY = {"AccessionNumber", "ReferringPhysicianName", "InstitutionName"}
STANDARD_ROOT = "1.2.840.10008."
DATE_SHIFT = dt.timedelta(days=-1234)


def new_uid(old: str) -> str:
    return "2.25." + str(int(hashlib.sha256(old.encode()).hexdigest()[:30], 16))


def pseudonym(patient_id: str) -> str:
    return "SUBJ-" + hashlib.sha256(patient_id.encode()).hexdigest()[:6].upper()


def _shift_da(v: str) -> str:
    if len(v) < 8 or not v[:8].isdigit():
        return ""
    d = dt.date(int(v[:4]), int(v[4:6]), int(v[6:8])) + DATE_SHIFT
    return d.strftime("%Y%m%d") + v[8:]


def _clean(ds: Dataset, pid_new: str) -> None:
    for tag in list(ds.keys()):
        elem = ds[tag]
        kw = elem.keyword
        group = tag.group
        if group & 0xFF00 in (0x5000, 0x6000):
            del ds[tag]
            continue
        if kw in REMOVE:
            del ds[tag]
            continue
        if elem.VR == "SQ":
            for item in elem.value:
                _clean(item, pid_new)
            continue
        if kw in EMPTY:
            elem.value = ""
        elif kw == "PatientName":
            elem.value = pid_new
        elif kw == "PatientID":
            elem.value = pid_new
        elif kw == "TextValue":
            elem.value = "Text removed."
        elif elem.VR == "PN":
            elem.value = ""
        elif elem.VR == "DA" and elem.value:
            elem.value = _shift_da(str(elem.value))
        elif elem.VR == "DT" and elem.value:
            elem.value = _shift_da(str(elem.value))
        elif elem.VR == "UI" and elem.value:
            vals = elem.value if elem.VM > 1 else [elem.value]
            out = [v if str(v).startswith(STANDARD_ROOT) else new_uid(str(v)) for v in vals]
            elem.value = out if elem.VM > 1 else out[0]


def deidentify(sf: synth.SynthFile) -> tuple[str, Dataset]:
    """(new relative path, de-identified dataset) for one synthetic file."""
    ds = pydicom.dcmread(io.BytesIO(sf.to_bytes()))
    ds.remove_private_tags()
    pid_new = pseudonym(sf.patient_id)
    _clean(ds, pid_new)
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "hand-written test de-identification"
    meta = ds.file_meta
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    for kw in ("SourceApplicationEntityTitle", "PrivateInformation",
               "PrivateInformationCreatorUID"):
        if kw in meta:
            delattr(meta, kw)
    ds.preamble = b"\0" * 128
    rel = (f"{pid_new}/{new_uid(sf.study_uid)[-12:]}/{new_uid(sf.series_uid)[-12:]}/"
           f"{new_uid(sf.sop_uid)[-16:]}.dcm")
    return rel, ds


def write_dataset(path: str, ds: Dataset) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    implicit = ds.file_meta.TransferSyntaxUID == synth.IMPLICIT_LE
    # Written as is: the file meta must stay exactly as a test left it.
    pydicom.dcmwrite(path, ds, implicit_vr=implicit, little_endian=True)


def write_clean_tree(study: synth.SyntheticStudy, out_dir: str) -> dict[str, str]:
    """De-identify every file into ``out_dir``; returns input rel -> output rel."""
    mapping = {}
    for sf in study.files:
        rel, ds = deidentify(sf)
        write_dataset(os.path.join(out_dir, *rel.split("/")), ds)
        mapping[sf.rel] = rel
    return mapping


def read(path: str) -> Dataset:
    return pydicom.dcmread(path)
