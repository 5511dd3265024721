#!/usr/bin/env python3
"""Build the deterministic synthetic corpora the ``ctpx apply`` benchmark runs on.

    python scripts/make_bench_corpus.py OUTDIR [--only small,ct,multiframe] [--small N]

Three corpora, each a folder under OUTDIR:

- ``small``: MR images of 64x84 16-bit pixels, about 12 KB each (2,000 by default), in a
  ``<name>_<MRN>/<date>_<accession>/<series>_<description>/IM<n>.dcm`` tree, the way PACS
  exports name folders after patients;
- ``ct``: 512x512 16-bit CT slices, about 520 KB each (400 by default);
- ``multiframe``: a few large enhanced-MR-like multi-frame files (64 MiB each by default).

Every identifier is invented (``BENCH`` surnames, ``2.25`` UIDs derived from counters) and the
pixel data comes from a seeded generator, so the same arguments always give the same bytes; the
benchmark can therefore rebuild a corpus anywhere and compare figures between machines.
A ``corpus.json`` in each folder records what was built; an existing corpus with the same
parameters is left alone.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID

MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4.1"
FORMAT = "ctpx-bench-corpus/1"

_SURNAMES = ["BENCHWOOD", "TESTMORE", "SAMPLETON", "FIXTUREY", "MOCKFORD", "DUMMIEL",
             "PLACEHOLT", "SYNTHER"]
_GIVEN = ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT", "GOLF", "HOTEL"]


def _uid(*parts: int) -> str:
    """A 2.25 UID from integers: deterministic, unique per tuple, within 64 characters."""
    n = 0
    for p in parts:
        n = n * 1_000_003 + p + 1
    return f"2.25.{(n * 0x9E3779B97F4A7C15) % (10 ** 38)}"


def _pixels(rng: random.Random, nbytes: int) -> bytes:
    # Noise compresses badly, like real images; a shared block keeps generation fast.
    block = rng.randbytes(min(nbytes, 1 << 16))
    reps, rest = divmod(nbytes, len(block))
    return block * reps + block[:rest]


def _base(sop_class: str, sop_uid: str, patient: int, study: int, series: int,
          instance: int) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = Dataset()
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.StudyDate = f"2019{(study % 12) + 1:02d}{(patient % 27) + 1:02d}"
    ds.SeriesDate = ds.StudyDate
    ds.ContentDate = ds.StudyDate
    ds.StudyTime = f"{8 + series % 10:02d}{instance % 60:02d}00"
    ds.AccessionNumber = f"ACC{patient:04d}{study:02d}"
    ds.InstitutionName = "BENCH GENERAL HOSPITAL"
    ds.InstitutionAddress = "1 Example Road, Nowhere"
    ds.ReferringPhysicianName = "REFERRER^BENCH"
    ds.StationName = f"STATION{series % 4}"
    ds.StudyDescription = "BENCHMARK STUDY"
    ds.SeriesDescription = f"SERIES {series}"
    ds.OperatorsName = "OPERATOR^BENCH"
    name = f"{_SURNAMES[patient % len(_SURNAMES)]}{patient}^{_GIVEN[patient % len(_GIVEN)]}"
    ds.PatientName = name
    ds.PatientID = f"MRN{100000 + patient}"
    ds.PatientBirthDate = f"19{50 + patient % 40:02d}0101"
    ds.PatientSex = "MF"[patient % 2]
    ds.PatientAge = f"{30 + patient % 40:03d}Y"
    ds.OtherPatientIDs = f"ALT{patient:05d}"
    ds.StudyInstanceUID = _uid(1, patient, study)
    ds.SeriesInstanceUID = _uid(2, patient, study, series)
    ds.StudyID = f"S{study}"
    ds.SeriesNumber = series + 1
    ds.InstanceNumber = instance + 1
    ds.FrameOfReferenceUID = _uid(3, patient, study)
    ref = Dataset()
    ref.ReferencedSOPClassUID = sop_class
    ref.ReferencedSOPInstanceUID = _uid(4, patient, study, series, instance)
    ds.ReferencedImageSequence = Sequence([ref])
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    return ds


def _folder(patient: int, study: int, series: int, ds: Dataset) -> str:
    # Source folder names carry the patient's name and MRN, as many exports do: the hierarchy
    # layout must not carry them into OUT.
    return os.path.join(f"{str(ds.PatientName).replace('^', '_')}_{ds.PatientID}",
                        f"{ds.StudyDate}_{ds.AccessionNumber}",
                        f"{series + 1:03d}_SERIES_{series}")


def _write(ds: Dataset, path: str) -> int:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return os.path.getsize(path)


def build_small(out: str, files: int = 2000, seed: int = 1) -> dict:
    rng = random.Random(seed)
    per_series, series_per_study, studies_per_patient = 10, 5, 2
    n = total = 0
    patient = 0
    while n < files:
        for study in range(studies_per_patient):
            for series in range(series_per_study):
                for inst in range(per_series):
                    if n >= files:
                        break
                    ds = _base(MR_STORAGE, _uid(5, patient, study, series, inst), patient, study,
                               series, inst)
                    ds.Modality = "MR"
                    ds.Rows, ds.Columns = 64, 84
                    ds.PixelData = _pixels(rng, 64 * 84 * 2)
                    path = os.path.join(out, _folder(patient, study, series, ds),
                                        f"IM{inst + 1:04d}.dcm")
                    total += _write(ds, path)
                    n += 1
        patient += 1
    return {"files": n, "bytes": total, "patients": patient}


def build_ct(out: str, files: int = 400, seed: int = 2) -> dict:
    rng = random.Random(seed)
    per_series = 100
    total = 0
    for i in range(files):
        patient, series, inst = 1000 + i // (per_series * 2), (i // per_series) % 2, i % per_series
        ds = _base(CT_STORAGE, _uid(6, patient, 0, series, inst), patient, 0, series, inst)
        ds.Modality = "CT"
        ds.Rows = ds.Columns = 512
        ds.RescaleIntercept = -1024
        ds.RescaleSlope = 1
        ds.SliceThickness = 1.0
        ds.ImagePositionPatient = [0.0, 0.0, float(inst)]
        ds.PixelData = _pixels(rng, 512 * 512 * 2)
        total += _write(ds, os.path.join(out, _folder(patient, 0, series, ds),
                                         f"CT{inst + 1:04d}.dcm"))
    return {"files": files, "bytes": total}


def build_multiframe(out: str, files: int = 3, mib: int = 64, seed: int = 3) -> dict:
    rng = random.Random(seed)
    frame = 512 * 512 * 2
    frames = max(1, (mib << 20) // frame)
    total = 0
    for i in range(files):
        patient = 2000 + i
        ds = _base(ENHANCED_MR_STORAGE, _uid(7, patient, 0, 0, i), patient, 0, 0, i)
        ds.Modality = "MR"
        ds.Rows = ds.Columns = 512
        ds.NumberOfFrames = frames
        ds.PixelData = _pixels(rng, frame * frames)
        total += _write(ds, os.path.join(out, _folder(patient, 0, 0, ds), f"MF{i + 1:02d}.dcm"))
    return {"files": files, "bytes": total, "frames_per_file": frames}


BUILDERS = {"small": build_small, "ct": build_ct, "multiframe": build_multiframe}


def build(root: str, which=("small", "ct", "multiframe"), small: int = 2000, ct: int = 400,
          multiframe: int = 3, mib: int = 64, quiet: bool = False) -> dict[str, str]:
    """Build (or reuse) each corpus; returns {name: folder}."""
    sizes = {"small": {"files": small}, "ct": {"files": ct},
             "multiframe": {"files": multiframe, "mib": mib}}
    folders = {}
    for name in which:
        folder = os.path.join(root, name)
        params = {"format": FORMAT, "corpus": name, **sizes[name]}
        stamp = os.path.join(root, f"{name}.corpus.json")
        if os.path.isfile(stamp):
            with open(stamp, encoding="utf-8") as f:
                old = json.load(f)
            if old.get("params") == params and os.path.isdir(folder):
                folders[name] = folder
                continue
        if os.path.isdir(folder):
            import shutil
            shutil.rmtree(folder)
        if not quiet:
            print(f"building the {name} corpus in {folder} ...", file=sys.stderr)
        info = BUILDERS[name](folder, **sizes[name])
        with open(stamp, "w", encoding="utf-8") as f:
            json.dump({"params": params, "built": info}, f, indent=2)
        folders[name] = folder
    return folders


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", help="folder to build the corpora in")
    p.add_argument("--only", default="small,ct,multiframe",
                   help="comma-separated corpora to build (default: all three)")
    p.add_argument("--small", type=int, default=2000, help="files in the small corpus")
    p.add_argument("--ct", type=int, default=400, help="files in the CT corpus")
    p.add_argument("--multiframe", type=int, default=3, help="files in the multi-frame corpus")
    p.add_argument("--mib", type=int, default=64, help="size of each multi-frame file in MiB")
    args = p.parse_args(argv)
    which = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = set(which) - set(BUILDERS)
    if unknown:
        p.error(f"unknown corpus: {', '.join(sorted(unknown))}")
    for name, folder in build(args.out, which, args.small, args.ct, args.multiframe,
                              args.mib).items():
        print(f"{name}: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
