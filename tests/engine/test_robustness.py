"""No input makes the engine raise: pydicom's bundled test files under three real scripts."""
from __future__ import annotations

import glob
import os

import pydicom.data
import pytest

from ctpx.engine import anonymize_file, compile_script

from .conformance import CORPUS

SCRIPTS = {
    "ctp-default": "ctp-scripts/ctp-bundled/examples/example-ctp-dicom-anonymizer.script",
    "tcia-basic": "ctp-scripts/ctp-bundled/profiles/dicom/TCIA-Basic",
    "healthri-strict": "ctp-scripts/healthri/trait_ctp/legacy/configurations/default_config/strict/"
                       "ctpConfig/projectName/siteName/anonymizer.properties",
}
TESTS = os.path.dirname(CORPUS)
FILES = sorted(p for p in glob.glob(os.path.join(os.path.dirname(pydicom.data.__file__),
                                                 "test_files", "**", "*"), recursive=True)
               if os.path.isfile(p))


@pytest.mark.parametrize("mode", ["ctp", "safe"])
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_every_bundled_pydicom_file_ends_with_a_status_and_code(name, mode):
    compiled = compile_script(os.path.join(TESTS, SCRIPTS[name]), mode=mode)
    assert len(FILES) > 100
    for path in FILES:
        r = anonymize_file(path, compiled)
        assert r.status in ("ok", "skipped", "quarantined"), path
        if r.status == "ok":
            assert r.data and r.code is None
        else:
            assert r.code and r.code.startswith("RUN") and r.message, path
            assert r.code != "RUN19", (path, r.message)


def test_truncations_of_a_real_file_never_raise():
    data = open(pydicom.data.get_testdata_file("CT_small.dcm"), "rb").read()
    compiled = compile_script(os.path.join(TESTS, SCRIPTS["ctp-default"]))
    for cut in range(0, len(data), max(1, len(data) // 300)):
        r = anonymize_file(data[:cut], compiled)
        assert r.status in ("ok", "quarantined")
        assert r.code != "RUN19", (cut, r.message)


def test_random_corruptions_never_raise():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    data = open(pydicom.data.get_testdata_file("MR_small.dcm"), "rb").read()
    compiled = compile_script(os.path.join(TESTS, SCRIPTS["ctp-default"]))

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), max_size=8))
    def check(edits):
        b = bytearray(data)
        for pos, val in edits:
            b[pos] = val
        r = anonymize_file(bytes(b), compiled)
        assert r.status in ("ok", "quarantined", "skipped")
        assert r.code != "RUN19", r.message

    check()
