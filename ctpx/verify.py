"""``ctpx verify``: an independent scan of de-identified output for residual identifiers.

For every output file paired with its input, the identifying values of the input are collected
(``ctpx.verify_collect``) and searched for in the output: every element at every sequence depth,
private elements, the file meta information, the 128-byte preamble, the raw bytes of the file
as a backstop, and the output's path name. UIDs that survived, references that no longer point
at the remapped target, pixel data that changed, and files missing or extra are reported too.

Every problem is one record (a dict with the keys of ``RECORD_FIELDS``) with a code from
``CODES``; ``VerifyResult.report()`` turns the records into a ``ctpx.report.Report``.

The scan streams: pass 1 reads only headers to pair files and learn how UIDs were remapped;
pass 2 reads one input and one output at a time, defers large values and never decodes pixel
data.
"""
from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from .errors import UsageError
from .findings import Severity
from .report import Report, Section
from .verify_collect import Identifiers, collect, is_standard_uid
from .verify_dicom import (is_little_endian, looks_like_dicom, pixel_bytes, pixel_digest,
                           preamble, read, stream_chunks, transfer_syntax, walk)


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    severity: Severity
    summary: str


#: The verify codes, one per kind of residue or finding (documented in docs/codes.md).
CODES: dict[str, Code] = {c.code: c for c in (
    Code("VF01", "identifier-in-element", Severity.ERROR,
         "an identifying value of the input is in a public element of the output (any depth)"),
    Code("VF02", "identifier-in-private", Severity.ERROR,
         "an identifying value of the input is in a private element, or inside a private "
         "sequence, of the output"),
    Code("VF03", "identifier-in-file-meta", Severity.ERROR,
         "an identifying value of the input is in the output's file meta information"),
    Code("VF04", "identifier-in-preamble", Severity.ERROR,
         "an identifying value of the input is in the output's 128-byte preamble"),
    Code("VF05", "identifier-in-raw-bytes", Severity.ERROR,
         "an identifying value of the input is in the output's bytes outside any element "
         "that was searched (pixel data, a part that cannot be parsed, ...)"),
    Code("VF06", "identifier-in-path", Severity.ERROR,
         "an identifying value of the input is in the output file's path"),
    Code("VF07", "uid-unchanged", Severity.WARNING,
         "a UID of the input is unchanged in a UID element of the output"),
    Code("VF08", "stale-reference", Severity.ERROR,
         "a UID reference in the output does not match the remapped UID of its target (or the "
         "file meta does not match the dataset)"),
    Code("VF09", "inconsistent-uid-mapping", Severity.ERROR,
         "one input UID became different output UIDs in different files, or different input "
         "UIDs became one"),
    Code("VF10", "pixel-data-changed", Severity.WARNING,
         "the pixel data differs from the input's (or is gone) and no pixel rule asked for it"),
    Code("VF11", "file-missing", Severity.ERROR,
         "an input file has no output file although it should have one"),
    Code("VF12", "file-extra", Severity.WARNING,
         "an output DICOM file has no input file"),
    Code("VF13", "unreadable", Severity.ERROR,
         "an input or output file cannot be parsed; an output is still searched byte by byte"),
)}

#: Record keys, in the order tables and CSV show them.
RECORD_FIELDS = ("code", "name", "severity", "output", "path", "kind", "value", "source",
                 "source_name", "input", "identifier", "message")

COLUMNS = [("code", "code"), ("output", "output file"), ("input", "input file"),
           ("path", "tag path"), ("kind", "kind"),
           ("value", "value"), ("source", "from (input)"), ("source_name", "input element"),
           ("message", "message")]

_UID_CHARS = re.compile(r"[0-9.]+")
_LOCATION_CODES = {"element": "VF01", "private": "VF02", "meta": "VF03"}
_IDENTITY_UIDS = ((0x00080018, "SOPInstanceUID"), (0x0020000E, "SeriesInstanceUID"),
                  (0x0020000D, "StudyInstanceUID"), (0x00200052, "FrameOfReferenceUID"))


def record(code: str, *, output: str = "", input: str = "", path: str = "", kind: str = "",
           value: str = "", identifier: str = "", source: str = "", source_name: str = "",
           message: str = "") -> dict[str, Any]:
    c = CODES[code]
    return {"code": code, "name": c.name, "severity": str(c.severity), "output": output,
            "path": path, "kind": kind, "value": value, "source": source,
            "source_name": source_name, "input": input, "identifier": identifier,
            "message": message or c.summary}


