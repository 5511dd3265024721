"""CTP's primitive algorithms, reimplemented to give byte-identical results (ctp-semantics §6).

Everything here is a pure function of its arguments: the decimal MD5 (``usmd5``) and the hashes
built on it, CTP's lenient Gregorian date arithmetic, Blowfish with CTP's key derivation, the
Caesar rotation of ``@initials``, and ``@round``. Functions raise ``ValueError`` where CTP's
Java code throws; callers turn that into each function's documented fallback.
"""
from __future__ import annotations

import base64
import datetime as _dt
import functools
import hashlib
import math
import re

from ..java import parse_int

# ------------------------------------------------------------------------------------- hashes


def usmd5(s: str) -> str:
    """MD5 of the UTF-8 bytes, read as an unsigned big-endian integer, in decimal (§6.1)."""
    return str(int.from_bytes(hashlib.md5(s.encode("utf-8", "surrogatepass")).digest(), "big"))


def hash_text(s: str | None, maxlen: int = 0) -> str:
    """``hash(s, maxlen)``: the first ``maxlen`` digits of usmd5; maxlen < 1 means all."""
    h = usmd5("null" if s is None else s)
    return h if maxlen < 1 else h[:maxlen]


_NAME_JUNK = re.compile(r"[ \t\n\x0b\f\r,'^.]")


def hash_name(value: str, length: int, words: int) -> str:
    """``hashname`` (§6.2): the first ``words`` ^-components, joined, normalised, hashed."""
    parts = java_split(value, "^")
    if words > 0:
        parts = parts[:words]
    return hash_text(_NAME_JUNK.sub("", "".join(parts)).upper(), length)


def hash_ptid(site: str | None, ptid: str | None, maxlen: int = 0) -> str:
    site = "" if site is None else site.strip(_TRIM)
    ptid = "null" if ptid is None else ptid.strip(_TRIM)
    return hash_text("[" + site + "]" + ptid, maxlen)


def hash_uid(prefix: str, uid: str) -> str:
    """``hashuid`` (§6.3 steps 4-5); ``prefix`` already normalised by the caller."""
    h = usmd5(uid)
    if h.startswith("0"):
        h = "9" + h
    return (prefix + h)[:64]


def uid_prefix(param: str) -> str:
    """§6.3 step 1: add a dot unless there is one, *then* trim (so ' 1.2 ' gives '1.2 .')."""
    if not param.endswith("."):
        param += "."
    return param.strip(_TRIM)


_TRIM = "".join(chr(i) for i in range(0x21))


def java_split(s: str, sep: str) -> list[str]:
    """Java ``String.split`` with a literal one-character separator: trailing empties dropped."""
    parts = s.split(sep)
    while parts and parts[-1] == "":
        parts.pop()
    return parts if parts else ([""] if s == "" else [])


# ------------------------------------------------------------------------------------- dates

class Cal:
    """A lenient Gregorian calendar date with an optional time of day (fields as CTP sets them)."""

    __slots__ = ("date",)

    def __init__(self, year: int, month0: int, day: int):
        self.date = lenient_date(year, month0, day)

    @property
    def fields(self) -> tuple[int, int, int]:
        return self.date.year, self.date.month - 1, self.date.day

    def add_days(self, n: int) -> None:
        try:
            self.date = self.date + _dt.timedelta(days=n)
        except OverflowError:
            raise ValueError("date out of range") from None

    def set(self, year: int, month0: int, day: int) -> None:
        self.date = lenient_date(year, month0, day)

    def format(self, iso: bool) -> str:
        sep = "-" if iso else ""
        d = self.date
        return f"{d.year:04d}{sep}{d.month:02d}{sep}{d.day:02d}"


def lenient_date(year: int, month0: int, day: int) -> _dt.date:
    """Java's lenient GregorianCalendar: months and days roll over in both directions."""
    year += month0 // 12
    month0 %= 12
    try:
        return _dt.date(year, month0 + 1, 1) + _dt.timedelta(days=day - 1)
    except (ValueError, OverflowError):
        raise ValueError("date out of range") from None


