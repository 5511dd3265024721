"""The per-file procedure (ctp-semantics §4.2-§4.8): insert, process, the tail, write.

``run_bytes`` takes the bytes of one file and a ``CompiledScript`` and never raises for bad
input: every file ends as ok, skipped or quarantined with a RUN code. Functions always read the
input tree; the output is a separate dict per dataset that shares every untouched element with
the input, so nothing is copied and nothing a rule writes can change what a later rule reads.
"""
from __future__ import annotations

from ..dicom.names import dcm4che_vr
from ..dicom.private import is_safe_private
from ..java import jtrim
from . import outcomes as oc
from .compile import DEID_CODE_SEQ, CompiledScript, Rule
from .context import FileCtx, Stop, creator_of, find_creator_block, level_charset, private_write_vr
from .evaluate import run
from .model import Elem, Level
from .parse import DicomParseError, Incomplete, ParsedFile, parse_bytes
from .results import ID_TAGS, OK, QUARANTINED, FileResult, warning
from .values import (TEXT_VRS, Refused, encode_text_values, java_split_backslash, pack_numbers,
                     person_name, read_string)
from .write import write_file

KEEP, REMOVE, EMPTY = "@keep()", "@remove()", "@empty()"
ALWAYS_KEPT = frozenset({0x00080016, 0x00080018, 0x0020000D})
ALWAYS_KEPT_GROUPS = frozenset({0x0002, 0x0028, 0x7FE0})
NUMERIC_VRS = frozenset({"US", "SS", "UL", "SL", "FL", "FD"})
MAX_LEN = {"AE": 16, "AS": 4, "CS": 16, "DA": 18, "DS": 16, "DT": 54, "IS": 12, "LO": 64,
           "SH": 16, "TM": 28, "UI": 64, "ST": 1024, "LT": 10240}

#: CID 7050 (De-identification Method) meanings, as CTP's built-in table has them.
DEID_MEANINGS = {
    "113100": "Basic Application Confidentiality Profile",
    "113101": "Clean Pixel Data Option",
    "113102": "Clean Recognizable Visual Features Option",
    "113103": "Clean Graphics Option",
    "113104": "Clean Structured Content Option",
    "113105": "Clean Descriptors Option",
    "113106": "Retain Longitudinal Temporal Information Full Dates Option",
    "113107": "Retain Longitudinal Temporal Information Modified Dates Option",
    "113108": "Retain Patient Characteristics Option",
    "113109": "Retain Device Identity Option",
    "113110": "Retain UIDs",
    "113111": "Retain Safe Private Option",
    "113112": "Retain Institution Identity Option",
}


# ------------------------------------------------------------------------------ per file

def file_rules(cs: CompiledScript, root: Level, fc_warn=None):
    """This file's rule table and private-name aliases (§1.3, §1.5)."""
    if not cs.private_rules:
        return cs.rules, cs.aliases, cs.insert_rules
    rules = dict(cs.rules)
    aliases = dict(cs.aliases)
    inserts = list(cs.insert_rules)
    by_rule = {}
    for rule in cs.private_rules:
        sel = rule.selector
        block = find_creator_block(root, sel.group, sel.creator)
        if block is None:
            continue
        tag = (sel.group << 16) | (block << 8) | (sel.element or 0)
        if tag in rules and fc_warn is not None:
            # CTP keeps whichever rule its hash table enumerates last; the reference run shows
            # the private-name rule winning over the numeric one.
            fc_warn(oc.PRIVATE_RULE_CLASH, f"{sel} and a numeric rule name the same element; "
                                           f"the {sel} rule is used", tag)
        rules[tag] = rule
        by_rule[id(rule)] = tag
        if rule.always:
            inserts.append((tag, rule))
    for name, rule in cs.private_aliases.items():
        tag = by_rule.get(id(rule))
        if tag is not None and name not in aliases:
            aliases[name] = tag
    inserts.sort(key=lambda tr: tr[0])
    return rules, aliases, inserts


def run_bytes(cs: CompiledScript, data: bytes, *, encoding: tuple[bool, bool] | None = None,
              size: int | None = None, read_all=None) -> tuple[FileResult, dict | None]:
    """Anonymise one file. Returns the result and, when ok, the output root dataset.

    With ``size`` (the file's length) larger than ``data``, ``data`` is only the start of the
    file and ``read_all()`` returns all of it, called only where the start is not enough. The
    top-level pixel data is then usually never read: the output holds it as a range of the
    input file (see ``write.Output``).
    """
    if size is not None and size > len(data):
        try:
            return _run(cs, data, encoding, size)
        except Incomplete:
            data = read_all()
    return _run(cs, data, encoding, None)


