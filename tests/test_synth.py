"""The synthetic study generator: deterministic, and its manifest tells the truth."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pydicom
import pytest

from ctpx import synth

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def study():
    return synth.generate(seed=5)


def test_same_seed_same_bytes_and_manifest():
    a, b = synth.generate(seed=3), synth.generate(seed=3)
    assert [f.rel for f in a.files] == [f.rel for f in b.files]
    assert all(x.to_bytes() == y.to_bytes() for x, y in zip(a.files, b.files))
    assert a.manifest.to_json() == b.manifest.to_json()
    c = synth.generate(seed=4)
    assert c.files[0].to_bytes() != a.files[0].to_bytes()


def test_shape_options():
    s = synth.generate(seed=2, patients=2, studies=[1, 1], series_per_study=3,
                       instances_per_series=1, rows=4, columns=4, sr=False)
    assert len(s.files) == 2 * 3
    ds = pydicom.dcmread(io.BytesIO(s.files[0].to_bytes()))
    assert (ds.Rows, ds.Columns, len(ds.PixelData)) == (4, 4, 32)
    default = synth.generate(seed=2)
    # Three patients, the first with two studies; two series of two images and one SR each.
    assert len(default.files) == 4 * 5
    assert len({f.patient_id for f in default.files}) == 3


def test_every_hiding_place_is_used(study):
    places = {p.place for p in study.manifest.plants}
    assert places >= {"top-level", "nested-sequence", "private", "private-binary",
                      "private-sequence", "free-text", "sr-content", "overlay", "curve",
                      "after-pixel-data", "file-meta", "preamble", "file-name", "reference"}
    kinds = {p.kind for p in study.manifest.plants}
    assert kinds >= {"name", "id", "date", "datetime", "uid", "institution", "address",
                     "device", "phone"}


def test_real_creator_names_and_midib_paths(study):
    paths = {p.path for p in study.manifest.plants}
    assert "<(0040,0275)>[<0>]<(0040,1001)>" in paths
    assert '<(0009,"GEMS_IDEN_01",04)>' in paths
    assert '<(0029,"SIEMENS CSA HEADER",10)>' in paths
    assert ('<(2001,"Philips Imaging DD 001",5F)>[<0>]<(2001,"Philips Imaging DD 001",CC)>'
            in paths)
    assert "<(0040,0275)>[<0>]<(0040,0008)>[<0>]<(0040,0440)>[<0>]<(0040,A123)>" in paths


_STEP = re.compile(r'<\(([0-9A-F]{4}),(?:"([^"]*)",([0-9A-F]{2})|([0-9A-F]{4}))\)>|\[<(\d+)>\]')


def _resolve(ds, path):
    """Follow a MIDI-B path through a pydicom dataset (written independently of
    ctpx.verify_paths, as a check of the notation)."""
    node = ds
    elem = None
    for m in _STEP.finditer(path):
        group, creator, byte, el, item = m.groups()
        if item is not None:
            node = elem.value[int(item)]
            continue
        if creator is not None:
            block = node.private_block(int(group, 16), creator)
            elem = block[int(byte, 16)]
        elif int(group, 16) == 2:
            elem = node.file_meta[int(group + el, 16)]
        else:
            elem = node[int(group + el, 16)]
    return elem


def test_every_plant_is_where_the_manifest_says(study):
    by_rel = {f.rel: pydicom.dcmread(io.BytesIO(f.to_bytes())) for f in study.files}
    for p in study.manifest.plants:
        ds = by_rel[p.file]
        if p.path == "(preamble)":
            assert p.token.encode() in ds.preamble
            continue
        if p.path == "(file-name)":
            assert p.token in p.file
            continue
        elem = _resolve(ds, p.path)
        value = elem.value
        if isinstance(value, bytes):
            enc = "utf-8" if ds.get("SpecificCharacterSet") == "ISO_IR 192" else "latin-1"
            assert p.token.encode(enc) in value, p
        else:
            text = "\\".join(str(v) for v in value) if elem.VM > 1 else str(value)
            assert p.token in text, p


def test_three_character_sets(study):
    charsets = {f.dataset.get("SpecificCharacterSet") for f in study.files}
    assert charsets == {"ISO_IR 100", "ISO_IR 192", None}
    for f in study.files:
        b = f.to_bytes()
        name = study.manifest.patients[[p["patient_id"] for p in study.manifest.patients]
                                       .index(f.patient_id)]["name"]
        cs = f.dataset.get("SpecificCharacterSet")
        if cs == "ISO_IR 192":
            assert name.encode("utf-8") in b and "=" in name
        else:
            # Latin-1 bytes, with or without a declared character set.
            assert name.encode("latin-1") in b
            assert any(ord(ch) > 127 for ch in name)
        if cs is None:
            assert pydicom.dcmread(io.BytesIO(b)).file_meta.TransferSyntaxUID == \
                synth.IMPLICIT_LE


def test_benign_values_are_not_planted(study):
    tokens = {p.token for p in study.manifest.plants}
    assert not tokens & set(synth.BENIGN.values())
    ds = study.files[0].dataset
    for kw, value in synth.BENIGN.items():
        assert str(ds.get(kw)) == value


def test_references_point_at_real_files(study):
    sops = {f.sop_uid for f in study.files}
    refs = [p for p in study.manifest.plants if p.place == "reference" and
            p.source == "SOPInstanceUID"]
    assert refs and all(p.token in sops for p in refs)


def test_write_and_manifest_round_trip(study, tmp_path):
    paths = synth.write(study, str(tmp_path))
    assert len(paths) == len(study.files) and all(os.path.isfile(p) for p in paths)
    with open(tmp_path / synth.MANIFEST_NAME, encoding="utf-8") as fh:
        data = json.load(fh)
    assert data["format"] == synth.MANIFEST_FORMAT
    m = synth.Manifest.from_dict(data)
    assert m.plants == study.manifest.plants
    assert m.plants_in(study.files[0].rel)
    with open(paths[0], "rb") as fh:
        assert fh.read() == study.files[0].to_bytes()


def test_script_wrapper(tmp_path):
    out = tmp_path / "s"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_synthetic_study.py"),
                        str(out), "--seed", "9", "--patients", "1", "--instances", "1"],
                       capture_output=True, text=True, check=True)
    assert "planted identifiers" in r.stdout
    dcm = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs if f.endswith(".dcm")]
    # The first patient has two studies, each of two one-image series and an SR.
    assert len(dcm) == 2 * (2 * 1 + 1)
    assert (out / "manifest.json").is_file()
