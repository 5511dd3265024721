"""What counts as an identifier of an input file, and how it is searched for in an output.

``collect(ds)`` walks an input dataset and returns an ``Identifiers`` set: every identifying
value with its kind and the input path it came from, in all the spellings that are searched
(person-name components, dates in many formats, ...). ``Identifiers.find_text`` and
``find_bytes`` search a text or a byte string for any of them.

The rules that keep false alarms down (docs/verify.md explains the trade-offs):

- a value is searched as a whole token: it must not be preceded or followed by a letter or digit,
  so ``SYN123`` is not found inside ``SYN1234`` and ``Ann`` not inside ``Annotation``;
- values that are too short or too common are not searched: name parts under 3 letters, other
  values under 4 letters or digits, all-digit values under 5 digits, values that are one
  repeated character, and a list of common words (``COMMON``: sex codes, modality-like words,
  ``ANONYMOUS``, titles such as ``Dr``, words such as ``Hospital`` or ``Road``);
- values of elements that are not identifying (Modality, StudyDescription, Manufacturer, code
  values and meanings, ...) are never collected, and a candidate equal to one of them is
  dropped;
- free text is not searched as a whole: only dates, ID-like tokens (>= 6 characters with >= 4
  digits, or >= 6 digits), e-mail addresses, telephone numbers and words that follow a name cue
  (``Dr.``, ``Mr``, ``seen by``, ``Patient:``, ``Family^Given``) are taken from it;
- UIDs are compared whole, with ``.`` counted as part of the UID, and standard UIDs (SOP
  classes, transfer syntaxes, anything under 1.2.840.10008) are not collected;
- dates are searched in about twenty spellings, and as ``YYYYMMDD`` also when a time follows.
"""
from __future__ import annotations

import calendar
import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from .dicom.private import is_safe_private
from .verify_dicom import Element, walk

# Kinds, most specific first: when one value comes from several elements, the most specific
# kind and its source are kept.
KINDS = ("name", "id", "uid", "date", "datetime", "institution", "address", "device", "phone",
         "email", "private", "text")
_PRIORITY = {k: i for i, k in enumerate(KINDS)}

#: Words that are never identifiers on their own (upper case).
COMMON = frozenset("""
ANON ANONYMOUS ANONYMIZED ANONYMISED DEIDENTIFIED DE-IDENTIFIED REDACTED REMOVED UNKNOWN NONE
NULL EMPTY DEFAULT OTHER TEST TESTING DEMO SAMPLE PHANTOM PATIENT SUBJECT CASE STUDY SERIES
IMAGE IMAGES REPORT NAME SURNAME GIVEN FAMILY FIRST LAST MIDDLE YES NO TRUE FALSE MALE FEMALE
ORIGINAL PRIMARY SECONDARY DERIVED AXIAL CORONAL SAGITTAL OBLIQUE LOCALIZER SCOUT HEAD NECK
CHEST ABDOMEN PELVIS BRAIN SPINE KNEE HAND FOOT LEFT RIGHT BOTH ROUTINE CONTRAST WITH WITHOUT
AND THE FOR FROM DOCTOR PHYSICIAN NURSE TECH TECHNOLOGIST RADIOLOGIST OPERATOR REFERRING
HOSPITAL HOSPITALS CLINIC CLINICS CLINICAL MEDICAL MEDICINE CENTER CENTRE UNIVERSITY GENERAL
MEMORIAL SAINT RADIOLOGY IMAGING DEPARTMENT INSTITUTE HEALTH HEALTHCARE CARE SERVICES SERVICE
FOUNDATION REGIONAL NATIONAL CHILDREN CHILDRENS COMMUNITY ROAD STREET AVENUE LANE DRIVE CLOSE
COURT PLACE SQUARE BOULEVARD SUITE FLOOR BUILDING ROOM WING NORTH SOUTH EAST WEST CITY COUNTY
STATE COUNTRY DR MR MRS MS MISS MX PROF SIR DAME REV JR SR II III IV MD PHD RN DDS DO ESQ
STATION SCANNER CONSOLE DEVICE UNIT SYSTEM SYSTEMS CARDIOLOGY ONCOLOGY NEUROLOGY SURGERY
ORTHOPEDICS ORTHOPAEDICS EMERGENCY PEDIATRICS PAEDIATRICS ICU WARD OUTPATIENT INPATIENT TEAM
STAFF FOLLOW FOLLOW-UP
""".split())

