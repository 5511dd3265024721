"""The registry of per-file outcome and warning codes (``RUN..``).

Every file the engine touches ends as ``ok``, ``skipped`` or ``quarantined``. A skipped or
quarantined file carries one of the outcome codes below; an ``ok`` file may carry warnings. Each
code has one line of documentation here, and docs/engine.md renders the same table.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    kind: str          # "skip", "quarantine" or "warning"
    summary: str


_CODES = (
    # -- skipped
    Code("RUN01", "skip", "the script called @skip(); nothing is written (CTP passes the original on)"),
    # -- quarantined by the script
    Code("RUN02", "quarantine", "the script called @quarantine()"),
    Code("RUN03", "quarantine", "@lookup failed: missing key, missing or empty lookup table, and no action"),
    Code("RUN04", "quarantine", "@dateinterval failed (missing key, unparsable date, too few arguments)"),
    Code("RUN05", "quarantine", "@integer has no counter store"),
    Code("RUN06", "quarantine", "@call failed: no plug-in with that id, or the plug-in raised"),
    Code("RUN07", "quarantine", "a script evaluation error (for example a rule that refers to itself "
                                "through @hashuid without end)"),
    # -- quarantined because of the input
    Code("RUN10", "quarantine", "not a DICOM file, or an empty file (CTP: Unknown Format)"),
    Code("RUN11", "quarantine", "the DICOM data cannot be parsed (truncated value, impossible length, "
                                "undefined length on a non-sequence, bad item)"),
    Code("RUN12", "quarantine", "the input cannot be read (I/O error) or the transfer syntax cannot be "
                                "decoded (a corrupt deflate stream)"),
    # -- quarantined in safe mode instead of a silent keep
    Code("RUN14", "quarantine", "safe mode: a new value does not fit the element's VR; CTP would keep "
                                "the original value"),
    Code("RUN15", "quarantine", "safe mode: a function failed and would write its error text "
                                "(such as '(args)' or 'null') into the element"),
    Code("RUN19", "quarantine", "an unexpected internal error; the message has the details"),
    # -- warnings on files that are written
    Code("RUN20", "warning", "the VR refused the new value, so the ORIGINAL value was kept (CTP "
                             "swallows this error; the original may hold PHI)"),
    Code("RUN21", "warning", "a function failed and its fallback text ('(args)', 'null', 'error') was "
                             "written into the element"),
    Code("RUN22", "warning", "a person name had more than five components; CTP merges the extra ones "
                             "into the fifth"),
    Code("RUN23", "warning", "a gggg[CREATOR]ee rule and a numeric rule name the same element in "
                             "this file; the gggg[CREATOR]ee rule is used (CTP's choice depends "
                             "on hash order)"),
    Code("RUN24", "warning", "a string was written to a binary or sequence element; CTP ignores it "
                             "and keeps the element as it was"),
    Code("RUN25", "warning", "an element after the pixel data has a script other than @remove(); "
                             "CTP copies such elements verbatim without running the script"),
    Code("RUN26", "warning", "the value is longer than its VR allows; it is written anyway, as CTP "
                             "writes it"),
    Code("RUN27", "warning", "one UID was replaced by two different UIDs in this file (rules with "
                             "different arguments); references between the elements no longer "
                             "match, and the mapping keeps the first"),
)

CODES: dict[str, Code] = {c.code: c for c in _CODES}

SKIP = "RUN01"
QUARANTINE_SCRIPT = "RUN02"
LOOKUP_FAILED = "RUN03"
DATEINTERVAL_FAILED = "RUN04"
NO_INTEGER_STORE = "RUN05"
CALL_FAILED = "RUN06"
EVALUATION_ERROR = "RUN07"
NOT_DICOM = "RUN10"
PARSE_ERROR = "RUN11"
READ_ERROR = "RUN12"
SAFE_VALUE_REFUSED = "RUN14"
SAFE_FUNCTION_FAILED = "RUN15"
INTERNAL_ERROR = "RUN19"
ORIGINAL_KEPT = "RUN20"
FUNCTION_FALLBACK = "RUN21"
PN_COMPONENTS_MERGED = "RUN22"
PRIVATE_RULE_CLASH = "RUN23"
BINARY_WRITE_IGNORED = "RUN24"
TAIL_SCRIPT_IGNORED = "RUN25"
VALUE_TOO_LONG = "RUN26"
UID_REPLACED_TWICE = "RUN27"


def describe(code: str) -> str:
    c = CODES.get(code)
    return c.summary if c else ""


def table() -> list[dict[str, str]]:
    """One record per code, for documentation and ``--format`` views."""
    return [{"code": c.code, "kind": c.kind, "summary": c.summary} for c in _CODES]
