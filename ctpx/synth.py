"""Synthetic DICOM studies with planted, recognisable fake identifiers.

``generate(seed=...)`` builds a few patients, each with studies of small CT series and one
Comprehensive SR, entirely in memory. Every identifying value is invented from seeded random
choices (invented surnames, ``SYN``-prefixed IDs, ``2.25`` UIDs, dates in fixed ranges), so no
real person's data is involved and the same seed always gives the same bytes.

The identifiers are planted where de-identification tools tend to miss them: nested sequences
(down to depth 3), private blocks under real creator names (GEMS_IDEN_01, SIEMENS CSA HEADER,
Philips Imaging DD 001, a private sequence, blocks after the pixel data), free text, the SR
content tree, overlays and curves, the file meta information, the 128-byte preamble and the file
path. Patients use different character sets: Latin-1 (ISO_IR 100), UTF-8 (ISO_IR 192, with
ideographic and phonetic name groups) and none at all (Latin-1 bytes with no
SpecificCharacterSet, in implicit VR little endian).

Each study comes with a ``Manifest`` listing every ``Plant``: the file, the MIDI-B tag path, the
value kind, the element value and the identifying ``token`` inside it. Tests use the manifest as
the answer key for ``ctpx verify``; ``write(study, folder)`` also writes it as ``manifest.json``.
"""
from __future__ import annotations

import datetime as _dt
import io
import json
import os
import random
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from .verify_paths import Item, PrivateTag, format_path

MANIFEST_FORMAT = "ctpx-synth-manifest/1"
MANIFEST_NAME = "manifest.json"

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
IMPLICIT_LE = "1.2.840.10008.1.2"

# Invented name parts: recombined, they give surnames that read like names but are not a list
# of real people. Latin-1 and UTF-8 patients get parts that need their character set.
_SURNAME_HEADS = ["Quor", "Vant", "Oxen", "Bram", "Thist", "Marr", "Zand", "Quill", "Fenn",
                  "Grisk", "Jask", "Lumb", "Nerv", "Prew", "Skor", "Tuv", "Wex", "Yarr", "Corv",
                  "Dremm"]
_SURNAME_TAILS = ["bel", "orre", "holt", "bleton", "lewood", "owby", "relle", "feather",
                  "wick", "ardy", "mere", "ington", "quist", "ander", "ovic", "enfeld"]
_LATIN1_SURNAMES = ["Hörnqvald", "Brévantis", "Quérmoux", "Østerbrink", "Dümmelrath"]
_UTF8_SURNAMES = ["Łęczyrad", "Šťorvanek", "Żmirowska", "Ćwieldrak"]
_GIVEN = ["Ignatia", "Balthus", "Orlaith", "Peregrine", "Ysolde", "Cassius", "Theodora",
          "Lucan", "Mirelle", "Osric", "Evander", "Rosalind", "Tobiah", "Wilhelmina"]
_LATIN1_GIVEN = ["Élisandre", "Maëlwenn", "Søren", "Jöran"]
_IDEOGRAPHIC = [("山田", "花子", "やまだ", "はなこ"), ("佐藤", "健太", "さとう", "けんた"),
                ("鈴木", "美咲", "すずき", "みさき")]
_TOWNS = ["Norvale", "Ashgrove", "Bellmere", "Cindervale", "Dunmarrow"]
_STREET_KINDS = ["Lane", "Road", "Close", "Avenue"]

#: Values kept by a de-identification on purpose; a verifier must not flag them.
BENIGN = {
    "Modality": "CT",
    "StudyDescription": "CT CHEST WITH CONTRAST",
    "BodyPartExamined": "CHEST",
    "Manufacturer": "SYNTHETIC MEDICAL SYSTEMS",
    "ManufacturerModelName": "SYNSCAN 64",
    "SoftwareVersions": "SYN 1.0",
    "ProtocolName": "CHEST ROUTINE",
}
_SERIES_DESCRIPTIONS = ["AXIAL 5MM", "CORONAL 3MM", "SAGITTAL 3MM", "LUNG 1MM"]


@dataclass(frozen=True)
class Plant:
    """One planted identifier.

    ``path`` is the MIDI-B tag path, or ``(preamble)`` / ``(file-name)`` for the places that are
    not elements. ``token`` is the identifying text a verifier should report (the whole value, or
    the part of a free text that identifies); ``source`` names the identity it copies (e.g.
    ``PatientName``) and ``place`` says which kind of hiding place it is.
    """

    file: str
    path: str
    kind: str
    value: str
    token: str
    place: str
    source: str = ""


@dataclass
class Patient:
    index: int
    name: str                 # the full PN value, component groups included
    family: str
    given: str
    patient_id: str
    other_id: str
    birth_date: str
    sex: str
    address: str
    phone: str
    charset: str | None       # SpecificCharacterSet, None for "not present"
    transfer_syntax: str
    maiden_name: str