# A cue followed by a capitalised word: the word is taken as a person name.
_CUE = (r"(?i:\b(?:Dr|Drs|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Sister)\.?\s+"
        r"|\b(?:seen|referred|reviewed|read|dictated|signed|reported|examined|performed)\s+by"
        r"(?:\s+(?:Dr|Doctor|Prof)\.?)?\s+"
        r"|\b(?:patient|pt|name|physician|referrer|attending|radiologist|technologist)\s*[:=]\s*)")
_NAME_WORD = r"[^\W\d_][^\W\d_'\-]*(?:['\-][^\W\d_]+)*"
_CUE_RE = re.compile(_CUE + rf"({_NAME_WORD}(?:,?\s+{_NAME_WORD})?)")
_CARET_RE = re.compile(rf"({_NAME_WORD})\^({_NAME_WORD})")
_TOKEN_RE = re.compile(r"[^\W_](?:[\w\-/]*[^\W_])?")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\d{2,4}[\s.-])"
                       r"\d{3,4}[\s.-]\d{3,4}(?!\w)")
_UNITISH = re.compile(r"\d+(?:[x×]\d+)+[a-z]*|\d+(?:[.,]\d+)?[a-z]{1,4}", re.I)
_DECIMAL = re.compile(r"[+-]?\d*[.,]\d+|[+-]?\d+[.,]\d*")

_MONTHS = [m for m in calendar.month_name[1:]]
_MONTH_ABBR = [m for m in calendar.month_abbr[1:]]
_MON = "|".join(sorted({m.lower() for m in _MONTHS + _MONTH_ABBR} | {"sept"},
                       key=len, reverse=True))
# Date shapes in text. The matched text is normalised and looked up in the collected dates.
_DATE_SHAPES = re.compile(
    rf"(?<![\w.])(?:\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?[ -](?:{_MON})\.?,?[ -]\d{{4}}"
    rf"|(?:{_MON})\.?[ -]\d{{1,2}}(?:st|nd|rd|th)?,?[ -]\d{{4}})(?![\w])", re.I)
# Runs of digits that start with a plausible year: YYYYMMDD, alone or followed by a time.
_DIGIT_RUN = re.compile(r"(?<![^\W_])(?<!\.)(?:1[89]|20|21)\d{6}\d*(?![^\W_])")
# The bytes forms start with a plain character class and look behind only after it, so that
# the regex engine can skip ahead to candidate bytes (a leading look-behind would prevent it).
_DIGIT_RUN_B = re.compile(rb"[12](?<![A-Za-z0-9.][12])(?:(?<=1)[89]|(?<=2)[01])\d{6}\d*"
                          rb"(?![A-Za-z0-9])")
_UID_SHAPE = re.compile(r"(?<![\w.])[0-2](?:\.\d+){2,}(?![\w]|\.\d)")
_UID_SHAPE_B = re.compile(rb"[0-2](?<![\w.][0-2])(?:\.\d+){2,}(?![\w]|\.\d)")
_ALNUM_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

#: Dates too generic to mean anything (placeholders many tools write).
_SENTINEL_DATES = frozenset({"19000101", "18991230", "19700101", "00010101", "20000101"})

# Elements that are structure or coded vocabulary, never identifying in themselves.
_STRUCTURAL = frozenset("""
CodeValue LongCodeValue URNCodeValue CodeMeaning CodingSchemeDesignator CodingSchemeVersion
CodingSchemeName CodingSchemeResponsibleOrganization ContextIdentifier ContextGroupVersion
MappingResource MappingResourceName TemplateIdentifier ValueType RelationshipType
ContinuityOfContent CompletionFlag VerificationFlag ImageType SpecificCharacterSet
TransferSyntaxUID ImplementationVersionName ConceptNameCodeSequence Modality
""".split())

