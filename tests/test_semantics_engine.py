"""The static effect analysis agrees with what the engine does to real data.

``ctpx check`` and ``ctpx diff`` reason from ``ctpx.semantics``; ``ctpx apply`` runs
``ctpx.engine``. For real scripts and inputs, in both modes, every top-level element whose
predicted effect does not depend on the data must come out of the engine as predicted.
"""
from __future__ import annotations

import io
import os

import pydicom
import pytest

from ctpx.engine import compile_script, anonymize_file
from ctpx.generate import generate_script
from ctpx.script import load_script, load_text
from ctpx.semantics import EffectKind as K, analyze

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "conformance")
SCRIPTS = {
    "ctp-default": os.path.join(HERE, "ctp-scripts", "ctp-bundled", "examples",
                                "example-ctp-dicom-anonymizer.script"),
    "tcia-basic-filled": os.path.join(CORPUS, "scripts", "tcia-basic-filled.script"),
    "ps315-basic": os.path.join(HERE, "ctp-scripts", "ctp-bundled", "profiles", "dicom",
                                "DICOM-PS3.15-Basic"),
    "generated-basic": None,
}
INPUTS = ["s01_full_explicit_le.dcm", "s13_nested_sr.dcm", "s18_variant_mr_female.dcm",
          "s21_private_variants.dcm"]
DATA_DEPENDENT = {K.CONDITIONAL, K.COMPOSITE, K.UNKNOWN, K.EXTENSION, K.QUARANTINE, K.SKIP,
                  K.COPY, K.DERIVED, K.APPEND, K.CODE_SEQUENCE, K.REGENERATED}


def _script(name):
    path = SCRIPTS[name]
    if path is None:
        return load_text(generate_script(), "generated-basic.script")
    return load_script(path)


def _creator(ds, tag: int) -> str | None:
    group, elem = tag >> 16, tag & 0xFFFF
    if group % 2 == 0 or elem < 0x1000:
        return None
    owner = ds.get((group << 16) | (elem >> 8))
    return str(owner.value).strip() if owner is not None else None


def _empty(el) -> bool:
    v = el.value
    return v is None or v == "" or (isinstance(v, (bytes, list)) and len(v) == 0) or \
        str(v).strip() == ""


@pytest.mark.parametrize("mode", ["ctp", "safe"])
@pytest.mark.parametrize("script_name", sorted(SCRIPTS))
def test_predicted_effects_match_the_engine(script_name, mode):
    script = _script(script_name)
    lookup = os.path.join(CORPUS, "lookup", "corpus1.properties")
    compiled = compile_script(script, lookup_path=lookup, mode=mode)
    se = analyze(script, mode)
    checked = 0
    for name in INPUTS:
        path = os.path.join(CORPUS, "inputs", name)
        result = anonymize_file(path, compiled)
        if result.status != "ok":
            continue
        src = pydicom.dcmread(path, force=True)
        out = pydicom.dcmread(io.BytesIO(result.data), force=True)
        warned = {w.get("tag") for w in result.warnings}
        for el in src:
            tag = int(el.tag)
            group = tag >> 16
            if group in (0x0002, 0x7FE0) or tag & 0xFFFF == 0 or _empty(el):
                continue
            if f"{tag:08X}" in warned or f"({group:04X},{tag & 0xFFFF:04X})" in warned:
                continue
            eff = se.effect_at(tag, "root", creator=_creator(src, tag))
            if eff.kind in DATA_DEPENDENT or eff.reads and eff.reads != ("this",):
                continue
            where = f"{script_name}/{mode}/{name} {el.tag} {el.keyword}: predicted {eff}"
            got = out.get(tag)
            if eff.kind is K.REMOVE:
                assert got is None, where
            elif eff.kind in (K.KEEP, K.PROCESS):
                assert got is not None, where
                if eff.kind is K.KEEP and el.VR != "SQ":
                    assert got.value == el.value, where
            elif eff.kind is K.EMPTY:
                assert got is not None and _empty(got), where
            else:   # a replacement: present, and not the original value
                assert got is not None, where
                if eff.kind in (K.HASH, K.HASH_UID, K.CONSTANT, K.RUN_DATE, K.LOOKUP):
                    assert got.value != el.value or eff.kind is K.CONSTANT, where
            checked += 1
            if el.VR == "SQ" and got is not None and got.VR == "SQ":
                checked += _check_items(se, [tag], el, got, where)
    assert checked > 50


def _check_items(se, path, src_sq, out_sq, where) -> int:
    """Elements one level down: ``effect_in`` against the engine's items, pairwise."""
    n = 0
    if len(src_sq.value) != len(out_sq.value):
        return 0
    for src_item, out_item in zip(src_sq.value, out_sq.value):
        for el in src_item:
            tag = int(el.tag)
            if tag & 0xFFFF == 0 or _empty(el) or el.VR == "SQ":
                continue
            eff = se.effect_in(path, tag, creator=_creator(src_item, tag))
            if eff.kind in DATA_DEPENDENT or eff.reads and eff.reads != ("this",):
                continue
            got = out_item.get(tag)
            here = f"{where} > item {el.tag} {el.keyword}: predicted {eff}"
            if eff.kind is K.REMOVE:
                assert got is None, here
            elif eff.kind is K.KEEP:
                assert got is not None and got.value == el.value, here
            elif eff.kind is K.EMPTY:
                assert got is not None and _empty(got), here
            else:
                assert got is not None, here
            n += 1
    return n
