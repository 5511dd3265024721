"""No input makes the engine raise: pydicom's bundled test files under three real scripts."""
from __future__ import annotations

import glob
import os

import pydicom.data
import pytest

from ctpx.engine import anonymize_file, compile_script

from .conformance import CORPUS
from .helpers import write_output

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


def _outcome(result, src_path, tmp_path):
    """(status, code, output bytes) with the output written the way the runner writes it."""
    if not result.ok:
        return result.status, result.code, None
    return result.status, result.code, write_output(result.output, tmp_path / "out.dcm",
                                                    src_path)


def test_reading_only_the_start_of_any_bundled_file_changes_nothing(tmp_path):
    """Every pydicom test file (compressed, big endian, deflated, without meta, broken), run from
    cuts of its bytes, ends exactly as when it is run from all of them."""
    from ctpx.engine.anonymize import run_bytes
    from ctpx.engine.parse import parse_bytes

    compiled = compile_script(os.path.join(TESTS, SCRIPTS["ctp-default"]))
    deferred = 0
    for path in FILES:
        with open(path, "rb") as f:
            data = f.read()
        if len(data) < 2:
            continue
        full = _outcome(run_bytes(compiled, data)[0], path, tmp_path)
        try:
            pf = parse_bytes(data)
            cuts = {pf.pixel.pos + 1} if pf.pixel is not None and pf.pixel.pos > 0 else set()
        except Exception:
            cuts = set()
        cuts |= {len(data) // 3, len(data) - 1}
        for cut in sorted(c for c in cuts if 0 < c < len(data)):
            calls = []

            def read_all():
                calls.append(1)
                return data
            res, _ = run_bytes(compiled, data[:cut], size=len(data), read_all=read_all)
            deferred += not calls
            assert _outcome(res, path, tmp_path) == full, (path, cut)
    assert deferred > 20


def test_random_corruptions_read_from_their_start_end_as_when_read_whole(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from ctpx.engine.anonymize import run_bytes

    path = tmp_path / "in.dcm"
    data = open(pydicom.data.get_testdata_file("CT_small.dcm"), "rb").read()
    compiled = compile_script(os.path.join(TESTS, SCRIPTS["ctp-default"]))

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), max_size=6),
           st.integers(1, len(data) - 1))
    def check(edits, cut):
        b = bytearray(data)
        for at, v in edits:
            b[at] = v
        b = bytes(b)
        path.write_bytes(b)
        full = _outcome(run_bytes(compiled, b)[0], path, tmp_path)
        part = run_bytes(compiled, b[:cut], size=len(b), read_all=lambda: b)[0]
        assert _outcome(part, path, tmp_path) == full
    check()