# Identifying elements by keyword, beyond what their VR says (PN, DA, DT, UI).
_KIND_BY_KEYWORD: dict[str, str] = {}
for _kind, _names in {
    "id": """PatientID OtherPatientIDs AccessionNumber StudyID RequestedProcedureID
        ScheduledProcedureStepID PerformedProcedureStepID AdmissionID ServiceEpisodeID
        MedicalRecordLocator FillerOrderNumberImagingServiceRequest
        PlacerOrderNumberImagingServiceRequest FillerOrderNumberProcedure
        PlacerOrderNumberProcedure ClinicalTrialSubjectID ClinicalTrialSubjectReadingID
        InsurancePlanIdentification""",
    "institution": """InstitutionName InstitutionalDepartmentName IssuerOfPatientID
        IssuerOfAdmissionID IssuerOfServiceEpisodeID IssuerOfAccessionNumber
        VerifyingOrganization RequestingService PerformedLocation ScheduledProcedureStepLocation
        InstitutionCodeSequence ResponsibleOrganization PersonAddress""",
    "address": """InstitutionAddress PatientAddress ReferringPhysicianAddress RegionOfResidence
        CountryOfResidence PatientTelecomInformation PersonTelecomInformation
        ReferringPhysicianTelecomInformation""",
    "phone": """PatientTelephoneNumbers PersonTelephoneNumbers
        ReferringPhysicianTelephoneNumbers""",
    "device": """StationName DeviceSerialNumber DetectorID GantryID PlateID CassetteID
        DeviceID DeviceLabel SourceApplicationEntityTitle SendingApplicationEntityTitle
        ReceivingApplicationEntityTitle StationAETitle ScheduledStationAETitle
        PerformedStationAETitle ScheduledStationName PerformedStationName RetrieveAETitle
        ModifyingSystem SourceOfPreviousValues UniqueDeviceIdentifier""",
}.items():
    for _k in _names.split():
        _KIND_BY_KEYWORD[_k] = _kind

_FREE_TEXT_WORDS = re.compile(r"Comment|Description|History|Reason|Note|Remark|Diagnos|Allerg|"
                              r"Alert|Occupation|ProtocolName|Label|Title|Text|Message|"
                              r"Instruction|Observation|Impression|Finding")
# A code inside these sequences names a person (its value) or an organisation (its value and
# meaning).
_IDENTIFYING_PARENTS = (("Identification", "id", ("CodeValue", "LongCodeValue")),
                        ("Institution", "institution", ("CodeValue", "CodeMeaning")),
                        ("Organization", "institution", ("CodeValue", "CodeMeaning")),
                        ("Issuer", "institution", ("CodeValue", "CodeMeaning")))
_UID_NOT_COLLECTED = re.compile(r"ClassUID|TransferSyntaxUID|CodingSchemeUID|ContextUID|"
                                r"TemplateUID|ImplementationClassUID|CreatorUID|"
                                r"MappingResourceUID")


@dataclass
class Ident:
    """One identifying value of the input."""

    text: str        # the value as shown (a canonical spelling for dates)
    kind: str
    source: str      # the input path it came from
    source_name: str  # that element's keyword (or "free text", "preamble", ...)
    id: int = 0
    group: int = -1   # idents spelled from one value (a person name's parts) share a group