def _run(cs: CompiledScript, data: bytes, encoding, size) -> tuple[FileResult, dict | None]:
    try:
        pf = parse_bytes(data, encoding=encoding, size=size)
    except DicomParseError as e:
        return FileResult(QUARANTINED, e.code, e.message), None
    except (MemoryError, RecursionError) as e:
        return FileResult(QUARANTINED, oc.PARSE_ERROR, f"cannot parse: {type(e).__name__}"), None
    warnings: list = []
    try:
        rules, aliases, inserts = file_rules(
            cs, pf.root, lambda code, msg, tag: warnings.append(warning(code, msg, tag)))
        fc = FileCtx(cs, pf, rules, aliases)
        fc.warnings = warnings
        out = dict(pf.root.elems)
        insert_elements(fc, pf.root, out, inserts)
        process_into(fc, pf.root, out)
        tail = tail_elements(fc, pf)
        sop_class = _raw_text(out.get(0x00080016))
        sop_inst = _raw_text(out.get(0x00080018))
        data_out = write_file(pf, out, tail, sop_class, sop_inst)
        ids = _ids(pf, out)
    except Stop as s:
        return FileResult(s.status, s.code, s.message, warnings), None
    except Incomplete:
        raise
    except RecursionError:
        return FileResult(QUARANTINED, oc.EVALUATION_ERROR, "the script recursed too deeply",
                          warnings), None
    except Exception as e:  # never let one file take the run down
        return FileResult(QUARANTINED, oc.INTERNAL_ERROR,
                          f"internal error: {type(e).__name__}: {e}", warnings), None
    res = FileResult(OK, None, "", warnings, data_out, ids, fc.uid_map)
    return res, out


def _raw_text(el: Elem | None) -> bytes:
    if el is None or el.items is not None:
        return b""
    return bytes(el.value).rstrip(b"\x00 ")


def _ids(pf: ParsedFile, out: dict) -> dict:
    cs = level_charset(pf.root)
    ids = {}
    for name, tag in ID_TAGS:
        old = pf.root.elems.get(tag)
        new = out.get(tag)
        ids[name] = (None if old is None or old.items is not None
                     else read_string(old.value, old.vr, cs, pf.little),
                     None if new is None or new.items is not None
                     else read_string(new.value, new.vr, cs, pf.little))
    return ids


# ------------------------------------------------------------------------------ insertion

def insert_elements(fc: FileCtx, root: Level, out: dict, inserts) -> None:
    """§4.2 step 4: create scripted elements that are missing (root dataset only)."""
    for tag, rule in inserts:
        if tag in out:
            continue
        if tag == DEID_CODE_SEQ:
            deid_update(fc, root, out, tag, None, rule)
            continue
        if not rule.always:
            continue
        vr = _insert_vr(fc, root, out, tag)
        if vr == "SQ":
            if rule.always_require:
                out[tag] = Elem(tag, "SQ", None, [])
            elif rule.always_call:
                run(rule.body, fc, root, tag)
            continue
        # Unlike a present element's value, an inserted value is not trimmed (§4.2).
        result = run(rule.body, fc, root, tag)
        if result == KEEP or result == REMOVE:
            continue
        text = "" if (result.startswith("@blank(") or result == EMPTY) else result
        if tag & 0x10000 and text:
            # The reference run shows an inserted element not seeing a creator inserted in the
            # same pass (f08a on s20: LT, not the dictionary's LO), so only the input counts.
            vr = private_write_vr(fc, {}, root, tag, text)
        _write(fc, root, out, tag, None, vr, text)


def _insert_vr(fc: FileCtx, lv: Level, out: dict, tag: int) -> str:
    if tag & 0x10000:
        return "LO"
    vr = dcm4che_vr(tag)
    if not vr or vr == "NONE":
        return "SH"
    return vr.split(",", 1)[0]


# ------------------------------------------------------------------------------ processing

def process_items(fc: FileCtx, el: Elem) -> list[Level]:
    """``@process()``: every item through the full procedure (§4.4)."""
    items = []
    for it in el.items:
        out = dict(it.elems)
        process_into(fc, it, out)
        items.append(Level(out, it.parent))
    return items


