"""Element values as CTP sees them (ctp-semantics §5.1) and as dcm4che writes them (§5.2).

Reading: text is decoded with the dataset's character set and trimmed *once* per VR (PN also
loses trailing ``^``); binary values are formatted the way Java prints them. Writing: the text is
split on ``\\``, each value is trimmed or validated per VR, and encoded in the byte order of the
input. A value the VR cannot hold is refused (``Refused``); CTP then keeps the original value.
"""
from __future__ import annotations

import math
import re
import struct
from functools import lru_cache

from pydicom.charset import convert_encodings, decode_bytes

TEXT_VRS = frozenset("AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT".split())
_TRIM = "".join(chr(i) for i in range(0x21))

# -------------------------------------------------------------------------------- characters


class Charset:
    """A SpecificCharacterSet: Python codecs plus a fast path for single-byte sets."""

    __slots__ = ("codecs", "single")

    def __init__(self, terms: tuple[str, ...]):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self.codecs = convert_encodings(list(terms) or ["ISO_IR 100"])
            except (ValueError, LookupError):   # garbage in (0008,0005): CTP's default set
                self.codecs = ["latin_1"]
                terms = ()
        self.single = self.codecs[0] if len(self.codecs) == 1 and len(terms) <= 1 else None

    def decode(self, raw, vr: str = "LO") -> str:
        b = bytes(raw)
        if self.single is not None:
            return b.decode(self.single, "replace")
        delims = {0x5C, 0x5E, 0x3D} if vr == "PN" else {0x5C}
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return decode_bytes(b, self.codecs, delims)

    def encode(self, text: str) -> bytes:
        """dcm4che encodes with the first character set only; what it cannot hold becomes '?'
        (so ISO 2022 code extensions are never used when writing)."""
        return text.encode(self.single or self.codecs[0], "replace")


@lru_cache(maxsize=64)
def charset_for(raw: bytes | None) -> Charset:
    """The Charset of a (0008,0005) value; CTP's default (ISO_IR 100) when absent or empty."""
    if raw is None:
        return _DEFAULT
    terms = tuple(t.strip(" \x00") for t in raw.decode("ascii", "replace").split("\\"))
    if not any(terms):
        return _DEFAULT
    # A leading empty term means the default repertoire for the first code element (ISO 2022).
    terms = tuple(t if t else "ISO_IR 6" for t in terms)
    return Charset(terms)


_DEFAULT = Charset(("ISO_IR 100",))


# -------------------------------------------------------------------------------- Java numbers

def _shortest_float32(v: float) -> str:
    for k in range(1, 10):
        s = f"{v:.{k - 1}e}"
        try:
            if struct.unpack("<f", struct.pack("<f", float(s)))[0] == v:
                return s
        except OverflowError:   # rounded past the largest float
            continue
    return f"{v:.8e}"


def _java_from_sci(s: str) -> str:
    """``d.ddde±x`` (shortest digits) -> Java's Float/Double.toString layout."""
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    mant, exp = s.split("e")
    e = int(exp)
    digits = mant.replace(".", "").rstrip("0") or "0"
    if -3 <= e < 7:
        if e >= 0:
            ip = digits[:e + 1].ljust(e + 1, "0")
            fp = digits[e + 1:] or "0"
        else:
            ip = "0"
            fp = "0" * (-e - 1) + digits
        out = f"{ip}.{fp}"
    else:
        out = f"{digits[0]}.{digits[1:] or '0'}E{e}"
    return ("-" if neg else "") + out


def _java_special(v: float) -> str | None:
    """Java's text for NaN, the infinities and the two zeros (None for any other value)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0:
        return "-0.0" if math.copysign(1, v) < 0 else "0.0"
    return None


def java_double_str(v: float) -> str:
    special = _java_special(v)
    if special is not None:
        return special
    r = repr(v)   # Python's repr is the shortest round-trip form, as Java's since JDK 19
    if "e" not in r:
        r = _sci_from_repr(r)
    return _java_from_sci(r)


def _sci_from_repr(r: str) -> str:
    neg = r.startswith("-")
    if neg:
        r = r[1:]
    ip, _, fp = r.partition(".")
    digits = (ip + fp).lstrip("0")
    if ip.strip("0"):
        e = len(ip.lstrip("0")) - 1
    else:
        e = -(len(fp) - len(fp.lstrip("0")) + 1)
    digits = digits.rstrip("0") or "0"
    s = digits[0] + "." + (digits[1:] or "0") + "e" + str(e)
    return ("-" if neg else "") + s


def java_float_str(v: float) -> str:
    special = _java_special(v)
    if special is not None:
        return special
    return _java_from_sci(_shortest_float32(v))


# -------------------------------------------------------------------------------- reading

_BIN = {"US": "H", "SS": "h", "UL": "L", "SL": "l", "FL": "f", "FD": "d", "OF": "f", "OD": "d",
        "OW": "H", "OL": "L", "SV": "q", "UV": "Q", "OV": "Q"}


def trim_read(s: str, vr: str) -> str:
    """dcm4che's trim of a decoded text value (§5.1), applied once to the whole string."""
    if vr in ("LO", "SH", "AE", "CS", "DS", "IS"):
        return s.rstrip(" \x00").lstrip(" ")
    if vr == "PN":
        return s.rstrip(" \x00^")
    if vr == "AS":
        return s
    return s.rstrip(" \x00")


