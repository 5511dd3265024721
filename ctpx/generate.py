"""``ctpx generate``: a CTP DicomAnonymizer script for the Basic Profile plus options.

Every rule comes from Table E.1-1 (``ctpx.dicom.ps315``): the action the profile requires under
the options is turned into the CTP rule that does it, so ``ctpx check`` of the result with the
same options reports no deviation. Where CTP cannot do what the table asks (a dummy value for a
binary element, cleaning an overlay bitmap), the rule quarantines the object for manual review
rather than releasing it unchanged. Entry point: ``generate_script(options, ...) -> str``.
"""
from __future__ import annotations

from typing import Iterable
from xml.sax.saxutils import escape, quoteattr

from .dicom import ps315
from .dicom import _keywords as _kw
from .dicom._private_dict import PRIVATE as _CTP_PRIVATE
from .dicom.names import dcm4che_name, keyword, sequence_tags
from .dicom.private import SAFE_CODE
from .dicom.ps315 import Action, Attribute, Option, RowKind

__all__ = ["generate_script", "DEFAULT_UID_ROOT", "CLEANING_REGEX"]

#: UUID-derived OIDs: "2.25." followed by a 128-bit decimal number, which is what @hashuid makes.
DEFAULT_UID_ROOT = "2.25"

#: What the "clean" rules strip from free text: runs of four or more digits (identifiers,
#: dates, phone numbers) and Family^Given person names. ctpx cannot verify that this is enough;
#: the generated script says so next to every rule that uses it.
CLEANING_REGEX = "[0-9][0-9][0-9][0-9]+|[A-Za-z'-]+[\\^][A-Za-z' ^-]*"

_BINARY = frozenset({"OB", "OW", "OF", "OD", "OL", "OV", "UN", "OB or OW"})
_TEXT_DUMMY = "ANONYMIZED"
_DUMMIES = {"DA": "19000101", "TM": "000000", "DT": "19000101000000", "AS": "000Y", "DS": "0",
            "IS": "0", "US": "0", "SS": "0", "UL": "0", "SL": "0", "FL": "0", "FD": "0",
            "PN": "ANONYMIZED"}

_QUARANTINE_NOTE = "CTP cannot write this; the object is quarantined for review"
_CONTENT_SEQUENCE = 0x0040A730
_TEXT_VALUE = 0x0040A160