@dataclass
class Identifiers:
    """The identifiers of one input file and the lookups that search for them."""

    idents: list[Ident] = field(default_factory=list)
    words: dict[str, Ident] = field(default_factory=dict)       # lower-cased spelling -> ident
    dates: dict[str, Ident] = field(default_factory=dict)       # normalised spelling -> ident
    date8: dict[str, Ident] = field(default_factory=dict)       # YYYYMMDD -> ident
    date_lit: dict[str, Ident] = field(default_factory=dict)    # lower-cased spelling -> ident
    uids: dict[str, Ident] = field(default_factory=dict)
    uid_at: dict[str, list[str]] = field(default_factory=dict)  # input path -> UIDs there
    benign: set[str] = field(default_factory=set)
    _group: int = -1

    # --- building -------------------------------------------------------------------------

    def _ident(self, text: str, kind: str, source: str, source_name: str,
               table: dict[str, Ident], key: str) -> None:
        old = table.get(key)
        if old is not None:
            # Report the most telling origin: a more specific kind, or a named element rather
            # than a token picked out of free text.
            rank_new = (source_name == "free text", _PRIORITY[kind])
            rank_old = (old.source_name == "free text", _PRIORITY[old.kind])
            better = rank_new < rank_old
            if better:
                old.kind, old.source, old.source_name = kind, source, source_name
            return
        ident = Ident(text, kind, source, source_name, len(self.idents))
        ident.group = self._group if self._group >= 0 else ident.id
        self.idents.append(ident)
        table[key] = ident

    def add_word(self, text: str, kind: str, source: str, source_name: str,
                 *, check: str | None = None) -> bool:
        text = " ".join(text.replace("\0", " ").split())
        if not distinctive(text, check or kind):
            return False
        self._ident(text, kind, source, source_name, self.words, text.lower())
        return True

    def add_uid(self, uid: str, source: str, source_name: str) -> None:
        uid = uid.strip(" \0")
        if not uid or is_standard_uid(uid) or len(uid) < 8 or uid.count(".") < 2:
            return
        self._ident(uid, "uid", source, source_name, self.uids, uid)

    def add_date(self, y: int, m: int, d: int, source: str, source_name: str,
                 kind: str = "date") -> None:
        try:
            day = _dt.date(y, m, d)
        except ValueError:
            return
        canon = day.strftime("%Y%m%d")
        if not 1850 <= y <= 2100 or canon in _SENTINEL_DATES:
            return
        self._ident(canon, kind, source, source_name, self.date8, canon)
        ident = self.date8[canon]
        for form in date_forms(day):
            self.dates.setdefault(_norm_date(form), ident)
            self.date_lit.setdefault(form.lower(), ident)

    def add_name(self, pn: str, source: str, source_name: str) -> None:
        pn = pn.strip(" \0")
        if not pn.strip("^= "):
            return
        self._group = len(self.idents)
        try:
            self._add_name_forms(pn, source, source_name)
        finally:
            self._group = -1

    def _add_name_forms(self, pn: str, source: str, source_name: str) -> None:
        self.add_word(pn.rstrip("^ "), "name", source, source_name, check="name-full")
        for group in pn.split("="):
            comps = [c.strip() for c in group.split("^")]
            named = [c for c in comps[:3] if c]
            if not named:
                continue
            self.add_word(group.rstrip("^ "), "name", source, source_name, check="name-full")
            if len(named) >= 2:
                fam, giv = named[0], named[1]
                for form in (f"{fam}^{giv}", f"{giv} {fam}", f"{fam}, {giv}", f"{fam} {giv}"):
                    self.add_word(form, "name", source, source_name, check="name-full")
            for c in comps[:3]:
                for part in [c] + (c.split() if " " in c else []):
                    self._add_name_part(part, source, source_name)

    def _add_name_part(self, part: str, source: str, source_name: str) -> None:
        self.add_word(part, "name", source, source_name)
        folded = ascii_fold(part)
        if folded != part:
            self.add_word(folded, "name", source, source_name)

    def add_free_text(self, text: str, source: str, source_name: str) -> None:
        for m in _CUE_RE.finditer(text):
            for part in re.split(r"[,\s]+", m.group(1)):
                # Only capitalised words: "seen by the technologist" names no one.
                if part[:1].isupper():
                    self._add_name_part(part, source, "free text")
        for m in _CARET_RE.finditer(text):
            self.add_name(m.group(0), source, "free text")
        for m in _EMAIL_RE.finditer(text):
            self.add_word(m.group(0), "email", source, "free text")
        for m in _PHONE_RE.finditer(text):
            self.add_word(m.group(0), "phone", source, "free text")
        for y, mo, d in dates_in_text(text):
            self.add_date(y, mo, d, source, "free text")
        for m in _TOKEN_RE.finditer(text):
            tok = m.group(0)
            if id_like(tok):
                self.add_word(tok, "id", source, "free text")

    def finish(self) -> "Identifiers":
        """Drop candidates equal to a non-identifying value of the same file."""
        for key in [k for k in self.words if k in self.benign]:
            del self.words[key]
        return self

    # --- searching -------------------------------------------------------------------------

    def find_text(self, s: str, *, uids: bool = True) -> list[tuple[str, Ident]]:
        """(matched text, ident) for every identifier in ``s``."""
        out: list[tuple[str, Ident]] = []
        if not s:
            return out
        spans: list[tuple[int, int]] = []
        if self.words:
            rx = _word_regex(frozenset(self.words))
            for m in rx.finditer(s):
                ident = self.words.get(m.group(0).lower())
                if ident is not None:
                    out.append((m.group(0), ident))
                    spans.append(m.span())

        def inside(m) -> bool:
            # A date inside a date-time that was already found whole is the same finding.
            return any(a <= m.start() and m.end() <= b for a, b in spans)

        if self.dates:
            for m in _DATE_SHAPES.finditer(s):
                ident = self.dates.get(_norm_date(m.group(0)))
                if ident is not None and not inside(m):
                    out.append((m.group(0), ident))
            for m in _DIGIT_RUN.finditer(s):
                hit = self._date_run(m.group(0), s[m.end():m.end() + 2])
                if hit is not None and not inside(m):
                    out.append((m.group(0), hit))
        if uids and self.uids:
            for m in _UID_SHAPE.finditer(s):
                ident = self.uids.get(m.group(0))
                if ident is not None:
                    out.append((m.group(0), ident))
        return out

    def find_bytes(self, b: bytes) -> list[tuple[str, Ident, int]]:
        """(matched text, ident, offset) for every identifier in ``b``, in ASCII, Latin-1 or
        UTF-8.

        This is the search that runs over whole files, so it is built for speed: the buffer is
        lower-cased once and searched with a case-sensitive trie whose first characters the
        regex engine can skip to; the left word boundary is checked here rather than by a
        look-behind, which would defeat that skip. Dates are searched in their literal
        spellings (the shape-based text search would be many times slower on binary data).
        """
        out: list[tuple[str, Ident, int]] = []
        if not b:
            return out
        spans: list[tuple[int, int]] = []
        keys = frozenset(self.words) | frozenset(self.date_lit)
        if keys:
            low = b.lower()
            rx, table = _bytes_regex(keys)
            pos = 0
            while True:
                m = rx.search(low, pos)
                if m is None:
                    break
                start, end = m.span()
                if start and low[start - 1] in _ALNUM_BYTES:
                    pos = start + 1
                    continue
                key = table.get(m.group(0))
                ident = None if key is None else (self.words.get(key) or self.date_lit.get(key))
                if ident is not None:
                    out.append((_decode(b[start:end]), ident, start))
                    spans.append((start, end))
                pos = end

        def inside(m) -> bool:
            return any(a <= m.start() and m.end() <= e for a, e in spans)

        if self.date8:
            for m in _DIGIT_RUN_B.finditer(b):
                run = m.group(0).decode("ascii")
                hit = self._date_run(run, b[m.end():m.end() + 2].decode("latin-1"))
                if hit is not None and not inside(m):
                    out.append((run, hit, m.start()))
        if self.uids:
            for m in _UID_SHAPE_B.finditer(b):
                ident = self.uids.get(m.group(0).decode("ascii"))
                if ident is not None:
                    out.append((m.group(0).decode("ascii"), ident, m.start()))
        return out

    def _date_run(self, run: str, after: str) -> Ident | None:
        ident = self.date8.get(run[:8])
        if ident is None:
            return None
        if len(run) == 8:
            # A run of exactly eight digits followed by ".digit" is a UID component.
            return None if (after[:1] == "." and after[1:2].isdigit()) else ident
        # Longer runs count when the rest reads as a time (HH, HHMM, HHMMSS).
        return ident if len(run) in (10, 12, 14) and run[8:10] < "24" else None

    def max_bytes(self) -> int:
        longest = max((len(k) for k in self.words), default=0)
        longest = max(longest, max((len(k) for k in self.uids), default=0), 40)
        return longest * 4 + 8


