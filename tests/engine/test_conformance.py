"""Conformance: every case of the CTP corpus (tests/conformance) through the engine.

Each case must produce the dump the reference CTP produced. The few intentional differences
(docs/differences.md) are expected failures with their reason, and each has its own test showing
what ctpx does instead.
"""
from __future__ import annotations

import pytest

from ctpx.errors import XmlError
from ctpx.script import load_text

from . import conformance as C
from .helpers import write_output

CASES = C.cases()
RESULTS: dict[str, bool] = {}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case, request):
    why = C.intentional(case)
    if why:
        request.node.add_marker(pytest.mark.xfail(reason=why, strict=True))
    try:
        diffs = C.differences(case)
    except Exception:
        RESULTS[case["id"]] = False
        raise
    RESULTS[case["id"]] = not diffs
    assert not diffs, "\n".join(diffs[:20])


def test_corpus_size():
    assert len(CASES) == 725


@pytest.mark.parametrize("case", [c for c in CASES if c["id"].startswith("f15-malformed")],
                         ids=lambda c: c["id"])
def test_malformed_xml_is_refused_and_an_empty_script_gives_ctps_output(case):
    with pytest.raises(XmlError) as e:
        C._script(C.caselib.resolve_path(case["script"], C.CORPUS))
    assert e.value.code == "XML01"
    assert C.differences(case, script_override=load_text("<script/>")) == []


@pytest.mark.parametrize("case", [c for c in CASES if c["id"].startswith("f18-lookup-only-csv")],
                         ids=lambda c: c["id"])
def test_csv_tables_work_like_the_same_properties_table(case, tmp_path):
    import csv

    from ctpx.engine import anonymize_file, compile_script
    r = C.caselib.resolved(case, C.CORPUS)
    props = tmp_path / "same.properties"
    with open(r["lookup"], encoding="utf-8") as f:
        rows = [row for row in csv.reader(f) if len(row) >= 2]
    props.write_text("".join(f"{k.replace(' ', chr(92) + ' ')} = {v}\n" for k, v in rows),
                     encoding="utf-8")
    script = C._script(r["script"])
    via_csv = anonymize_file(r["input"], compile_script(script, lookup_path=r["lookup"]))
    via_props = anonymize_file(r["input"], compile_script(script, lookup_path=str(props)))
    assert rows and (via_csv.status, via_csv.data) == (via_props.status, via_props.data)


@pytest.mark.parametrize("case", [c for c in CASES if c["input"] in C.DEFLATED_INPUTS],
                         ids=lambda c: c["id"])
def test_deflated_inputs_agree_apart_from_the_pixel_data(case):
    import io

    import pydicom
    assert C.differences(case, ignore_pixel_data=True) == []
    _, _, result = C.run_case(case)
    if result.status == "ok":
        src = pydicom.dcmread(C.caselib.resolve_input(case["input"], C.CORPUS))
        out = pydicom.dcmread(io.BytesIO(result.data))
        assert out.file_meta.TransferSyntaxUID == src.file_meta.TransferSyntaxUID
        assert out.PixelData == src.PixelData


def test_reading_only_the_start_of_each_input_changes_nothing(tmp_path, monkeypatch):
    """The runner reads a large file only up to its pixel data. Every case of the corpus, run
    from cuts of its input (just past the start of the pixel data, half-way, one byte short),
    gives the same outcome and the same output bytes as from the whole input."""
    import datetime
    import types

    from ctpx.engine import context
    from ctpx.engine.anonymize import run_bytes
    from ctpx.engine.compile import compile_script
    from ctpx.engine.parse import DicomParseError, parse_bytes

    class Frozen(datetime.datetime):   # @date() and @time() must not tick between two runs
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 1, 2, 3, 4, 5)
    monkeypatch.setattr(context, "_dt", types.SimpleNamespace(datetime=Frozen))

    mismatches, deferred, fell_back = [], 0, 0
    for case in CASES:
        r = C.caselib.resolved(case, C.CORPUS)
        try:
            script = C._script(r["script"])
        except XmlError:
            continue
        with open(r["input"], "rb") as f:
            data = f.read()
        try:
            pf = parse_bytes(data)
            pixel_at = pf.pixel.pos if pf.pixel is not None else -1
        except DicomParseError:
            pixel_at = -1
        full, _ = run_bytes(compile_script(script, lookup_path=r["lookup"]), data)
        expected = full.output.to_bytes() if full.ok else None
        cuts = {len(data) // 2, len(data) - 1} | ({pixel_at + 1} if pixel_at > 0 else set())
        for cut in sorted(c for c in cuts if 0 < c < len(data)):
            calls = []

            def read_all():
                calls.append(1)
                return data
            res, _ = run_bytes(compile_script(script, lookup_path=r["lookup"]), data[:cut],
                               size=len(data), read_all=read_all)
            if calls:
                fell_back += 1
            else:
                deferred += 1
            got = write_output(res.output, tmp_path / "out.dcm", r["input"]) if res.ok else None
            if (res.status, res.code, res.warnings, got) != \
                    (full.status, full.code, full.warnings, expected):
                mismatches.append(f"{case['id']} cut at {cut}")
    assert not mismatches, mismatches[:20]
    # both paths were taken: pixel data left unread, and whole files read after all
    assert deferred > 300 and fell_back > 300, (deferred, fell_back)