def _arg(text: str) -> str:
    """A quoted CTP argument: backslashes escape the next character inside arguments."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _rule_for(row: Attribute, action: Action, vr: str | None, options) -> tuple[str, str]:
    """(rule text, comment) that performs ``action`` on an element of ``vr``."""
    sq = vr == "SQ"
    binary = vr in _BINARY
    date = row.option(Option.RETAIN_LONG_FULL_DATES) is not None
    if action is Action.K:
        return ("@process()", "keep; apply the profile inside") if sq else ("@keep()", "")
    if action is Action.U:
        return ("@process()", "replace the UIDs inside") if sq else \
            ("@hashuid(@UIDROOT,this)", "")
    if action is Action.C:
        if sq:
            return "@process()", "clean: apply the profile inside"
        if date and vr in ("DA", "DT"):
            return "@incrementdate(this,@DATEINC)", "modified date: shifted"
        if date and vr == "TM":
            return "@keep()", "modified dates: the time of day stays beside shifted dates"
        if binary:
            return "@quarantine()", _QUARANTINE_NOTE
        return (f"@contents(this,{_arg(CLEANING_REGEX)},\"\")",
                "clean: strips long numbers and Family^Given names; review that this suffices")
    letters = action.choices
    if "X" in letters:
        return "@remove()", ""
    if "Z" in letters:   # Z, Z/D
        return ("@process()", "a sequence cannot be emptied in CTP: apply the profile inside") \
            if sq else ("@empty()", "")
    # D
    if sq:
        return "@process()", "apply the profile inside"
    if binary:
        return "@quarantine()", _QUARANTINE_NOTE
    if vr == "UI":
        return "@hashuid(@UIDROOT,this)", ""
    return _DUMMIES.get(vr or "", _TEXT_DUMMY), "dummy value"


def _label(tag: int, fallback: str) -> str:
    return dcm4che_name(tag) or fallback


def generate_script(options: Iterable[Option | str] = (), *, uid_root: str = DEFAULT_UID_ROOT,
                    date_shift: int | None = None, profile_name: str | None = None) -> str:
    """The XML text of a CTP script implementing the Basic Profile plus ``options``."""
    opts = ps315.parse_options(options)
    if Option.RETAIN_LONG_MODIFIED_DATES in opts and date_shift is None:
        raise ValueError("retain-long-modified-dates needs a date shift in days (--date-shift)")
    if date_shift is not None and not isinstance(date_shift, int):
        raise ValueError("the date shift must be a whole number of days")
    names = sorted(o.value for o in opts)
    profile = profile_name or ("DICOM PS3.15 Basic Profile"
                               + (" with " + ", ".join(names) if names else ""))
    codes = [ps315.BASIC_PROFILE_CODE] + [o.code for o in Option if o in opts]
    longitudinal = ("UNMODIFIED" if Option.RETAIN_LONG_FULL_DATES in opts else
                    "MODIFIED" if Option.RETAIN_LONG_MODIFIED_DATES in opts else "REMOVED")
    info = ps315.version_info()
    lines = ["<script>",
             f" <!-- {escape(profile)} -->",
             f" <!-- generated by ctpx generate from PS3.15 {info['edition']} Table E.1-1"
             f" (+{info['additions_rows']} Basic-only rows from {info['additions_edition']}) -->",
             f" <!-- options: {', '.join(names) or 'none'} -->",
             " <!-- every sequence the table does not list is processed (@process()), so that"
             " the table's actions reach the attributes nested in its items -->",
             f" <p t=\"UIDROOT\">{escape(uid_root)}</p>",
             f" <p t=\"PROFILENAME\">{escape(profile)}</p>"]
    if date_shift is not None:
        lines.append(f" <p t=\"DATEINC\">{date_shift}</p>")
    rules: dict[int, tuple[str, str, str]] = {}

    def add(tag: int, text: str, label: str, comment: str = "") -> None:
        rules[tag] = (text, label, comment)

    for row in ps315.attributes():
        action = row.action(opts)
        if row.kind is RowKind.TAG:
            if row.tag >> 16 == 0x0002:
                continue   # CTP rewrites the file meta information itself
            text, comment = _rule_for(row, action, row.vr, opts)
            add(row.tag, text, _label(row.tag, row.keyword or row.name), comment)
        elif row.kind is RowKind.OVERLAY and action is not Action.X:
            for t in row.tags:
                text, comment = _rule_for(row, action, row.vr, opts)
                add(t, text, f"{row.keyword or 'Overlay'}{(t >> 16) & 0xFF:02X}", comment)
        elif row.kind is RowKind.CURVE:
            # remove curves does nothing in CTP without unspecifiedelements: name each element.
            for pattern, kw, _name, vr in _kw.REPEATING:
                if not pattern.startswith("50xx"):
                    continue
                elem = int(pattern[4:], 16)
                for g in ps315.REPEATING_GROUPS:
                    text, comment = _rule_for(row, action, vr, opts)
                    add(((0x5000 + g) << 16) | elem, text, f"{kw}{g:02X}", comment)
    # Content items' free text is not a row of its own: Content Sequence's action decides it.
    content = ps315.attribute(_CONTENT_SEQUENCE)
    if content is not None and _TEXT_VALUE not in rules:
        if content.action(opts) is Action.C:
            add(_TEXT_VALUE, f"@contents(this,{_arg(CLEANING_REGEX)},\"\")", "TextValue",
                "free text of content items: cleaned (Clean Structured Content); review that "
                "this suffices")
        elif "X" not in content.action(opts).choices:
            add(_TEXT_VALUE, _TEXT_DUMMY, "TextValue",
                "free text of content items: a dummy (Content Sequence is D: dummy content)")
    # The table acts on an attribute wherever it appears (E.1.1), but CTP applies rules inside
    # a sequence's items only under @process(): every other sequence is processed too.
    for tag in sequence_tags():
        if tag not in rules and tag >> 16 != 0x0002:
            add(tag, "@process()", _label(tag, keyword(tag) or f"{tag:08x}"))
    add(0x00120062, "@always()YES", "PatientIdentityRemoved")
    add(0x00120063, "@always()@append(){" + f"{profile}: PS3.15 Annex E, see (0012,0064)" + "}",
        "DeIdentificationMethod")
    add(0x00120064, "/".join(codes), "DeIdentificationMethodCodeSeq")
    add(0x00280303, f"@always(){longitudinal}", "LongitudinalTemporalInformationModified")
    for tag in sorted(rules):
        text, label, comment = rules[tag]
        if comment:
            lines.append(f" <!-- {escape(comment)} -->")
        lines.append(f" <e en=\"T\" t=\"{tag:08x}\" n={quoteattr(label)}>{escape(text)}</e>")
    lines += _private_rules(opts)
    overlays_kept = any(r.kind is RowKind.OVERLAY and r.action(opts) is not Action.X
                        for r in ps315.attributes())
    lines.append(f" <r en=\"{'F' if overlays_kept else 'T'}\" t=\"overlays\">Remove overlays</r>")
    curves_kept = any(r.kind is RowKind.CURVE and r.action(opts) is not Action.X
                      for r in ps315.attributes())
    lines.append(f" <r en=\"{'F' if curves_kept else 'T'}\" t=\"curves\">Remove curves</r>")
    lines.append(" <r en=\"T\" t=\"privategroups\">Remove private groups</r>")
    lines.append(" <r en=\"F\" t=\"unspecifiedelements\">Remove unchecked elements</r>")
    lines.append("</script>")
    return "\n".join(lines) + "\n"


def _private_rules(opts) -> list[str]:
    """Retain Safe Private: CTP's own safe list differs from Table E.3.10-1, so keep the
    standard's entries and remove CTP's extra ones by name (creator spelled as the tables do;
    CTP matches ``gggg[CREATOR]ee`` rules case-sensitively)."""
    if Option.RETAIN_SAFE_PRIVATE not in opts:
        return []
    out = [" <!-- Retain Safe Private: Table E.3.10-1 kept, CTP's other 'safe' entries removed -->",
           " <k en=\"T\" t=\"safeprivateelements\">Keep safe private elements</k>"]
    standard = {(e.group, e.creator.upper(), e.byte) for e in ps315.safe_private_elements()}
    for e in ps315.safe_private_elements():
        if _CTP_PRIVATE.get((e.group, e.creator.upper(), e.byte), ("", ""))[1] == SAFE_CODE:
            continue   # CTP already keeps it
        out.append(f" <e en=\"T\" t={quoteattr(f'{e.group:04x}[{e.creator}]{e.byte:02x}')} "
                   f"n=\"\">@keep()</e>")
    for (g, creator, b), (_vr, code) in sorted(_CTP_PRIVATE.items()):
        if code == SAFE_CODE and (g, creator, b) not in standard:
            out.append(f" <e en=\"T\" t={quoteattr(f'{g:04x}[{creator}]{b:02x}')} "
                       f"n=\"\">@remove()</e>")
    return out
