"""One passing and one failing script per deviation code (DI01...), in the style of rule cases.

Each case names the code, the tag label the deviation is reported at, the options, and two
script bodies (the children of <script>). The failing script must produce that code at that tag;
the passing one must not. Scripts are partial, so other codes (mostly DI12) are expected too.
"""
from __future__ import annotations

UID = '<p t="R">1.2.3</p>'
RPG = '<r en="T" t="privategroups">x</r>'

CASES = [
    {"code": "DI01", "tag": "(0010,1010)", "options": [], "why": "Patient Age is X",
     "fail": '<e en="T" t="00101010" n="a">@keep()</e>',
     "pass": '<e en="T" t="00101010" n="a">@remove()</e>'},
    {"code": "DI02", "tag": "(0020,000E)", "options": [], "why": "Series Instance UID is U",
     "fail": '<e en="T" t="0020000e" n="a">@keep()</e>',
     "pass": UID + '<e en="T" t="0020000e" n="a">@hashuid(@R,this)</e>'},
    {"code": "DI03", "tag": "(0040,A075)", "options": [], "why": "Verifying Observer Name is D",
     "fail": '<e en="T" t="0040a075" n="a">@remove()</e>',
     "pass": '<e en="T" t="0040a075" n="a">ANONYMOUS</e>'},
    {"code": "DI04", "tag": "(0040,0275)", "options": [],
     "why": "Request Attributes Sequence is X and holds AccessionNumber, StudyInstanceUID...",
     "fail": '<e en="T" t="00400275" n="a">@keep()</e>',
     "pass": '<e en="T" t="00400275" n="a">@remove()</e>'},
    {"code": "DI05", "tag": "(gggg,eeee)", "options": [], "why": "private attributes are X",
     "fail": '<r en="F" t="privategroups">x</r>',
     "pass": RPG},
    {"code": "DI06", "tag": "(gggg,eeee)", "options": ["retain-safe-private"],
     "why": "Retain Safe Private keeps Table E.3.10-1",
     "fail": RPG,
     "pass": '<r en="F" t="privategroups">x</r>'},
    {"code": "DI07", "tag": "(0008,0030)", "options": [], "why": "Study Time is Z",
     "fail": '<e en="T" t="00080030" n="a">@keep()</e>',
     "pass": '<e en="T" t="00080030" n="a">@empty()</e>'},
    {"code": "DI08", "tag": "(0008,0020)", "options": [],
     "why": "Study Date is Z without a longitudinal option",
     "fail": '<p t="D">-30</p><e en="T" t="00080020" n="a">@incrementdate(this,@D)</e>',
     "pass": '<e en="T" t="00080020" n="a">@empty()</e>'},
    {"code": "DI08", "tag": "(0008,0020)", "options": ["retain-long-modified-dates"],
     "why": "Modified Dates makes Study Date C: the same shift now passes",
     "fail": '<e en="T" t="00080020" n="a">@hashdate(this,PatientID)</e>'
             '<e en="T" t="00080021" n="a">@keep()</e>',
     "fail_code": "DI07", "fail_tag": "(0008,0021)",
     "pass": '<p t="D">-30</p><e en="T" t="00080020" n="a">@incrementdate(this,@D)</e>'},
    {"code": "DI09", "tag": "(0010,1010)", "options": ["retain-patient-chars"],
     "why": "Retain Patient Characteristics makes Patient Age K",
     "fail": '<e en="T" t="00101010" n="a">@remove()</e>',
     "pass": '<e en="T" t="00101010" n="a">@keep()</e>'},
    {"code": "DI10", "tag": "(0008,1030)", "options": [], "why": "Study Description is X",
     "fail": '<e en="T" t="00081030" n="a">@keep()</e>',
     "pass": '<e en="T" t="00081030" n="a">@remove()</e>'},
    {"code": "DI10", "tag": "(0008,1030)", "options": ["clean-descriptors"],
     "why": "Clean Descriptors makes it C: kept verbatim is still not cleaned",
     "fail": '<e en="T" t="00081030" n="a">@keep()</e>',
     "pass": '<e en="T" t="00081030" n="a">@contents(this,"[0-9]+","")</e>'},
    {"code": "DI11", "tag": "(0038,0050)", "options": ["retain-patient-chars"],
     "why": "Retain Patient Characteristics makes Special Needs C",
     "fail": '<e en="T" t="00380050" n="a">@keep()</e>',
     "pass": '<e en="T" t="00380050" n="a">@contents(this,"[0-9]+","")</e>'},
    {"code": "DI12", "tag": "(0010,0010)", "options": [], "why": "Patient's Name is Z",
     "fail": '<e en="F" t="00100010" n="a">@empty()</e>',
     "pass": '<e en="T" t="00100010" n="a">@empty()</e>'},
    {"code": "DI13", "tag": "(0010,1000)", "options": [], "why": "Other Patient IDs is X",
     "fail": '<e en="T" t="00101000" n="a">@empty()</e>',
     "pass": '<e en="T" t="00101000" n="a">@remove()</e>'},
    {"code": "DI14", "tag": "(0020,000E)", "options": [], "why": "U needs distinct UIDs",
     "fail": '<e en="T" t="0020000e" n="a">1.2.3.4</e>',
     "pass": UID + '<e en="T" t="0020000e" n="a">@hashuid(@R,this)</e>'},
    {"code": "DI15", "tag": "(0010,0010)", "options": [], "why": "a plug-in decides",
     "fail": '<e en="T" t="00100010" n="a">@call(X,y)</e>',
     "pass": '<e en="T" t="00100010" n="a">@empty()</e>'},
    {"code": "DI16", "tag": "(0012,0062)", "options": [], "why": "E.1.1: set YES",
     "fail": '<e en="T" t="00120062" n="a">YES</e>',
     "pass": '<e en="T" t="00120062" n="a">@always()YES</e>'},
    {"code": "DI17", "tag": "(sequences)", "options": [],
     "why": "E.1.1: the table's actions reach attributes nested in unlisted sequences only when "
            "CTP processes (or removes) those sequences",
     "fail": '<e en="T" t="00100010" n="a">@empty()</e>',
     "pass": '<e en="T" t="00100010" n="a">@empty()</e>'
             '<r en="T" t="unspecifiedelements">x</r>'},
]