# --- classification ------------------------------------------------------------------------

def classify(e: Element) -> str:
    """The kind of identifier an input element holds: a KINDS entry, "skip" or "benign"."""
    group, el = e.tag >> 16, e.tag & 0xFFFF
    if el == 0 or (group & 1 and 0x10 <= el <= 0xFF):
        return "skip"                      # group lengths and private creators
    if e.vr == "SQ":
        return "skip"
    kw = e.keyword
    if e.vr == "UI":
        return "skip" if _UID_NOT_COLLECTED.search(kw) else "uid"
    if kw in ("CodeValue", "LongCodeValue", "CodeMeaning") and e.parent:
        for word, kind, keywords in _IDENTIFYING_PARENTS:
            if word in e.parent and kw in keywords:
                return kind
    if kw in _STRUCTURAL:
        return "skip"
    if e.vr == "PN":
        return "name"
    if e.vr == "DA":
        return "date"
    if e.vr == "DT":
        return "datetime"
    if kw in _KIND_BY_KEYWORD:
        return _KIND_BY_KEYWORD[kw]
    if group & 1:
        return "private"
    if e.vr in ("LT", "ST", "UT", "UC"):
        return "text"
    if e.vr in ("LO", "SH") and (_FREE_TEXT_WORDS.search(kw) or not kw):
        return "text"
    if kw.endswith("ID") and e.vr in ("LO", "SH", "UC"):
        return "id"
    return "benign"