def process_into(fc: FileCtx, lv: Level, out: dict) -> None:
    """§4.3 for every element of the input dataset ``lv``; ``out`` starts as a copy of it."""
    cs = fc.cs
    rules = fc.rules
    elems = lv.elems
    if cs.full_scan:
        for tag in sorted(elems):
            _decide(fc, cs, lv, out, tag, elems[tag], rules.get(tag))
    else:
        common = rules.keys() & elems.keys()
        for tag in sorted(common):
            apply_rule(fc, lv, out, tag, elems[tag], rules[tag])
    if fc.safe:
        for tag, el in elems.items():
            if el.items is not None and out.get(tag) is el:
                out[tag] = Elem(tag, "SQ", None, process_items(fc, el))


def _decide(fc: FileCtx, cs: CompiledScript, lv: Level, out: dict, tag: int, el: Elem,
            rule: Rule | None) -> None:
    group = tag >> 16
    if not tag & 0xFFFF:
        return
    overlay = (group & 0xFF00) == 0x6000
    if rule is None:
        private = group & 1
        if (cs.rpg and private) or cs.rue:
            if not _kept(cs, lv, tag, group, private, overlay):
                del out[tag]
                return
        if cs.rol and overlay:
            del out[tag]
        elif fc.safe and cs.rc and (group & 0xFF00) == 0x5000:
            del out[tag]
        return
    if cs.rol and overlay:
        del out[tag]
        return
    apply_rule(fc, lv, out, tag, el, rule)


def _kept(cs: CompiledScript, lv: Level, tag: int, group: int, private: int, overlay: bool) -> bool:
    if group in cs.keep_groups or group in ALWAYS_KEPT_GROUPS or tag in ALWAYS_KEPT:
        return True
    if private and cs.kspe:
        if (tag & 0xFF00) == 0:
            return True
        if is_safe_private(group, creator_of(lv, tag), tag & 0xFF):
            return True
    if overlay:
        return not cs.rol and not (private and cs.rpg)
    if (group & 0xFF00) == 0x5000:
        return not cs.rc and not (private and cs.rpg)
    return False


def apply_rule(fc: FileCtx, lv: Level, out: dict, tag: int, el: Elem, rule: Rule) -> None:
    if tag == DEID_CODE_SEQ:
        deid_update(fc, lv, out, tag, el, rule)
        return
    body = rule.body
    result = body if body.__class__ is str else body(fc, lv, tag)
    apply_result(fc, lv, out, tag, el, result)


def apply_result(fc: FileCtx, lv: Level, out: dict, tag: int, el: Elem, result: str) -> None:
    """§2.4: what the final value of a present element does to it."""
    r = jtrim(result)
    processed = fc.processed.pop((id(lv), tag), None) if fc.processed else None
    if "@remove()" in r:
        out.pop(tag, None)
        return
    if el.items is not None:
        if processed is not None:
            out[tag] = Elem(tag, "SQ", None, processed)
        if r != KEEP:
            if fc.safe:
                raise Stop(QUARANTINED, oc.SAFE_VALUE_REFUSED,
                           f"({tag >> 16:04X},{tag & 0xFFFF:04X}) is a sequence; {r!r} cannot "
                           "be written to it (CTP keeps the sequence as it is)")
            if r and r != EMPTY and not r.startswith("@blank("):
                fc.warn(oc.BINARY_WRITE_IGNORED,
                        f"{r!r} cannot be written to a sequence; it was kept as it is", tag)
        return
    if r == KEEP:
        return
    if r.startswith("@blank("):
        digits = []
        for ch in r[7:]:
            if ch == ")":
                break
            if "0" <= ch <= "9":
                digits.append(ch)
        n = min(int("".join(digits)), 55) if digits else 0
        text = " " * n
    elif r == EMPTY:
        text = ""
    else:
        text = r
    vr = el.vr
    if tag & 0x10000 and text and tag >= 0x00080000:
        vr = private_write_vr(fc, out, lv, tag, text)
    _write(fc, lv, out, tag, el, vr, text)


def _write(fc: FileCtx, lv: Level, out: dict, tag: int, el: Elem | None, vr: str, text: str) -> None:
    """§5.2: encode ``text`` for ``vr``; a refused value leaves the original in place."""
    try:
        value = encode(fc, lv, tag, vr, text)
    except Refused as e:
        where = f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {vr}"
        if fc.safe:
            raise Stop(QUARANTINED, oc.SAFE_VALUE_REFUSED,
                       f"{where}: {e}; CTP would keep the original value") from None
        if el is not None:
            fc.warn(oc.ORIGINAL_KEPT, f"{e}; the original value was kept", tag)
        else:
            fc.warn(oc.ORIGINAL_KEPT, f"{e}; nothing was inserted", tag)
        return
    if vr == "UI" and el is not None and el.items is None:
        old = bytes(el.value).decode("ascii", "replace").rstrip("\x00 ")
        new = text
        if old != new:
            olds, news = old.split("\\"), new.split("\\")
            if len(olds) == len(news):
                for o, n in zip(olds, news):
                    if o != n:
                        _map_uid(fc, o, n, tag)
            else:
                _map_uid(fc, old, new, tag)
    out[tag] = Elem(tag, vr, value)