# --- pairing -------------------------------------------------------------------------------

@dataclass
class Pair:
    input: str | None           # path relative to the input root (or the file itself)
    output: str | None
    how: str                    # "report", "mapping", "uid", "uid-map", "path", "files"
    expected: bool = True       # False when a run report says no output was to be written
    pixel_rule: bool = False
    status: str = ""


@dataclass
class _Header:
    uids: dict[str, str]        # identity keyword -> UID
    readable: bool = True


def _header(path: str) -> _Header:
    try:
        ds = read(path, header_only=True)
    except Exception:
        return _Header({}, readable=False)
    uids = {}
    for tag, kw in _IDENTITY_UIDS:
        v = ds.get(tag)
        if v is not None and v.value:
            uids[kw] = str(v.value).strip(" \0")
    return _Header(uids)


def _list_tree(root: str) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            if looks_like_dicom(full):
                out.append(os.path.relpath(full, root).replace(os.sep, "/"))
    return out


def _rel(path: str, root: str) -> str:
    if os.path.isabs(path):
        path = os.path.relpath(path, root)
    return path.replace(os.sep, "/")


def load_run_report(path: str, in_root: str, out_root: str) -> list[Pair]:
    """Pairs from a ``ctpx apply`` run report (``{"files": [{"input", "output", "status"}]}``)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        entries = data["files"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UsageError(f"cannot read run report {path}: {e}", code="USE01", path=path)
    pairs = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("input"):
            continue
        out = entry.get("output")
        status = str(entry.get("status") or "")
        pairs.append(Pair(_rel(entry["input"], in_root), _rel(out, out_root) if out else None,
                          "report", expected=bool(out) or status in ("", "ok"),
                          pixel_rule=bool(entry.get("pixel_rule") or entry.get("pixels")),
                          status=status))
    return pairs


@dataclass
class Mapping:
    """What ``--mapping`` files said: file pairs and/or an old -> new identifier map."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    ids: dict[str, set[str]] = field(default_factory=dict)