def collect(ds) -> Identifiers:
    """The identifiers of an input dataset, file meta included."""
    ids = Identifiers()
    # The dataset first, so that a value found in both is reported as coming from the dataset.
    for e in walk(ds):
        _collect_element(ids, e)
    meta = getattr(ds, "file_meta", None)
    if meta is not None and len(meta):
        for e in walk(meta):
            _collect_element(ids, e)
    return ids.finish()


def _collect_element(ids: Identifiers, e: Element) -> None:
    kind = classify(e)
    if kind == "skip":
        return
    name = e.keyword or e.path
    if kind == "benign":
        if e.values:
            for v in e.values:
                ids.benign.add(" ".join(v.split()).lower())
        return
    if kind == "uid":
        vals = [v.strip(" \0") for v in e.values]
        ids.uid_at[e.path] = vals
        for v in vals:
            ids.add_uid(v, e.path, name)
        return
    if e.value is None:
        return
    if isinstance(e.value, bytes):
        if kind != "private":
            return
        text = _printable_text(e.value)
        if text is None:
            return
        values = [v for v in text.split("\\")]
    else:
        values = e.values
    for v in values:
        v = v.strip(" \0")
        if not v:
            continue
        if kind == "name":
            ids.add_name(v, e.path, name)
        elif kind in ("date", "datetime"):
            _collect_date(ids, v, kind, e.path, name)
        elif kind == "text":
            ids.add_free_text(v, e.path, name)
        elif kind == "private":
            safe = e.creator is not None and is_safe_private(e.tag >> 16, e.creator, e.tag)
            if not safe:
                ids.add_word(v, "private", e.path, name)
            ids.add_free_text(v, e.path, name)
        else:
            ids.add_word(v, kind, e.path, name)
            if kind in ("institution", "address", "device"):
                for m in _TOKEN_RE.finditer(v):
                    tok = m.group(0)
                    if tok != v and (len(tok) >= 5 or id_like(tok)):
                        ids.add_word(tok, kind, e.path, name)
            if kind in ("address", "institution"):
                ids.add_free_text(v, e.path, name)


def _collect_date(ids: Identifiers, v: str, kind: str, path: str, name: str) -> None:
    # A date-time is searched through its date: YYYYMMDD followed by a time is matched as one
    # run, so the whole value needs no entry of its own (which would differ in every file and
    # defeat the cache of compiled searches).
    digits = v.split("-")[0].strip()
    if len(digits) >= 8 and digits[:8].isdigit():
        ids.add_date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]), path, name, kind)