@dataclass
class SynthFile:
    """A generated file: its relative path and its dataset (with file meta and preamble)."""

    rel: str
    dataset: Any              # pydicom FileDataset-like Dataset
    patient_id: str
    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class: str

    def to_bytes(self) -> bytes:
        from pydicom import dcmwrite
        buf = io.BytesIO()
        ts = str(self.dataset.file_meta.TransferSyntaxUID)
        dcmwrite(buf, self.dataset, implicit_vr=(ts == IMPLICIT_LE), little_endian=True,
                 enforce_file_format=True)
        return buf.getvalue()


@dataclass
class Manifest:
    seed: int
    patients: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    plants: list[Plant] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"format": MANIFEST_FORMAT, "seed": self.seed, "patients": self.patients,
                "files": self.files, "plants": [asdict(p) for p in self.plants]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def plants_in(self, rel: str) -> list[Plant]:
        return [p for p in self.plants if p.file == rel]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Manifest":
        return cls(seed=d["seed"], patients=d["patients"], files=d["files"],
                   plants=[Plant(**p) for p in d["plants"]])


@dataclass
class SyntheticStudy:
    files: list[SynthFile]
    manifest: Manifest

    def file(self, rel: str) -> SynthFile:
        for f in self.files:
            if f.rel == rel:
                return f
        raise KeyError(rel)