_DATE_JUNK = re.compile(r"[@:T\- \t\n\x0b\f\r]")
_JFLOAT = re.compile(r"[+-]?(NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)[fFdD]?\Z")


def java_parse_float(s: str) -> float:
    """``Float.parseFloat`` for the forms CTP's inputs can take (raises ValueError otherwise)."""
    t = s.strip(_TRIM)
    if not _JFLOAT.match(t):
        raise ValueError(f"not a float: {s!r}")
    t = t.rstrip("fFdD")
    return float(t.replace("Infinity", "inf"))


def _java_int_of_float(f: float) -> int:
    if math.isnan(f):
        return 0
    if math.isinf(f):
        return 2 ** 31 - 1 if f > 0 else -(2 ** 31)
    return max(-(2 ** 31), min(2 ** 31 - 1, int(f)))


def _jint(s: str) -> int:
    v = parse_int(s)
    if v is None:
        raise ValueError(f"not an integer: {s!r}")
    return v


def parse_calendar(value: str) -> Cal:
    """CTP's date parse (§6.4): delete @ : T - and blanks, 00 -> 19, yyyyMMdd[HHmm[ss.f]]."""
    t = _DATE_JUNK.sub("", value)
    if t.startswith("00"):
        t = "19" + t[2:]
    t = t.split("\\", 1)[0]
    if len(t) < 8:
        raise ValueError("date too short")
    cal = Cal(_jint(t[0:4]), _jint(t[4:6]) - 1, _jint(t[6:8]))
    if len(t) > 8:
        rest = t[8:]
        amp = rest.find("&")
        if amp >= 0:
            rest = rest[:amp]
        # Java substring() throws when the hour or minute is cut short
        if len(rest) < 4:
            raise ValueError("time too short")
        _jint(rest[0:2])
        _jint(rest[2:4])
        if len(rest) > 4:
            _java_int_of_float(java_parse_float(rest[4:]))
    return cal


@functools.lru_cache(maxsize=4096)   # the files of a study repeat the same few dates
def increment_date_value(value: str, days: int) -> str:
    """One value of ``@incrementdate`` (§6.4): shift, keep the original tail verbatim."""
    iso = "-" in value
    cal = parse_calendar(value)
    cal.add_days(days)
    return cal.format(iso) + value[10 if iso else 8:]


def modify_date_value(value: str, y: int, m: int, d: int) -> str:
    """One value of ``@modifydate``: fields < 0 keep the current value; the month is 1-based."""
    iso = "-" in value
    cal = parse_calendar(value)
    cy, cm, cd = cal.fields
    cal.set(cy if y < 0 else y, cm if m < 0 else m - 1, cd if d < 0 else d)
    return cal.format(iso) + value[10 if iso else 8:]


def hashdate_increment(hash_source: str) -> int:
    """§6.5: minus (the last four digits of usmd5 mod 3650), never 0."""
    n = int(usmd5(hash_source)[-4:])
    inc = -(n % 3650)
    return -1 if inc == 0 else inc


def parse_mdy(s: str) -> _dt.date:
    """A lenient ``M/d/yyyy`` (SimpleDateFormat) date, as @dateinterval reads base dates."""
    m = re.match(r"\s*([+-]?\d+)/([+-]?\d+)/([+-]?\d+)", s)
    if not m:
        raise ValueError(f"not a M/d/yyyy date: {s!r}")
    return lenient_date(int(m.group(3)), int(m.group(1)) - 1, int(m.group(2)))


def parse_ymd8(s: str) -> _dt.date:
    """A lenient ``yyyyMMdd`` date from the first eight characters."""
    s = s[:8]
    if len(s) < 8 or not s.isdigit():
        raise ValueError(f"not a yyyyMMdd date: {s!r}")
    return lenient_date(int(s[0:4]), int(s[4:6]) - 1, int(s[6:8]))