def _printable_text(b: bytes) -> str | None:
    b = b.rstrip(b"\0 ")
    if not b:
        return None
    try:
        text = b.decode("utf-8")
    except UnicodeDecodeError:
        text = b.decode("latin-1")
    printable = sum(1 for ch in text if ch.isprintable())
    return text if printable >= 0.9 * len(text) else None


# --- rules ---------------------------------------------------------------------------------

def distinctive(text: str, kind: str) -> bool:
    """Whether ``text`` is specific enough to be searched for (see the module notes)."""
    t = text.strip()
    if not t:
        return False
    up = t.upper()
    if up in COMMON:
        return False
    alnum = [ch for ch in t if ch.isalnum()]
    if not alnum or len(set(ch.upper() for ch in alnum)) == 1:
        return False
    if kind in ("name", "name-full"):
        letters = sum(1 for ch in t if ch.isalpha())
        if has_cjk(t):
            return letters >= 2
        if kind == "name":
            return letters >= 3 and not t.isdigit()
        return letters >= 3
    if t.isdigit():
        return len(t) >= 5
    if _DECIMAL.fullmatch(t):
        return False
    return len(alnum) >= 4


def id_like(tok: str) -> bool:
    """A free-text token that reads as an identifier (MRN, accession, phone-less number)."""
    digits = sum(ch.isdigit() for ch in tok)
    if tok.isdigit():
        return len(tok) >= 6
    if len(tok) < 6 or digits < 4:
        return False
    if _DECIMAL.fullmatch(tok) or _UNITISH.fullmatch(tok):
        return False
    if re.fullmatch(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", tok):
        return False                        # a date: collected as one
    return True


def has_cjk(s: str) -> bool:
    return any(0x3040 <= ord(ch) <= 0x30FF or 0x3400 <= ord(ch) <= 0x9FFF or
               0xAC00 <= ord(ch) <= 0xD7AF or 0xF900 <= ord(ch) <= 0xFAFF for ch in s)


def ascii_fold(s: str) -> str:
    """``Brévantis`` -> ``Brevantis``; letters with no ASCII base are kept."""
    special = {"ß": "ss", "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae",
               "Đ": "D", "đ": "d", "Þ": "Th", "þ": "th"}
    out = []
    for ch in s:
        if ch in special:
            out.append(special[ch])
            continue
        base = unicodedata.normalize("NFKD", ch)
        stripped = "".join(c for c in base if not unicodedata.combining(c))
        out.append(stripped if stripped.isascii() and stripped else ch)
    return "".join(out)


_STANDARD_PREFIXES = ("1.2.840.10008.",)


@lru_cache(maxsize=1)
def _uid_dictionary() -> frozenset[str]:
    from pydicom.uid import UID_dictionary  # type: ignore[attr-defined]
    return frozenset(UID_dictionary)


def is_standard_uid(uid: str) -> bool:
    """A UID defined by the standard (or a well-known one pydicom lists): never identifying."""
    return uid.startswith(_STANDARD_PREFIXES) or uid in _uid_dictionary()


# --- dates ---------------------------------------------------------------------------------

def date_forms(d: _dt.date) -> list[str]:
    """The spellings a date is searched in (besides YYYYMMDD, which is matched as a run)."""
    y, m, dd = d.year, d.month, d.day
    mon, month = _MONTH_ABBR[m - 1], _MONTHS[m - 1]
    forms = [f"{y}-{m:02d}-{dd:02d}", f"{y}/{m:02d}/{dd:02d}", f"{y}.{m:02d}.{dd:02d}",
             f"{dd:02d}.{m:02d}.{y}", f"{dd}.{m}.{y}", f"{dd:02d}/{m:02d}/{y}",
             f"{m:02d}/{dd:02d}/{y}", f"{m}/{dd}/{y}", f"{dd}/{m}/{y}", f"{dd:02d}-{m:02d}-{y}",
             f"{m:02d}-{dd:02d}-{y}", f"{dd} {mon} {y}", f"{dd:02d}-{mon}-{y}", f"{dd}-{mon}-{y}",
             f"{mon} {dd}, {y}", f"{month} {dd}, {y}", f"{dd} {month} {y}", f"{month} {dd} {y}",
             f"{mon} {dd} {y}"]
    return forms


_MONTH_RX = re.compile(rf"\b({_MON})\b\.?")
_MONTH_NUM = {a.lower(): i for i, a in enumerate(_MONTH_ABBR, 1)}


def _norm_date(s: str) -> str:
    """One key for the spellings of one date that differ only in case, commas, ordinal
    suffixes, spacing or month-name length ("Mar", "Mar.", "March")."""
    s = s.lower().replace(",", " ")
    s = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s)
    s = _MONTH_RX.sub(lambda m: f" m{_MONTH_NUM[m.group(1)[:3]]} ", s)
    return " ".join(s.split())