def load_mappings(paths: Iterable[str]) -> Mapping:
    """Read mapping CSVs (a file or a folder of ``*.csv``). Columns ``input,output`` pair
    files; columns ``id_old,id_new`` (what ``ctpx apply --mapping`` writes) map identifiers."""
    m = Mapping()
    files: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".csv"))
        elif os.path.isfile(p):
            files.append(p)
        else:
            raise UsageError(f"mapping file not found: {p}", path=p)
    for f in files:
        with open(f, newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
        if not rows:
            continue
        head = [c.strip().lower() for c in rows[0]]
        body = rows[1:]
        if "input" in head and "output" in head:
            i, o = head.index("input"), head.index("output")
            m.pairs += [(r[i].strip(), r[o].strip()) for r in body if len(r) > max(i, o)]
            continue
        if "id_old" in head and any(h.startswith("id_new") for h in head):
            # id_new, or (apply's mapping_conflicts.csv) id_new_kept and id_new_other: an
            # identifier replaced two ways maps to both.
            i = head.index("id_old")
            news = [k for k, h in enumerate(head) if h.startswith("id_new")]
        elif "old" in head and "new" in head:
            i, news = head.index("old"), [head.index("new")]
        else:
            i, news, body = 0, [1], rows       # no header: two columns
            if body and all(len(r) >= 2 for r in body) and \
                    sum(("/" in r[0] or r[0].lower().endswith(".dcm")) for r in body) > \
                    len(body) // 2:
                m.pairs += [(r[0].strip(), r[1].strip()) for r in body]
                continue
        for r in body:
            for col in news:
                if len(r) > max(i, col) and r[i].strip():
                    m.ids.setdefault(r[i].strip(), set()).add(r[col].strip())
    return m


def pair_trees(in_root: str, out_root: str, *, run_report: str | None = None,
               mapping: Mapping | None = None) -> tuple[list[Pair], dict[str, _Header],
                                                         dict[str, _Header]]:
    """Pair the DICOM files of two trees: by run report, by mapping file pairs, else by
    SOPInstanceUID (unchanged, or through the UID map), else by relative path."""
    inputs = _list_tree(in_root)
    outputs = _list_tree(out_root)
    in_h = {r: _header(os.path.join(in_root, r)) for r in inputs}
    out_h = {r: _header(os.path.join(out_root, r)) for r in outputs}
    mapping = mapping or Mapping()
    if run_report:
        pairs = load_run_report(run_report, in_root, out_root)
        listed = {p.input for p in pairs}
        pairs += [Pair(r, None, "report", status="not in run report") for r in inputs
                  if r not in listed]
    elif mapping.pairs:
        pairs = [Pair(_rel(a, in_root), _rel(b, out_root), "mapping") for a, b in mapping.pairs]
        listed = {p.input for p in pairs}
        pairs += [Pair(r, None, "mapping", status="not in mapping") for r in inputs
                  if r not in listed]
    else:
        pairs = _pair_by_uid(inputs, outputs, in_h, out_h, mapping)
    used = {p.output for p in pairs if p.output}
    pairs += [Pair(None, r, "none") for r in outputs if r not in used]
    return pairs, in_h, out_h


def _pair_by_uid(inputs, outputs, in_h, out_h, mapping: Mapping) -> list[Pair]:
    by_sop: dict[str, str] = {}
    for r in outputs:
        sop = out_h[r].uids.get("SOPInstanceUID")
        if sop:
            by_sop.setdefault(sop, r)
    out_set = set(outputs)
    taken: set[str] = set()
    pairs = []
    for r in inputs:
        sop = in_h[r].uids.get("SOPInstanceUID")
        target, how = None, ""
        if sop and sop in by_sop and by_sop[sop] not in taken:
            target, how = by_sop[sop], "uid"
        elif sop and sop in mapping.ids:
            for new in sorted(mapping.ids[sop]):
                if new in by_sop and by_sop[new] not in taken:
                    target, how = by_sop[new], "uid-map"
                    break
        if target is None and r in out_set and r not in taken:
            target, how = r, "path"
        if target is not None:
            taken.add(target)
        pairs.append(Pair(r, target, how or "none"))
    return pairs


# --- the scan ------------------------------------------------------------------------------

@dataclass
class Options:
    pixel_rules: bool = False                 # pixel changes were asked for: do not report
    ignore: frozenset[str] = frozenset()      # codes, names or kinds to leave out
    chunk_size: int = 1 << 20


@dataclass
class VerifyResult:
    records: list[dict[str, Any]]
    meta: dict[str, Any]
    counts: dict[str, int]

    @property
    def clean(self) -> bool:
        return not self.records

    def report(self, title: str = "ctpx verify") -> Report:
        summary = {"findings": len(self.records), "by_code": dict(self.counts), **self.meta}
        text = ("clean: no residual identifiers found" if self.clean else
                f"{len(self.records)} finding(s): " +
                ", ".join(f"{c} {CODES[c].name} x{n}" for c, n in sorted(self.counts.items())))
        return Report(kind="verify", title=title,
                      sections=[Section("findings", COLUMNS, self.records)],
                      meta=dict(self.meta), summary=summary, summary_text=text)


class _Collector:
    """Accumulates records, applying ``--ignore``."""

    def __init__(self, opts: Options):
        self.opts = opts
        self.records: list[dict[str, Any]] = []

    def add(self, rec: dict[str, Any]) -> None:
        ig = self.opts.ignore
        if rec["code"] in ig or rec["name"] in ig or (rec["kind"] and rec["kind"] in ig):
            return
        self.records.append(rec)


class UidMap:
    """How identity UIDs (SOP, series, study, frame of reference) were remapped, old -> new,
    learnt from the paired headers and from ``id_old,id_new`` mapping files."""

    def __init__(self):
        self.forward: dict[str, set[str]] = {}
        self.backward: dict[str, set[str]] = {}
        self.where: dict[tuple[str, str], str] = {}

    def add(self, old: str, new: str, where: str = "") -> None:
        if not old or not new:
            return
        self.forward.setdefault(old, set()).add(new)
        self.backward.setdefault(new, set()).add(old)
        self.where.setdefault((old, new), where)


def _build_uid_map(pairs: list[Pair], in_h, out_h, mapping: Mapping) -> UidMap:
    um = UidMap()
    for p in pairs:
        if not p.input or not p.output or p.input not in in_h or p.output not in out_h:
            continue
        a, b = in_h[p.input].uids, out_h[p.output].uids
        for _, kw in _IDENTITY_UIDS:
            if kw in a and kw in b:
                um.add(a[kw], b[kw], p.output)
    for old, news in mapping.ids.items():
        if old.count(".") >= 2 and old.replace(".", "").isdigit():
            for new in news:
                um.add(old, new, "mapping")
    return um


def verify(input_path: str, output_path: str, *, run_report: str | None = None,
           mappings: Iterable[str] = (), pixel_rules: bool = False,
           ignore: Iterable[str] = (), progress: Callable[[int, int], None] | None = None
           ) -> VerifyResult:
    """Verify an output tree against its input tree (or one output file against one input)."""
    opts = Options(pixel_rules=pixel_rules, ignore=frozenset(ignore))
    mapping = load_mappings(mappings) if mappings else Mapping()
    if os.path.isfile(input_path) and os.path.isfile(output_path):
        in_root, out_root = os.path.dirname(input_path), os.path.dirname(output_path)
        a, b = os.path.basename(input_path), os.path.basename(output_path)
        pairs = [Pair(a, b, "files")]
        in_h = {a: _header(input_path)}
        out_h = {b: _header(output_path)}
    elif os.path.isdir(input_path) and os.path.isdir(output_path):
        in_root, out_root = input_path, output_path
        pairs, in_h, out_h = pair_trees(in_root, out_root, run_report=run_report,
                                        mapping=mapping)
    else:
        raise UsageError("IN and OUT must both be folders or both be files "
                         f"({input_path!r}, {output_path!r})")
    uid_map = _build_uid_map(pairs, in_h, out_h, mapping)
    col = _Collector(opts)
    paired = sum(1 for p in pairs if p.input and p.output)
    done = 0
    for p in pairs:
        if p.input and p.output:
            in_file = os.path.join(in_root, *p.input.split("/"))
            out_file = os.path.join(out_root, *p.output.split("/"))
            if not os.path.exists(out_file):
                col.add(record("VF11", output=p.output, input=p.input, path="(file)",
                               message="the expected output file does not exist"))
                continue
            for rec in verify_pair(in_file, out_file, uid_map=uid_map, input_name=p.input,
                                   output_name=p.output, opts=opts, pixel_rule=p.pixel_rule):
                col.add(rec)
            done += 1
            if progress:
                progress(done, paired)
        elif p.input and not p.output:
            if p.expected:
                why = f" ({p.status})" if p.status else ""
                col.add(record("VF11", input=p.input, path="(file)",
                               message=f"no output for this input{why}"))
        elif p.output and not p.input:
            col.add(record("VF12", output=p.output, path="(file)",
                           message="no input for this output"))
    for rec in _uid_consistency(uid_map):
        col.add(rec)
    counts: dict[str, int] = {}
    for r in col.records:
        counts[r["code"]] = counts.get(r["code"], 0) + 1
    how: dict[str, int] = {}
    for p in pairs:
        if p.input and p.output:
            how[p.how] = how.get(p.how, 0) + 1
    meta = {"input": input_path, "output": output_path,
            "input_files": len(in_h), "output_files": len(out_h), "paired": paired,
            "paired_by": ", ".join(f"{k} {v}" for k, v in sorted(how.items())) or "-"}
    return VerifyResult(col.records, meta, counts)


def _uid_consistency(um: UidMap) -> Iterator[dict[str, Any]]:
    for old, news in sorted(um.forward.items()):
        if len(news) > 1:
            yield record("VF09", path="(uid map)", kind="uid", value=old, identifier=old,
                         output=um.where.get((old, sorted(news)[0]), ""),
                         message=f"input UID {old} became {len(news)} different UIDs: "
                                 + ", ".join(sorted(news)))
    for new, olds in sorted(um.backward.items()):
        if len(olds) > 1:
            yield record("VF09", path="(uid map)", kind="uid", value=new, identifier=new,
                         output=um.where.get((sorted(olds)[0], new), ""),
                         message=f"{len(olds)} different input UIDs became {new}: "
                                 + ", ".join(sorted(olds)))


def verify_pair(input_src: str | bytes, output_src: str | bytes, *,
                uid_map: UidMap | None = None, input_name: str = "",
                output_name: str = "", opts: Options | None = None,
                pixel_rule: bool = False) -> list[dict[str, Any]]:
    """Records for one input and its output, each a path or the file's bytes.

    ``uid_map`` says how UIDs were remapped across the whole output (for stale references);
    without one, only this pair's own identity UIDs are known.
    """
    opts = opts or Options()
    input_name = input_name or (input_src if isinstance(input_src, str) else "input")
    output_name = output_name or (output_src if isinstance(output_src, str) else "output")
    out: list[dict[str, Any]] = []
    try:
        in_ds = read(input_src)
    except Exception as e:
        out.append(record("VF13", input=input_name, output=output_name, path="(file)",
                          message=f"input cannot be read: {type(e).__name__}: {e}"))
        return out
    ids = collect(in_ds)
    try:
        out_ds = read(output_src)
    except Exception as e:
        out_ds = None
        out.append(record("VF13", input=input_name, output=output_name, path="(file)",
                          message=f"output cannot be parsed ({type(e).__name__}: {e}); "
                                  "searched byte by byte only"))
    if uid_map is None:
        uid_map = UidMap()
        if out_ds is not None:
            for tag, _kw in _IDENTITY_UIDS:
                a, b = in_ds.get(tag), out_ds.get(tag)
                if a is not None and b is not None:
                    uid_map.add(str(a.value), str(b.value))
    scan = _Scan(ids, uid_map, input_name, output_name, out)
    if out_ds is not None:
        scan.dataset(out_ds)
    pre = preamble(output_src)
    if pre is not None and pre.strip(b"\0"):
        for text, ident, offset in ids.find_bytes(pre):
            scan.hit("VF04", f"(preamble@{offset})", text, ident)
    scan.raw(output_src, opts.chunk_size)
    for text, ident in ids.find_text(output_name):
        scan.hit("VF06", "(file-name)", text, ident)
    if out_ds is not None and not (opts.pixel_rules or pixel_rule):
        out += _pixel_check(in_ds, input_src, out_ds, output_src, input_name, output_name)
    return out


class _Scan:
    """Searches one output for one input's identifiers; one record per (place, identifier)."""

    def __init__(self, ids: Identifiers, uid_map: UidMap, input_name: str, output_name: str,
                 out: list[dict[str, Any]]):
        self.ids, self.uid_map = ids, uid_map
        self.input_name, self.output_name = input_name, output_name
        self.out = out
        self.seen: set[tuple[str, int]] = set()
        self.found: set[int] = set()

    def hit(self, code: str, path: str, text: str, ident, message: str = "") -> None:
        key = (path if not path.startswith("(preamble@") else "(preamble)", ident.id)
        if key in self.seen:
            return
        self.seen.add(key)
        self.found.add(ident.group)
        self.out.append(record(
            code, output=self.output_name, input=self.input_name, path=path, kind=ident.kind,
            value=text, identifier=ident.text, source=ident.source,
            source_name=ident.source_name,
            message=message or f"{ident.kind} from {ident.source_name or ident.source} "
                               f"found in the output"))

    def dataset(self, ds) -> None:
        meta = getattr(ds, "file_meta", None)
        sop = str(ds.get("SOPInstanceUID", "") or "").strip(" \0")
        if meta is not None and len(meta):
            for e in walk(meta):
                self.element(e, "meta")
            media = str(meta.get("MediaStorageSOPInstanceUID", "") or "").strip(" \0")
            if media and sop and media != sop:
                self.out.append(record(
                    "VF08", output=self.output_name, input=self.input_name,
                    path="<(0002,0003)>", kind="uid", value=media, identifier=sop,
                    message=f"MediaStorageSOPInstanceUID {media} does not match the "
                            f"dataset's SOPInstanceUID {sop}"))
        for e in walk(ds):
            self.element(e, "private" if e.private else "element")

    def element(self, e, where: str) -> None:
        code = _LOCATION_CODES[where]
        if e.vr == "UI":
            self.uid_element(e, code)
            return
        if isinstance(e.value, str):
            for text, ident in self.ids.find_text(e.value):
                self.hit(code, e.path, text, ident)
        elif isinstance(e.value, bytes):
            for text, ident, _ in self.ids.find_bytes(e.value):
                self.hit(code, e.path, text, ident)

    def uid_element(self, e, code: str) -> None:
        inputs = self.ids.uid_at.get(e.path, [])
        for k, value in enumerate(e.values):
            r = value.strip(" \0")
            if r and not _UID_CHARS.fullmatch(r):
                # Not a UID at all (a tool wrote text into a UI element): search it as text.
                for text, ident in self.ids.find_text(r):
                    self.hit(code, e.path, text, ident)
                continue
            if not r or is_standard_uid(r):
                continue
            x = inputs[k] if k < len(inputs) else None
            ident = self.ids.uids.get(r)
            if ident is not None:
                targets = self.uid_map.forward.get(r, set())
                if targets and r not in targets:
                    self._uid_record("VF08", e, r, ident, (
                        f"still the input UID {r}; its target was remapped to "
                        + ", ".join(sorted(targets))))
                else:
                    self._uid_record("VF07", e, r, ident,
                                     f"UID from {ident.source_name or ident.source} unchanged")
                continue
            if x is not None and x in self.uid_map.forward and r not in self.uid_map.forward[x]:
                want = ", ".join(sorted(self.uid_map.forward[x]))
                self.out.append(record(
                    "VF08", output=self.output_name, input=self.input_name, path=e.path,
                    kind="uid", value=r, identifier=x, source=e.path,
                    source_name=e.keyword,
                    message=f"refers to {r}, but its input target {x} became {want}"))
                self.seen.add((e.path, -1))

    def _uid_record(self, code: str, e, uid: str, ident, message: str) -> None:
        key = (e.path, ident.id)
        if key in self.seen:
            return
        self.seen.add(key)
        self.found.add(ident.group)
        self.out.append(record(code, output=self.output_name, input=self.input_name,
                               path=e.path, kind="uid", value=uid, identifier=ident.text,
                               source=ident.source, source_name=ident.source_name,
                               message=message))

    def raw(self, src: str | bytes, chunk_size: int) -> None:
        """The byte backstop: identifiers found nowhere else, reported once each."""
        overlap = self.ids.max_bytes()
        reported: set[int] = set()

        def scan_block(start: int, block: bytes) -> None:
            for text, ident, offset in self.ids.find_bytes(block):
                if ident.group in self.found or ident.group in reported:
                    continue
                reported.add(ident.group)
                self.out.append(record(
                    "VF05", output=self.output_name, input=self.input_name,
                    path=f"(raw@{start + offset})", kind=ident.kind, value=text,
                    identifier=ident.text, source=ident.source, source_name=ident.source_name,
                    message=f"{ident.kind} from {ident.source_name or ident.source} found in "
                            f"the file's bytes outside the elements searched"))

        if isinstance(src, (bytes, bytearray)):
            scan_block(0, bytes(src))
            return
        with open(src, "rb") as fh:
            for start, block in stream_chunks(fh, chunk_size, overlap):
                scan_block(start, block)


def _pixel_check(in_ds, in_src, out_ds, out_src, input_name, output_name):
    a, a_len = pixel_digest(in_ds, in_src)
    if a is None:
        return []
    b, b_len = pixel_digest(out_ds, out_src)
    ts_a, ts_b = transfer_syntax(in_ds), transfer_syntax(out_ds)
    if b is None:
        msg = "the input has pixel data, the output has none"
    elif a == b:
        return []
    elif is_little_endian(in_ds) != is_little_endian(out_ds) and a_len == b_len and \
            _swapped_equal(in_ds, out_ds):
        return []
    elif ts_a != ts_b:
        msg = (f"pixel data differs ({a_len} -> {b_len} bytes); transfer syntax changed "
               f"from {ts_a} to {ts_b}")
    else:
        msg = f"pixel data differs ({a_len} -> {b_len} bytes, same transfer syntax {ts_a})"
    return [record("VF10", output=output_name, input=input_name, path="<(7FE0,0010)>",
                   kind="pixels", message=msg)]


def _swapped_equal(in_ds, out_ds) -> bool:
    # A change of byte order swaps 16-bit words; that is not a change of the image.
    try:
        a, b = pixel_bytes(in_ds), pixel_bytes(out_ds)
    except Exception:
        return False
    if a is None or b is None or len(a) != len(b) or len(a) % 2:
        return False
    swapped = bytearray(len(a))
    swapped[0::2], swapped[1::2] = a[1::2], a[0::2]
    return bytes(swapped) == b


def redact(rec: dict[str, Any]) -> dict[str, Any]:
    """A copy of a record with its identifying text masked (first character kept, the rest
    starred) wherever it appears in the record: value, identifier, message and file paths.
    Other identifiers in an input path that this record is not about stay visible."""
    r = dict(rec)
    secrets = sorted({v for v in (r.get("value"), r.get("identifier")) if v and len(v) > 1},
                     key=len, reverse=True)
    if not secrets:
        return r
    rx = re.compile("|".join(re.escape(s) for s in secrets), re.I)
    for k, v in r.items():
        if isinstance(v, str) and k not in ("code", "name", "severity", "kind", "path",
                                            "source", "source_name"):
            r[k] = rx.sub(lambda m: m.group(0)[0] + "*" * (len(m.group(0)) - 1), v)
    return r
