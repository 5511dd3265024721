"""Where ``ctpx apply`` puts things: output names, safe path components, and the places that
must stay apart (OUT, IN, the run report, the state folder, quarantine, mapping).

Output names in the ``hierarchy`` layout come from de-identified values, which are data, not
trusted path text: a PatientID may hold ``../``, a control character, a Windows device name or
nothing at all. ``component`` turns any value into one portable path component.
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata

from ..errors import UsageError

LAYOUTS = ("hierarchy", "mirror")

#: Placeholders for identifiers that are empty or absent in the de-identified output.
PLACEHOLDERS = {
    "PatientID": "NO_PATIENT_ID",
    "StudyInstanceUID": "NO_STUDY_UID",
    "SeriesInstanceUID": "NO_SERIES_UID",
    "SOPInstanceUID": "NO_SOP_UID",
}

HIERARCHY_KEYS = ("PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")
DICOM_SUFFIX = ".dcm"

# Names Windows reserves in any directory, with or without an extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
             *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10)),
             "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"}
# Path separators, characters Windows refuses, and every control character.
_BAD = re.compile(r'[/\\<>:"|?*\x00-\x1f\x7f-\x9f]')
# Already safe as it is (UIDs and most IDs): ASCII letters, digits, "._-", no leading dot.
_PLAIN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Leave room for a collision suffix ("_123") and ".dcm" inside the usual 255-byte limit.
MAX_COMPONENT_BYTES = 200

#: The folder inside OUT that holds files being written; never holds a finished output.
TMP_DIR = ".ctpx-tmp"
STATE_SUFFIX = ".ctpx-state"
REPORT_SUFFIX = ".ctpx-report.json"


def component(value: str | None, placeholder: str) -> str:
    """One safe, portable path component for ``value`` (``placeholder`` when empty)."""
    if value is None:
        return placeholder
    text = str(value)
    if _PLAIN.fullmatch(text) and text[-1] != "." and \
            text.split(".", 1)[0].upper() not in _RESERVED:
        return text
    text = _SURROGATE.sub("_", text)
    text = unicodedata.normalize("NFC", text)
    text = _BAD.sub("_", text).strip().rstrip(". ")
    if not text:
        return placeholder
    if set(text) == {"."}:
        return "_" * len(text)
    if text.split(".", 1)[0].upper().rstrip(" ") in _RESERVED:
        text = "_" + text
    if text.startswith("."):
        # A leading dot hides the entry from most listings, and ".ctpx-tmp" is ours.
        text = "_" + text[1:]
    raw = text.encode("utf-8")
    if len(raw) > MAX_COMPONENT_BYTES:
        digest = hashlib.sha256(raw).hexdigest()[:12]
        cut = raw[:MAX_COMPONENT_BYTES - 13].decode("utf-8", "ignore")
        text = f"{cut}~{digest}"
    return text


def display_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (surrogate escapes) become ``\\xNN``, so
    the name can go into the journal, the report and JSON."""
    if not _SURROGATE.search(name):
        return name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def hierarchy_path(ids_new: dict[str, str | None]) -> str:
    """``<PatientID>/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm`` (relative,
    with ``/``) from de-identified values."""
    parts = [component(ids_new.get(k), PLACEHOLDERS[k]) for k in HIERARCHY_KEYS]
    parts[-1] += DICOM_SUFFIX
    return "/".join(parts)


def mirror_path(rel_input: str) -> str:
    """The input's relative path, each component made safe (it usually is already)."""
    parts = rel_input.split("/")
    return "/".join(component(p, "_") for p in parts)


def with_suffix_number(rel: str, n: int) -> str:
    """``a/b/name.dcm`` -> ``a/b/name_<n>.dcm``; a name without an extension gets ``_<n>``."""
    head, _, name = rel.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    new = f"{stem}_{n}.{ext}" if ext else f"{stem}_{n}"
    return f"{head}/{new}" if head else new


# ---------------------------------------------------------------------------------------------
# Places that must stay apart

def real(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def is_within(path: str, root: str) -> bool:
    """True when ``path`` is ``root`` or lies below it (both real paths)."""
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives
        return False


def default_state_dir(out: str) -> str:
    return _beside(out, STATE_SUFFIX)


def default_report_path(out: str) -> str:
    return _beside(out, REPORT_SUFFIX)


def _beside(out: str, suffix: str) -> str:
    out = real(out)
    parent, name = os.path.split(out.rstrip(os.sep))
    if not name:
        raise UsageError("OUT cannot be the root of the file system", code="OUT02")
    return os.path.join(parent, name + suffix)


def check_apart(in_path: str, out: str, *, single_file: bool, report: str | None,
                state: str | None, quarantine: str | None, mapping: str | None) -> None:
    """Refuse layouts where outputs, key material and inputs could mix (raises ``UsageError``)."""
    rin, rout = real(in_path), real(out)
    if single_file:
        if rin == rout:
            raise UsageError("OUT is the input file itself; the input is never modified",
                             code="OUT01")
    else:
        if is_within(rout, rin):
            raise UsageError(f"OUT ({out}) is IN or inside IN ({in_path}); a rerun would read "
                             f"its own output", code="OUT01")
        if is_within(rin, rout):
            raise UsageError(f"IN ({in_path}) is inside OUT ({out})", code="OUT01")
    out_tree = None if single_file else rout
    for label, path in (("--report", report), ("--state", state), ("--quarantine", quarantine),
                        ("--mapping", mapping)):
        if path is None:
            continue
        rp = real(path)
        if out_tree is not None and is_within(rp, out_tree):
            raise UsageError(f"{label} {path} is inside OUT; keep identity-bearing files apart "
                             f"from the de-identified data", code="OUT03")
        if single_file and rp == rout:
            raise UsageError(f"{label} {path} is the output file", code="OUT03")
        if not single_file and is_within(rp, rin):
            raise UsageError(f"{label} {path} is inside IN; a rerun would read it as input",
                             code="OUT03")
        if single_file and rp == rin:
            raise UsageError(f"{label} {path} is the input file", code="OUT03")