def binary_str(raw, vr: str, little: bool) -> str:
    """Java's rendering of a binary value; values joined with a backslash."""
    b = bytes(raw)
    if vr in ("OB", "UN"):
        return "\\".join("%02X" % x for x in b)
    if vr == "AT":
        n = len(b) // 4
        fmt = ("<" if little else ">") + "HH" * n
        v = struct.unpack(fmt, b[:4 * n])
        return "\\".join("%04X%04X" % (v[i], v[i + 1]) for i in range(0, len(v), 2))
    code = _BIN.get(vr)
    if code is None:
        return ""
    size = struct.calcsize("<" + code)
    n = len(b) // size
    vals = struct.unpack(("<" if little else ">") + code * n, b[:n * size])
    if vr in ("FL", "OF"):
        return "\\".join(java_float_str(x) for x in vals)
    if vr in ("FD", "OD"):
        return "\\".join(java_double_str(x) for x in vals)
    return "\\".join(str(x) for x in vals)


def read_string(raw, vr: str, cs: Charset, little: bool) -> str:
    """The string dcm4che's ``getStrings`` gives, joined with backslashes (§5.1)."""
    if vr in TEXT_VRS:
        return trim_read(cs.decode(raw, vr), vr)
    return binary_str(raw, vr, little)


# -------------------------------------------------------------------------------- writing

class Refused(Exception):
    """dcm4che refuses to write this value for this VR (CTP keeps the original)."""


def java_split_backslash(s: str) -> list[str]:
    parts = s.split("\\")
    while parts and parts[-1] == "":
        parts.pop()
    return parts


_DA = re.compile(r"[0-9]{8}\Z|[0-9]{4}\.[0-9]{2}\.[0-9]{2}\Z")
_INT = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT = re.compile(r"[+-]?(NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)[fFdD]?\Z")
_INT_RANGE = {"US": (0, 0xFFFF), "SS": (-0x8000, 0x7FFF), "UL": (0, 0xFFFFFFFF),
              "SL": (-0x80000000, 0x7FFFFFFF)}


def _check_da(v: str) -> None:
    if v == "":
        return
    if "-" in v:
        lo, _, hi = v.partition("-")
        if (lo and not _DA.match(lo)) or (hi and not _DA.match(hi)) or "-" in hi:
            raise Refused(f"{v!r} is not a DA range")
        return
    if not _DA.match(v):
        raise Refused(f"{v!r} is not a date")


def person_name(v: str) -> tuple[str, bool]:
    """dcm4che's strict person-name parse; returns (text, merged) or raises Refused."""
    merged = False
    groups = v.split("=")
    out_groups = []
    for g in groups[:3]:
        comps = g.split("^")
        if len(comps) > 5:
            merged = True
            comps = comps[:4] + [comps[-1]]
        while comps and comps[-1] == "":
            comps.pop()
        text = "^".join(comps)
        if len(text) > 64:
            raise Refused("a person name component group is longer than 64 characters")
        out_groups.append(text)
    while len(out_groups) > 1 and out_groups[-1] == "":
        out_groups.pop()
    return "=".join(out_groups), merged


def encode_text_values(vr: str, values: list[str]) -> list[str]:
    """Per-value trimming and validation for string VRs (§5.2)."""
    if vr in ("LO", "SH", "AE", "CS", "DS", "IS"):
        return [v.strip(_TRIM) for v in values]
    if vr in ("LT", "ST", "UT", "UC", "UR"):
        return [v.rstrip(_TRIM) for v in values]
    if vr == "DA":
        for v in values:
            _check_da(v)
    return values


def pack_numbers(vr: str, values: list[str], little: bool) -> bytes:
    code = _BIN[vr]
    nums: list = []
    for v in values:
        t = v.strip(_TRIM)
        if vr in ("FL", "FD", "OF", "OD"):
            if not _FLOAT.match(t):
                raise Refused(f"{v!r} is not a number")
            nums.append(float(t.rstrip("fFdD").replace("Infinity", "inf")))
        else:
            if not _INT.match(t):
                raise Refused(f"{v!r} is not an integer")
            n = int(t)
            lo, hi = _INT_RANGE.get(vr, (-(2 ** 63), 2 ** 64 - 1))
            if not (-(2 ** 31) <= n <= 2 ** 31 - 1) and vr not in ("UL",):
                raise Refused(f"{v!r} is out of range")
            nums.append(n & 0xFFFFFFFF if vr == "UL" else
                        (n & 0xFFFF if vr == "US" else n))
            if vr == "SS" and not lo <= n <= hi:
                nums[-1] = ((n + 0x8000) & 0xFFFF) - 0x8000
    return struct.pack(("<" if little else ">") + code * len(nums), *nums)


def pad_even(b: bytes, vr: str) -> bytes:
    if len(b) % 2:
        return b + (b"\x00" if vr in ("UI", "OB", "UN") else b" ")
    return b