class _Rng:
    """Seeded choices; everything random in a study goes through one of these."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def digits(self, n: int) -> str:
        return str(self.r.randrange(10 ** (n - 1), 10 ** n))

    def choice(self, seq):
        return seq[self.r.randrange(len(seq))]

    def uid(self) -> str:
        return "2.25." + str(self.r.getrandbits(122) | (1 << 100))

    def date(self, first_year: int, last_year: int) -> _dt.date:
        start = _dt.date(first_year, 1, 1).toordinal()
        end = _dt.date(last_year, 12, 28).toordinal()
        return _dt.date.fromordinal(self.r.randrange(start, end))

    def time(self) -> str:
        return f"{self.r.randrange(7, 19):02d}{self.r.randrange(60):02d}{self.r.randrange(60):02d}"

    def surname(self, used: set[str]) -> str:
        while True:
            s = self.choice(_SURNAME_HEADS) + self.choice(_SURNAME_TAILS)
            if s not in used:
                used.add(s)
                return s

    def bytes(self, n: int) -> bytes:
        return bytes(self.r.getrandbits(8) for _ in range(n))


class _Planter:
    """Collects plants while datasets are built, so paths are written once, where values go."""

    def __init__(self):
        self.plants: list[Plant] = []
        self.rel = ""

    def add(self, steps: Iterable, kind: str, value: str, place: str, token: str | None = None,
            source: str = "") -> str:
        self.plants.append(Plant(self.rel, format_path(steps), kind, value,
                                 value if token is None else token, place, source))
        return value


def _da(d: _dt.date) -> str:
    return d.strftime("%Y%m%d")


def generate(seed: int = 1, patients: int = 3, studies: Iterable[int] | None = None,
             series_per_study: int = 2, instances_per_series: int = 2, rows: int = 8,
             columns: int = 8, sr: bool = True) -> SyntheticStudy:
    """A deterministic synthetic collection: ``patients`` patients, each with ``studies[i]``
    studies (default: two for the first patient, one for the others) of ``series_per_study``
    CT series and, when ``sr``, one SR document that references the images."""
    rng = _Rng(seed)
    counts = list(studies) if studies is not None else [2] + [1] * (patients - 1)
    if len(counts) < patients:
        counts += [1] * (patients - len(counts))
    used: set[str] = set()
    planter = _Planter()
    manifest = Manifest(seed=seed)
    files: list[SynthFile] = []
    for p_index in range(patients):
        pat = _make_patient(rng, p_index, used)
        manifest.patients.append({k: v for k, v in asdict(pat).items()})
        for s_index in range(counts[p_index]):
            files += _make_study(rng, planter, pat, s_index, series_per_study,
                                 instances_per_series, rows, columns, sr, used)
    manifest.plants = planter.plants + _path_plants(files)
    for f in files:
        manifest.files.append({"path": f.rel, "patient_id": f.patient_id, "study_uid": f.study_uid,
                               "series_uid": f.series_uid, "sop_uid": f.sop_uid,
                               "sop_class": f.sop_class,
                               "transfer_syntax": str(f.dataset.file_meta.TransferSyntaxUID),
                               "charset": f.dataset.get("SpecificCharacterSet")})
    return SyntheticStudy(files, manifest)


def _make_patient(rng: _Rng, index: int, used: set[str]) -> Patient:
    # The charset cycles so that any study of three or more patients has all three encodings.
    flavour = index % 3
    if flavour == 0:
        family, given, charset = rng.choice(_LATIN1_SURNAMES), rng.choice(_LATIN1_GIVEN), "ISO_IR 100"
        name = f"{family}^{given}^{rng.choice(_GIVEN)}^Mrs"
        ts = EXPLICIT_LE
    elif flavour == 1:
        family, given, charset = rng.choice(_UTF8_SURNAMES), rng.choice(_GIVEN), "ISO_IR 192"
        ideo = rng.choice(_IDEOGRAPHIC)
        name = f"{family}^{given}={ideo[0]}^{ideo[1]}={ideo[2]}^{ideo[3]}"
        ts = EXPLICIT_LE
    else:
        # No SpecificCharacterSet, yet a Latin-1 byte in the name: readers must fall back.
        family, given, charset = rng.surname(used) + "ü", rng.choice(_GIVEN), None
        name = f"{family}^{given}^^Dr^III"
        ts = IMPLICIT_LE
    used.add(family)
    street = rng.surname(used)
    return Patient(
        index=index, name=name, family=family, given=given,
        patient_id="SYN" + rng.digits(7), other_id="HX-" + rng.digits(6),
        birth_date=_da(rng.date(1932, 2004)), sex=rng.choice(["F", "M", "O"]),
        address=f"{rng.r.randrange(2, 98)} {street} {rng.choice(_STREET_KINDS)}, "
                f"{rng.choice(_TOWNS)}",
        phone=f"(555) 01{rng.digits(1)}-{rng.digits(4)}",
        charset=charset, transfer_syntax=ts,
        maiden_name=f"{rng.surname(used)}^{given}")


@dataclass
class _StudyIds:
    study_uid: str
    accession: str
    study_id: str
    study_date: _dt.date
    study_time: str
    institution: str
    institution_address: str
    department: str
    station: str
    station_ae: str
    serial: str
    referring: str
    referring_code: str
    performing: list[str]
    operator: str
    cue_physician: str      # a physician who only appears in free text, after "Dr."
    requested_id: str
    sps_id: str
    for_uid: str


def _make_study(rng: _Rng, planter: _Planter, pat: Patient, s_index: int, n_series: int,
                n_inst: int, rows: int, cols: int, sr: bool, used: set[str]) -> list[SynthFile]:
    def person() -> str:
        return f"{rng.surname(used)}^{rng.choice(_GIVEN)}"

    ids = _StudyIds(
        study_uid=rng.uid(), accession="SA" + rng.digits(8), study_id=rng.digits(6),
        study_date=rng.date(2014, 2023), study_time=rng.time(),
        institution=f"{rng.surname(used)} Memorial Clinic",
        institution_address=f"{rng.r.randrange(100, 999)} {rng.surname(used)} Road, "
                            f"{rng.choice(_TOWNS)}",
        department=f"{rng.surname(used)} Imaging Wing",
        station="CTROOM" + rng.digits(2) + "-SYN", station_ae="SYNCT" + rng.digits(4),
        serial="SN" + rng.digits(8), referring=person(), referring_code="PHY" + rng.digits(5),
        performing=[person(), person()], operator=person(), cue_physician=rng.surname(used),
        requested_id="RP" + rng.digits(6), sps_id="SPS" + rng.digits(6), for_uid=rng.uid())
    study_dir = f"PAT_{pat.patient_id}/{_da(ids.study_date)}_{ids.accession}"
    out: list[SynthFile] = []
    first_image: tuple[str, str] | None = None
    images: list[tuple[str, str, str]] = []            # (series uid, sop class, sop uid)
    for se in range(n_series):
        series_uid = rng.uid()
        for inst in range(n_inst):
            sop_uid = rng.uid()
            rel = f"{study_dir}/SER{se + 1:02d}_CT/IMG{inst + 1:04d}.dcm"
            planter.rel = rel
            ds = _ct_image(rng, planter, pat, ids, series_uid, sop_uid, se, inst, rows, cols,
                           first_image)
            if first_image is None:
                first_image = (CT_IMAGE_STORAGE, sop_uid)
            out.append(SynthFile(rel, ds, pat.patient_id, ids.study_uid, series_uid, sop_uid,
                                 CT_IMAGE_STORAGE))
            images.append((series_uid, CT_IMAGE_STORAGE, sop_uid))
    if sr:
        series_uid, sop_uid = rng.uid(), rng.uid()
        rel = f"{study_dir}/SER{n_series + 1:02d}_SR/DOC0001.dcm"
        planter.rel = rel
        ds = _sr_document(rng, planter, pat, ids, series_uid, sop_uid, images)
        out.append(SynthFile(rel, ds, pat.patient_id, ids.study_uid, series_uid, sop_uid,
                             COMPREHENSIVE_SR))
    return out


def _new_file_dataset(pat: Patient, sop_class: str, sop_uid: str, ids: _StudyIds,
                      planter: _Planter, preamble: bool):
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import UID

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(sop_class)
    meta.MediaStorageSOPInstanceUID = UID(sop_uid)
    planter.add([0x00020003], "uid", sop_uid, "file-meta", source="SOPInstanceUID")
    meta.TransferSyntaxUID = UID(pat.transfer_syntax)
    meta.ImplementationClassUID = UID("1.2.826.0.1.3680043.10.1455.1")
    meta.ImplementationVersionName = "CTPX_SYNTH_1"
    meta.SourceApplicationEntityTitle = planter.add([0x00020016], "device", ids.station_ae,
                                                    "file-meta", source="StationAETitle")
    meta.PrivateInformationCreatorUID = UID("1.2.826.0.1.3680043.10.1455.2")
    info = f"MRN={pat.patient_id};"
    meta.PrivateInformation = info.encode("ascii")
    planter.add([0x00020102], "id", info, "file-meta", token=pat.patient_id, source="PatientID")
    ds = Dataset()
    ds.file_meta = meta
    if preamble:
        text = f"SYNTH-PREAMBLE patient {pat.patient_id} ".encode("ascii")
        ds.preamble = text + b"\0" * (128 - len(text))
        planter.plants.append(Plant(planter.rel, "(preamble)", "id", text.decode(),
                                    pat.patient_id, "preamble", "PatientID"))
    else:
        ds.preamble = b"\0" * 128
    if pat.charset:
        ds.SpecificCharacterSet = pat.charset
    return ds


def _patient_module(ds, planter: _Planter, pat: Patient, ids: _StudyIds) -> None:
    top = "top-level"
    ds.PatientName = planter.add([0x00100010], "name", pat.name, top, source="PatientName")
    ds.PatientID = planter.add([0x00100020], "id", pat.patient_id, top, source="PatientID")
    ds.PatientBirthDate = planter.add([0x00100030], "date", pat.birth_date, top,
                                      source="PatientBirthDate")
    ds.PatientSex = pat.sex
    ds.PatientAge = f"{ids.study_date.year - int(pat.birth_date[:4]):03d}Y"
    ds.OtherPatientIDs = planter.add([0x00101000], "id", pat.other_id, top,
                                     source="OtherPatientIDs")
    ds.OtherPatientNames = planter.add([0x00101001], "name", pat.maiden_name, top,
                                       source="OtherPatientNames")
    ds.PatientAddress = planter.add([0x00101040], "address", pat.address, top,
                                    source="PatientAddress")
    ds.PatientTelephoneNumbers = planter.add([0x00102154], "phone", pat.phone, top,
                                             source="PatientTelephoneNumbers")
    from pydicom.dataset import Dataset
    other = Dataset()
    other.PatientID = planter.add([0x00101002, Item(0), 0x00100020], "id", pat.other_id,
                                  "nested-sequence", source="OtherPatientIDs")
    other.IssuerOfPatientID = planter.add([0x00101002, Item(0), 0x00100021], "institution",
                                          ids.institution, "nested-sequence",
                                          source="InstitutionName")
    other.TypeOfPatientID = "TEXT"
    ds.OtherPatientIDsSequence = [other]


def _study_module(ds, planter: _Planter, pat: Patient, ids: _StudyIds) -> None:
    from pydicom.dataset import Dataset
    top = "top-level"
    ds.StudyInstanceUID = planter.add([0x0020000D], "uid", ids.study_uid, top,
                                      source="StudyInstanceUID")
    ds.StudyDate = planter.add([0x00080020], "date", _da(ids.study_date), top,
                               source="StudyDate")
    ds.StudyTime = ids.study_time
    ds.AccessionNumber = planter.add([0x00080050], "id", ids.accession, top,
                                     source="AccessionNumber")
    ds.StudyID = planter.add([0x00200010], "id", ids.study_id, top, source="StudyID")
    ds.StudyDescription = BENIGN["StudyDescription"]
    ds.ReferringPhysicianName = planter.add([0x00080090], "name", ids.referring, top,
                                            source="ReferringPhysicianName")
    ident = Dataset()
    code = Dataset()
    code.CodeValue = planter.add([0x00080096, Item(0), 0x00401101, Item(0), 0x00080100], "id",
                                 ids.referring_code, "nested-sequence",
                                 source="ReferringPhysicianIdentificationSequence")
    code.CodingSchemeDesignator = "L"
    code.CodeMeaning = "Referring physician number"
    ident.PersonIdentificationCodeSequence = [code]
    ds.ReferringPhysicianIdentificationSequence = [ident]
    ref_study = Dataset()
    ref_study.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"
    ref_study.ReferencedSOPInstanceUID = planter.add(
        [0x00081110, Item(0), 0x00081155], "uid", ids.study_uid, "nested-sequence",
        source="StudyInstanceUID")
    ds.ReferencedStudySequence = [ref_study]
    # RequestAttributesSequence > ScheduledProtocolCodeSequence > ProtocolContextSequence:
    # a person name at depth 3, where only a recursive rule reaches it.
    req = Dataset()
    req.RequestedProcedureID = planter.add([0x00400275, Item(0), 0x00401001], "id",
                                           ids.requested_id, "nested-sequence",
                                           source="RequestedProcedureID")
    req.ScheduledProcedureStepID = planter.add([0x00400275, Item(0), 0x00400009], "id",
                                               ids.sps_id, "nested-sequence",
                                               source="ScheduledProcedureStepID")
    req.RequestedProcedureDescription = BENIGN["StudyDescription"]
    proto = Dataset()
    proto.CodeValue = "CTCHEST"
    proto.CodingSchemeDesignator = "L"
    proto.CodeMeaning = "CT chest routine"
    context = Dataset()
    context.ValueType = "PNAME"
    cname = Dataset()
    cname.CodeValue = "121008"
    cname.CodingSchemeDesignator = "DCM"
    cname.CodeMeaning = "Person Observer Name"
    context.ConceptNameCodeSequence = [cname]
    context.PersonName = planter.add(
        [0x00400275, Item(0), 0x00400008, Item(0), 0x00400440, Item(0), 0x0040A123], "name",
        ids.operator, "nested-sequence", source="OperatorsName")
    proto.ProtocolContextSequence = [context]
    req.ScheduledProtocolCodeSequence = [proto]
    ds.RequestAttributesSequence = [req]


def _equipment_module(ds, planter: _Planter, ids: _StudyIds) -> None:
    top = "top-level"
    ds.Manufacturer = BENIGN["Manufacturer"]
    ds.ManufacturerModelName = BENIGN["ManufacturerModelName"]
    ds.SoftwareVersions = BENIGN["SoftwareVersions"]
    ds.InstitutionName = planter.add([0x00080080], "institution", ids.institution, top,
                                     source="InstitutionName")
    ds.InstitutionAddress = planter.add([0x00080081], "address", ids.institution_address, top,
                                        source="InstitutionAddress")
    ds.InstitutionalDepartmentName = planter.add([0x00081040], "institution", ids.department,
                                                 top, source="InstitutionalDepartmentName")
    ds.StationName = planter.add([0x00081010], "device", ids.station, top, source="StationName")
    ds.DeviceSerialNumber = planter.add([0x00181000], "device", ids.serial, top,
                                        source="DeviceSerialNumber")


def _ct_image(rng: _Rng, planter: _Planter, pat: Patient, ids: _StudyIds, series_uid: str,
              sop_uid: str, se: int, inst: int, rows: int, cols: int,
              first_image: tuple[str, str] | None):
    from pydicom.dataset import Dataset
    top = "top-level"
    ds = _new_file_dataset(pat, CT_IMAGE_STORAGE, sop_uid, ids, planter, preamble=(inst == 0))
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = CT_IMAGE_STORAGE
    ds.SOPInstanceUID = planter.add([0x00080018], "uid", sop_uid, top, source="SOPInstanceUID")
    series_date = ids.study_date
    ds.SeriesDate = planter.add([0x00080021], "date", _da(series_date), top, source="SeriesDate")
    ds.ContentDate = planter.add([0x00080023], "date", _da(series_date), top,
                                 source="ContentDate")
    ds.SeriesTime = ids.study_time
    acq = f"{_da(series_date)}{rng.time()}.{rng.digits(6)}"
    ds.AcquisitionDateTime = planter.add([0x0008002A], "datetime", acq, top,
                                         source="AcquisitionDateTime")
    ds.Modality = BENIGN["Modality"]
    _patient_module(ds, planter, pat, ids)
    _study_module(ds, planter, pat, ids)
    _equipment_module(ds, planter, ids)
    ds.PerformingPhysicianName = planter.add([0x00081050], "name", "\\".join(ids.performing),
                                             top, token=ids.performing[1],
                                             source="PerformingPhysicianName")
    ds.OperatorsName = planter.add([0x00081070], "name", ids.operator, top,
                                   source="OperatorsName")
    ds.SeriesDescription = _SERIES_DESCRIPTIONS[se % len(_SERIES_DESCRIPTIONS)]
    ds.ProtocolName = BENIGN["ProtocolName"]
    ds.BodyPartExamined = BENIGN["BodyPartExamined"]
    ds.KVP = "120"
    ds.SliceThickness = "5"
    ds.SeriesInstanceUID = planter.add([0x0020000E], "uid", series_uid, top,
                                       source="SeriesInstanceUID")
    ds.SeriesNumber = se + 1
    ds.InstanceNumber = inst + 1
    ds.FrameOfReferenceUID = planter.add([0x00200052], "uid", ids.for_uid, top,
                                         source="FrameOfReferenceUID")
    ds.ImagePositionPatient = [0, 0, -5 * inst]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    # Free text with identifiers in other spellings than the elements they come from.
    dob = _dt.datetime.strptime(pat.birth_date, "%Y%m%d").date()
    comment = (f"Pt MRN {pat.patient_id} scanned {ids.study_date.isoformat()}; "
               f"DOB {dob.strftime('%d.%m.%Y')}; seen by Dr. {ids.cue_physician}")
    ds.ImageComments = comment
    for token, kind, source in ((pat.patient_id, "id", "PatientID"),
                                (ids.study_date.isoformat(), "date", "StudyDate"),
                                (dob.strftime("%d.%m.%Y"), "date", "PatientBirthDate"),
                                (ids.cue_physician, "name", "free text")):
        planter.add([0x00204000], kind, comment, "free-text", token=token, source=source)
    history = f"Referred by Dr. {ids.cue_physician} on {ids.study_date.strftime('%m/%d/%Y')}"
    ds.AdditionalPatientHistory = history
    planter.add([0x001021B0], "name", history, "free-text", token=ids.cue_physician,
                source="free text")
    planter.add([0x001021B0], "date", history, "free-text",
                token=ids.study_date.strftime("%m/%d/%Y"), source="StudyDate")
    # The PatientName that CTP's default script leaves inside an unprocessed sequence.
    ref_series = Dataset()
    ref_series.SeriesInstanceUID = planter.add([0x00081115, Item(0), 0x0020000E], "uid",
                                               series_uid, "nested-sequence",
                                               source="SeriesInstanceUID")
    ref_series.PatientName = planter.add([0x00081115, Item(0), 0x00100010], "name", pat.name,
                                         "nested-sequence", source="PatientName")
    ds.ReferencedSeriesSequence = [ref_series]
    if first_image is not None:
        ref = Dataset()
        ref.ReferencedSOPClassUID = first_image[0]
        ref.ReferencedSOPInstanceUID = planter.add([0x00081140, Item(0), 0x00081155], "uid",
                                                   first_image[1], "reference",
                                                   source="SOPInstanceUID")
        ds.ReferencedImageSequence = [ref]
    _private_blocks(ds, planter, pat, ids)
    _overlay_and_curve(ds, planter, pat, ids, rows, cols, rng)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = rows, cols
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleIntercept, ds.RescaleSlope = "-1024", "1"
    ds.PixelData = bytes(b & 0x0F if i % 2 else b for i, b in enumerate(rng.bytes(rows * cols * 2)))
    _after_pixels(ds, planter, pat)
    return ds


def _private_blocks(ds, planter: _Planter, pat: Patient, ids: _StudyIds) -> None:
    from pydicom.dataset import Dataset
    place = "private"
    ge = ds.private_block(0x0009, "GEMS_IDEN_01", create=True)
    ge.add_new(0x02, "SH", "SYNSUITE")
    # Element 04 is one that CTP's dictionary marks safe (K): a PatientID there survives
    # keep.safeprivateelements.
    ge.add_new(0x04, "SH", planter.add([PrivateTag(0x0009, "GEMS_IDEN_01", 0x04)], "id",
                                       pat.patient_id, place, source="PatientID"))
    ge.add_new(0x30, "SH", planter.add([PrivateTag(0x0009, "GEMS_IDEN_01", 0x30)], "device",
                                       ids.serial, place, source="DeviceSerialNumber"))
    ge.add_new(0xE3, "UI", planter.add([PrivateTag(0x0009, "GEMS_IDEN_01", 0xE3)], "uid",
                                       ids.study_uid, place, source="StudyInstanceUID"))
    csa = ds.private_block(0x0029, "SIEMENS CSA HEADER", create=True)
    csa.add_new(0x08, "CS", "IMAGE NUM 4")
    csa.add_new(0x09, "LO", "SYNCSA 1.0")
    blob = (b"SV10\x04\x03\x02\x01" + b"\x02\0\0\0M\0\0\0" + b"PatientName\0".ljust(64, b"\0")
            + _encode(pat.family + "^" + pat.given, pat.charset) + b"\0\0\0\0")
    csa.add_new(0x10, "OB", blob)
    planter.add([PrivateTag(0x0029, "SIEMENS CSA HEADER", 0x10)], "name",
                pat.family + "^" + pat.given, "private-binary", token=pat.family,
                source="PatientName")
    ph = ds.private_block(0x2001, "Philips Imaging DD 001", create=True)
    ph.add_new(0x20, "LO", "TSE")
    item = Dataset()
    item_block = item.private_block(0x2001, "Philips Imaging DD 001", create=True)
    note = f"Stack planned by {ids.operator.split('^')[0]}"
    item_block.add_new(0xCC, "ST", note)
    stack = PrivateTag(0x2001, "Philips Imaging DD 001", 0x5F)
    planter.add([stack, Item(0), PrivateTag(0x2001, "Philips Imaging DD 001", 0xCC)], "name",
                note, "private-sequence", token=ids.operator.split("^")[0],
                source="OperatorsName")
    item.OperatorsName = planter.add([stack, Item(0), 0x00081070], "name", ids.operator,
                                     "private-sequence", source="OperatorsName")
    ph.add_new(0x5F, "SQ", [item])


def _overlay_and_curve(ds, planter: _Planter, pat: Patient, ids: _StudyIds, rows: int,
                       cols: int, rng: _Rng) -> None:
    from pydicom.dataelem import DataElement
    ds.add(DataElement(0x60000010, "US", rows))
    ds.add(DataElement(0x60000011, "US", cols))
    desc = f"Marked for {pat.family}"
    ds.add(DataElement(0x60000022, "LO", desc))
    planter.add([0x60000022], "name", desc, "overlay", token=pat.family, source="PatientName")
    ds.add(DataElement(0x60000040, "CS", "G"))
    ds.add(DataElement(0x60000050, "SS", [1, 1]))
    ds.add(DataElement(0x60000100, "US", 1))
    ds.add(DataElement(0x60000102, "US", 0))
    ds.add(DataElement(0x60001500, "LO", planter.add([0x60001500], "id", pat.patient_id,
                                                     "overlay", source="PatientID")))
    ds.add(DataElement(0x60003000, "OW", rng.bytes((rows * cols + 15) // 16 * 2)))
    # Curves are retired, yet CTP's remove.curves alone never removes them.
    ds.add(DataElement(0x50002500, "LO", planter.add([0x50002500], "id", ids.accession,
                                                     "curve", source="AccessionNumber")))


def _after_pixels(ds, planter: _Planter, pat: Patient) -> None:
    place = "after-pixel-data"
    movie = ds.private_block(0x7FE1, "GEMS_Ultrasound_MovieGroup_001", create=True)
    movie.add_new(0x02, "LO", planter.add(
        [PrivateTag(0x7FE1, "GEMS_Ultrasound_MovieGroup_001", 0x02)], "name",
        f"{pat.family}^{pat.given}", place, token=pat.family, source="PatientName"))
    nonimage = ds.private_block(0x7FE1, "SIEMENS CSA NON-IMAGE", create=True)
    nonimage.add_new(0x10, "OB", b"\x01\x02CSA\0" + pat.patient_id.encode("ascii") + b"\0")
    planter.add([PrivateTag(0x7FE1, "SIEMENS CSA NON-IMAGE", 0x10)], "id", pat.patient_id,
                place, source="PatientID")


def _sr_document(rng: _Rng, planter: _Planter, pat: Patient, ids: _StudyIds, series_uid: str,
                 sop_uid: str, images: list[tuple[str, str, str]]):
    from pydicom.dataset import Dataset
    top = "top-level"
    ds = _new_file_dataset(pat, COMPREHENSIVE_SR, sop_uid, ids, planter, preamble=False)
    ds.SOPClassUID = COMPREHENSIVE_SR
    ds.SOPInstanceUID = planter.add([0x00080018], "uid", sop_uid, top, source="SOPInstanceUID")
    ds.ContentDate = planter.add([0x00080023], "date", _da(ids.study_date), top,
                                 source="ContentDate")
    ds.ContentTime = rng.time()
    ds.Modality = "SR"
    _patient_module(ds, planter, pat, ids)
    _study_module(ds, planter, pat, ids)
    _equipment_module(ds, planter, ids)
    ds.SeriesInstanceUID = planter.add([0x0020000E], "uid", series_uid, top,
                                       source="SeriesInstanceUID")
    ds.SeriesNumber = 99
    ds.InstanceNumber = 1
    ds.SeriesDescription = "REPORT"
    ds.ValueType = "CONTAINER"
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "VERIFIED"
    title = Dataset()
    title.CodeValue, title.CodingSchemeDesignator, title.CodeMeaning = \
        "18748-4", "LN", "Diagnostic Imaging Report"
    ds.ConceptNameCodeSequence = [title]
    observer = Dataset()
    observer.VerifyingObserverName = planter.add([0x0040A073, Item(0), 0x0040A075], "name",
                                                 ids.referring, "nested-sequence",
                                                 source="ReferringPhysicianName")
    observer.VerifyingOrganization = planter.add([0x0040A073, Item(0), 0x0040A027],
                                                 "institution", ids.institution,
                                                 "nested-sequence", source="InstitutionName")
    vdt = f"{_da(ids.study_date)}{rng.time()}"
    observer.VerificationDateTime = planter.add([0x0040A073, Item(0), 0x0040A030], "datetime",
                                                vdt, "nested-sequence", source="StudyDate")
    observer.VerifyingObserverIdentificationCodeSequence = []
    ds.VerifyingObserverSequence = [observer]

    def concept(value, scheme, meaning):
        c = Dataset()
        c.CodeValue, c.CodingSchemeDesignator, c.CodeMeaning = value, scheme, meaning
        return [c]

    sr = "sr-content"
    text1 = (f"Findings reviewed with Dr. {ids.cue_physician} on "
             f"{ids.study_date.strftime('%B')} {ids.study_date.day}, {ids.study_date.year}")
    t1 = Dataset()
    t1.RelationshipType, t1.ValueType = "CONTAINS", "TEXT"
    t1.ConceptNameCodeSequence = concept("121071", "DCM", "Finding")
    t1.TextValue = text1
    planter.add([0x0040A730, Item(0), 0x0040A160], "name", text1, sr,
                token=ids.cue_physician, source="free text")
    planter.add([0x0040A730, Item(0), 0x0040A160], "date", text1, sr,
                token=f"{ids.study_date.strftime('%B')} {ids.study_date.day}, "
                      f"{ids.study_date.year}", source="StudyDate")
    t2 = Dataset()
    t2.RelationshipType, t2.ValueType = "HAS OBS CONTEXT", "PNAME"
    t2.ConceptNameCodeSequence = concept("121008", "DCM", "Person Observer Name")
    t2.PersonName = planter.add([0x0040A730, Item(1), 0x0040A123], "name", ids.referring, sr,
                                source="ReferringPhysicianName")
    t3 = Dataset()
    t3.RelationshipType, t3.ValueType = "HAS OBS CONTEXT", "DATE"
    t3.ConceptNameCodeSequence = concept("11778-8", "LN", "Birth date")
    t3.Date = planter.add([0x0040A730, Item(2), 0x0040A121], "date", pat.birth_date, sr,
                          source="PatientBirthDate")
    t4 = Dataset()
    t4.RelationshipType, t4.ValueType = "CONTAINS", "CONTAINER"
    t4.ConceptNameCodeSequence = concept("121070", "DCM", "Findings")
    t4.ContinuityOfContent = "SEPARATE"
    inner = Dataset()
    inner.RelationshipType, inner.ValueType = "CONTAINS", "TEXT"
    inner.ConceptNameCodeSequence = concept("121071", "DCM", "Finding")
    inner.TextValue = f"Patient ID {pat.patient_id} confirmed against wristband"
    planter.add([0x0040A730, Item(3), 0x0040A730, Item(0), 0x0040A160], "id", inner.TextValue,
                sr, token=pat.patient_id, source="PatientID")
    t4.ContentSequence = [inner]
    ds.ContentSequence = [t1, t2, t3, t4]
    ev = Dataset()
    ev.StudyInstanceUID = planter.add([0x0040A375, Item(0), 0x0020000D], "uid", ids.study_uid,
                                      "reference", source="StudyInstanceUID")
    by_series: dict[str, list[tuple[str, str]]] = {}
    for series_uid_i, cls, uid in images:
        by_series.setdefault(series_uid_i, []).append((cls, uid))
    ref_series = []
    for si, (series_uid_i, sops) in enumerate(by_series.items()):
        rs = Dataset()
        rs.SeriesInstanceUID = planter.add(
            [0x0040A375, Item(0), 0x00081115, Item(si), 0x0020000E], "uid", series_uid_i,
            "reference", source="SeriesInstanceUID")
        items = []
        for k, (cls, uid) in enumerate(sops):
            r = Dataset()
            r.ReferencedSOPClassUID = cls
            r.ReferencedSOPInstanceUID = planter.add(
                [0x0040A375, Item(0), 0x00081115, Item(si), 0x00081199, Item(k), 0x00081155],
                "uid", uid, "reference", source="SOPInstanceUID")
            items.append(r)
        rs.ReferencedSOPSequence = items
        ref_series.append(rs)
    ev.ReferencedSeriesSequence = ref_series
    ds.CurrentRequestedProcedureEvidenceSequence = [ev]
    return ds


def _encode(text: str, charset: str | None) -> bytes:
    return text.encode("utf-8" if charset == "ISO_IR 192" else "latin-1")


def write(study: SyntheticStudy, folder: str, manifest: str | None = MANIFEST_NAME) -> list[str]:
    """Write every file under ``folder`` (created as needed) and, unless ``manifest`` is None,
    the manifest as JSON beside them. Returns the written DICOM paths."""
    paths = []
    for f in study.files:
        path = os.path.join(folder, *f.rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(f.to_bytes())
        paths.append(path)
    if manifest:
        with open(os.path.join(folder, manifest), "w", encoding="utf-8") as fh:
            fh.write(study.manifest.to_json())
    return paths


def _path_plants(files: list[SynthFile]) -> list[Plant]:
    # The input tree is named after the patient ID, study date and accession number, as many
    # archives export it; an output tree that mirrors it leaks them.
    out = []
    for f in files:
        pid = f.patient_id
        parts = f.rel.split("/")
        date, acc = parts[1].split("_", 1)
        for token, kind, source in ((pid, "id", "PatientID"), (date, "date", "StudyDate"),
                                    (acc, "id", "AccessionNumber")):
            out.append(Plant(f.rel, "(file-name)", kind, f.rel, token, "file-name", source))
    return out
