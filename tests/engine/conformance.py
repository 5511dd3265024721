"""Run the conformance corpus (tests/conformance) through the engine and compare the dumps.

    python -m tests.engine.conformance [ID-substring ...]     # prints failing cases and a summary

Each case runs the way the reference did: the script with its lookup table, a fresh in-memory
``@integer`` store, one file; an ok result is dumped with the corpus's ``dump.py`` and compared
with ``compare.py`` (masks applied).
"""
from __future__ import annotations

import io
import os
import sys
from functools import lru_cache

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(os.path.dirname(HERE), "conformance")
if CORPUS not in sys.path:
    sys.path.insert(0, CORPUS)

import caselib  # noqa: E402
import compare  # noqa: E402
import dump  # noqa: E402

STATUS = {"ok": "OK", "skipped": "SKIP", "quarantined": "QUARANTINE"}

#: Cases where ctpx differs from CTP on purpose (docs/differences.md), with the reason.
INTENTIONAL = {
    "f15-malformed--s01_full_explicit_le": "ctpx refuses malformed XML (XML01); parity is shown "
                                           "by running the case with an empty script",
    "f15-malformed--pyd-CT_small": "ctpx refuses malformed XML (XML01); parity is shown by "
                                   "running the case with an empty script",
    "f18-lookup-only-csv--s01_full_explicit_le": "ctpx reads CSV lookup tables; CTP's CSV "
                                                 "reader stores no entries",
    "f18-lookup-only-csv--pyd-CT_small": "ctpx reads CSV lookup tables; CTP's CSV reader "
                                         "stores no entries",
}

#: Deflated inputs: CTP writes the pixel data outside the deflate stream, so its output has no
#: readable pixel data; ctpx writes it inside the stream. These cases agree once the pixel data
#: is left out of the comparison (see ``test_deflated_inputs_agree_apart_from_the_pixel_data``).
DEFLATED_INPUTS = ("pydicom:image_dfl.dcm",)
DEFLATE_REASON = ("ctpx writes the pixel data inside the deflate stream; CTP writes it outside, "
                  "so its output has no readable pixel data")


def cases() -> list[dict]:
    return caselib.load_cases(CORPUS)


def intentional(case: dict) -> str | None:
    """Why ctpx differs from the reference on this case, or None."""
    if case["id"] in INTENTIONAL:
        return INTENTIONAL[case["id"]]
    if case["input"] in DEFLATED_INPUTS and case["status"] == "OK":
        return DEFLATE_REASON
    return None


@lru_cache(maxsize=None)
def _script(path: str):
    from ctpx.script import load_script
    return load_script(path)


def run_case(case: dict, script_override=None, ignore_pixel_data: bool = False):
    """(expected dump, actual dump, result) for one case."""
    from ctpx.engine import anonymize_file, compile_script
    r = caselib.resolved(case, CORPUS)
    script = script_override if script_override is not None else _script(r["script"])
    compiled = compile_script(script, lookup_path=r["lookup"])
    result = anonymize_file(r["input"], compiled)
    status = STATUS[result.status]
    if status == "OK":
        # dump.py reads with pydicom.dcmread, which takes a file object as well as a path
        actual = dump.dump_file(io.BytesIO(result.data), "OK", r["mask"])
    else:
        actual = dump.dump_status(status, r["mask"])
    expected = dump.load_dump(r["expected"])
    if ignore_pixel_data and status == "OK":
        actual["dataset"] = [e for e in actual["dataset"] if e["tag"] != "7FE00010"]
    return expected, actual, result


def differences(case: dict, script_override=None, ignore_pixel_data: bool = False) -> list[str]:
    expected, actual, _ = run_case(case, script_override, ignore_pixel_data)
    return compare.compare_dumps(expected, actual)


def main(argv: list[str]) -> int:
    sel = [c for c in cases() if not argv or any(a in c["id"] for a in argv)]
    agree = 0
    for c in sel:
        try:
            d = differences(c)
        except Exception as e:  # report and continue
            d = [f"error: {type(e).__name__}: {e}"]
        if d:
            tag = " (intentional)" if intentional(c) else ""
            print(f"FAIL {c['id']}{tag}")
            for line in d[:12]:
                print("    " + line)
            if len(d) > 12:
                print(f"    ... {len(d) - 12} more")
        else:
            agree += 1
    print(f"conformance: {agree}/{len(sel)} cases agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