def dates_in_text(text: str) -> Iterable[tuple[int, int, int]]:
    """(year, month, day) of every date written in ``text``, in every reading it allows
    (``03/04/2019`` is both 3 April and 4 March)."""
    for m in _DATE_SHAPES.finditer(text):
        s = m.group(0)
        nums = [int(x) for x in re.findall(r"\d+", s)]
        words = re.findall(r"[A-Za-z]+", s)
        month = None
        for w in words:
            w = w.lower()[:3]
            for i, a in enumerate(_MONTH_ABBR, 1):
                if a.lower() == w:
                    month = i
        if month is not None:
            day = [n for n in nums if n < 100]
            year = [n for n in nums if n >= 1000]
            if day and year:
                yield year[0], month, day[0]
            continue
        if len(nums) != 3:
            continue
        if nums[0] >= 1000:
            yield nums[0], nums[1], nums[2]
        else:
            yield nums[2], nums[1], nums[0]
            yield nums[2], nums[0], nums[1]
    for m in _DIGIT_RUN.finditer(text):
        run = m.group(0)
        if len(run) in (8, 10, 12, 14):
            yield int(run[:4]), int(run[4:6]), int(run[6:8])


# --- compiled searches ---------------------------------------------------------------------

def _trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation of ``words`` with shared prefixes factored out, so that the
    engine does one character test per position instead of one per word."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return ("(?:" + body + ")?") if len(branches) == 1 else body + "?"
        return body

    return build(trie)


@lru_cache(maxsize=64)
def _word_regex(keys: frozenset[str]) -> re.Pattern:
    plain = [k for k in keys if not has_cjk(k)]
    cjk = [k for k in keys if has_cjk(k)]
    parts = []
    # Values with ideographs go first: they are whole multi-group names, and an alternation
    # takes the first branch that matches, not the longest.
    if cjk:
        parts.append(_nest(cjk))
    if plain:
        parts.append(r"(?<![^\W_])" + _nest(plain) + r"(?![^\W_])")
    return re.compile("|".join(parts), re.I)


@lru_cache(maxsize=64)
def _bytes_regex(keys: frozenset[str]) -> tuple[re.Pattern, dict[bytes, str]]:
    # Bytes patterns fold ASCII case only, so non-ASCII letters are listed in the usual cases.
    table: dict[bytes, str] = {}
    for k in keys:
        for variant in {k, k.upper(), k.title(), k.capitalize()}:
            for enc in ("utf-8", "latin-1"):
                try:
                    table.setdefault(variant.encode(enc).lower(), k)
                except UnicodeEncodeError:
                    pass
    as_text = [b.decode("latin-1") for b in table]
    # Only ASCII letters and digits stop a match: binary neighbours (delimiters, lengths) are
    # often bytes above 0x7F.
    pattern = _nest(as_text) + r"(?![a-z0-9])"
    return re.compile(pattern.encode("latin-1")), table


def _nest(words: list[str]) -> str:
    body = _trie_pattern(sorted(words))
    return "(?:" + body + ")"


def _decode(b: bytes) -> str:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")