def _map_uid(fc: FileCtx, old: str, new: str, tag: int) -> None:
    """Record a replaced UID; the first replacement stays, as in the run's mapping files."""
    kept = fc.uid_map.setdefault(old, new)
    if kept != new:
        # Two rules replaced one UID differently (different roots, say): references from one
        # element to the other no longer match.
        fc.warn(oc.UID_REPLACED_TWICE, f"UID {old} was replaced by {kept} and by {new} in this "
                                       f"file; the mapping keeps {kept}", tag)


def encode(fc: FileCtx, lv: Level, tag: int, vr: str, text: str) -> bytes:
    if text == "":
        if vr in ("SQ",):
            raise Refused("a string cannot be written to a sequence")
        return b" " if vr == "PN" else b""
    if vr in TEXT_VRS:
        values = java_split_backslash(text)
        if vr == "PN":
            fixed = []
            for v in values:
                name, merged = person_name(v)
                if merged:
                    fc.warn(oc.PN_COMPONENTS_MERGED,
                            f"{v!r} has more than five components", tag)
                fixed.append(name)
            values = fixed
        elif vr in ("LT", "ST", "UT", "UC", "UR"):
            values = [text]
        values = encode_text_values(vr, values)
        limit = MAX_LEN.get(vr)
        if limit is not None and any(len(v) > limit for v in values):
            fc.warn(oc.VALUE_TOO_LONG, f"a {vr} value is longer than {limit} characters", tag)
        return level_charset(lv).encode("\\".join(values))
    if vr in NUMERIC_VRS:
        return pack_numbers(vr, java_split_backslash(text), fc.pf.little)
    raise Refused(f"a string cannot be written to a {vr} element")


# ------------------------------------------------------------------------------ 0012,0064

def _code_item(fc: FileCtx, lv: Level, code: str) -> Level:
    meaning = DEID_MEANINGS.get(code)
    scheme = "DCM" if meaning is not None else "UNKNOWN"
    cs = level_charset(lv)
    elems = {
        0x00080100: Elem(0x00080100, "SH", cs.encode(code)),
        0x00080102: Elem(0x00080102, "SH", cs.encode(scheme)),
        0x00080104: Elem(0x00080104, "LO", cs.encode(meaning or "UNKNOWN")),
    }
    return Level(elems)


def deid_update(fc: FileCtx, lv: Level, out: dict, tag: int, el: Elem | None, rule: Rule) -> None:
    """§4.7: DeIdentificationMethodCodeSeq is built from its script's /-separated codes."""
    v = jtrim(run(rule.body, fc, lv, tag))
    if v == "":
        return
    if REMOVE in v:
        out.pop(tag, None)
        return
    if v == KEEP:
        return
    items = list(el.items) if el is not None and el.items is not None else []
    for code in v.split("/"):
        code = jtrim(code)
        if code.lower() == "reset":
            items = []
            continue
        items.append(_code_item(fc, lv, code))
    out[tag] = Elem(tag, "SQ", None, items)


# ------------------------------------------------------------------------------ the tail

def tail_elements(fc: FileCtx, pf: ParsedFile) -> list[Elem]:
    """§4.8: top-level elements after the pixel data get reduced rules (or, in safe mode, all)."""
    if not pf.tail:
        return []
    cs = fc.cs
    tail_level = Level({el.tag: el for el in pf.tail}, None)
    tail_level._codecs = level_charset(pf.root)
    if fc.safe:
        out = dict(tail_level.elems)
        process_into(fc, tail_level, out)
        return [out[t] for t in sorted(out)]
    kept = []
    for el in pf.tail:
        tag = el.tag
        group = tag >> 16
        private = group & 1
        if private and (tag & 0xFF00) == 0:
            if not cs.rpg or cs.kspe:
                kept.append(el)
            continue
        rule = fc.rules.get(tag)
        if private and cs.rpg:
            safe = cs.kspe and is_safe_private(group, creator_of(tail_level, tag), tag & 0xFF)
            if not safe:
                continue
        if rule is None and cs.rue:
            continue
        if rule is not None:
            if rule.starts_remove:
                continue
            fc.warn(oc.TAIL_SCRIPT_IGNORED, "after the pixel data; its script was not run "
                                            "(CTP copies it verbatim)", tag)
        kept.append(el)
    return kept