def days_between(date: _dt.date, base: _dt.date) -> int:
    """Whole days from ``base`` to ``date``, rounded half up as CTP rounds the millisecond gap."""
    return math.floor((date - base).days + 0.5)


# ------------------------------------------------------------------------------------- Blowfish

_NONCE = "tszyihnnphlyeaglle"
_KEY_CHARS = re.compile(r"[^a-zA-Z0-9+/]")


def blowfish_key(key_text: str | None) -> bytes:
    """CTP's key derivation (§6.6): 22 base64 characters of the cleaned key, padded."""
    k = _KEY_CHARS.sub("", (key_text or "").strip(_TRIM))
    while len(k) < 22:
        k += _NONCE
    return base64.b64decode(k[:22] + "==")


def _cipher(key_text: str | None):
    from Crypto.Cipher import Blowfish
    return Blowfish.new(blowfish_key(key_text), Blowfish.MODE_ECB)


def encrypt(value: str | None, key_text: str | None) -> str:
    data = ("null" if value is None else value).encode("utf-8", "surrogatepass")
    pad = 8 - len(data) % 8
    return base64.b64encode(_cipher(key_text).encrypt(data + bytes([pad]) * pad)).decode("ascii")


def decrypt(value: str | None, key_text: str | None) -> str:
    raw = base64.b64decode(("null" if value is None else value).strip(_TRIM), validate=False)
    if not raw:
        return ""
    if len(raw) % 8:
        raise ValueError("not a Blowfish block sequence")
    out = _cipher(key_text).decrypt(raw)
    pad = out[-1]
    if not 1 <= pad <= 8 or out[-pad:] != bytes([pad]) * pad:
        raise ValueError("bad padding")
    return out[:-pad].decode("utf-8", "replace")


# ------------------------------------------------------------------------------------- text

_WS_RUN = re.compile(r"[ \t\n\x0b\f\r]+")


def initials(name: str | None) -> str:
    """``@initials`` (§6.7): family-name initial moved to the end, upper-cased; "X" if none."""
    if name is None:
        return "X"
    s = _WS_RUN.sub(" ", name.replace("^", " ").replace(",", " ")).strip(_TRIM)
    if not s:
        return "X"
    letters = "".join(w[0] for w in s.split(" ") if w)
    if len(letters) > 1:
        letters = letters[1:] + letters[0]
    return letters.upper()


def caesar(s: str, k: int) -> str:
    """Rotate a-z and A-Z within 26 and 0-9 within 10 (Java's remainder, then made positive)."""
    out = []
    for c in s:
        if "a" <= c <= "z":
            out.append(chr(ord("a") + (ord(c) - ord("a") + k) % 26))
        elif "A" <= c <= "Z":
            out.append(chr(ord("A") + (ord(c) - ord("A") + k) % 26))
        elif "0" <= c <= "9":
            out.append(chr(ord("0") + (ord(c) - ord("0") + k) % 10))
        else:
            out.append(c)
    return "".join(out)


def java_round_float(f: float) -> int:
    """``Math.round(float)``: floor(f + 0.5) in single precision."""
    import struct
    f32 = struct.unpack("f", struct.pack("f", f))[0]
    return _java_int_of_float(math.floor(f32 + 0.5))


def round_age(value: str | None, width: int) -> str:
    """``@round`` (§6.7): digits only, rounded to a multiple, non-digits appended, even length."""
    if value is None:
        return ""
    s = value.strip(_TRIM)
    if not s:
        return ""
    digits = re.sub(r"[^0-9]", "", s)
    f = java_parse_float(digits)
    import struct
    q = struct.unpack("f", struct.pack("f", f))[0] / struct.unpack("f", struct.pack("f", float(width)))[0]
    age = java_round_float(q) * width
    age = ((age + 2 ** 31) % 2 ** 32) - 2 ** 31
    result = str(age) + re.sub(r"[0-9]", "", s)
    if len(result) % 2:
        result = "0" + result
    return result
