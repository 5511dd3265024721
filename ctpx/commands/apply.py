"""``ctpx apply SCRIPT IN OUT``: de-identify a DICOM file or a whole tree with a CTP script.

A thin wrapper over ``ctpx.engine.runner.apply_tree``; docs/apply.md is the user guide.
"""
from __future__ import annotations

import argparse
import os
import sys

from ._common import add_format, add_mode, emit_report

NAME = "apply"
HELP = "de-identify a DICOM file or folder tree with a CTP script"
DESCRIPTION = (
    HELP + ". IN may be a folder (every file below it is examined; OUT is a folder) or one file "
    "(OUT is then the output file). The run report, the run journal and the mapping files "
    "identify patients, so they are written beside OUT, never inside it. Exit status: 0 every "
    "file de-identified, 1 some files quarantined, skipped or not DICOM, 2 error, 130 "
    "interrupted (Ctrl-C finishes the files in progress and writes the report first).")

COLUMNS = [("input", "input"), ("status", "status"), ("code", "code"), ("message", "message")]
#: How many not-ok files the printed summary lists; the run report has all of them.
SHOWN = 50


def _param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return n


def add_arguments(p) -> None:
    p.add_argument("script", metavar="SCRIPT", help="the DicomAnonymizer script (.script XML or "
                                                    ".properties)")
    p.add_argument("input", metavar="IN", help="a DICOM file, or a folder searched recursively")
    p.add_argument("output", metavar="OUT", help="the output folder (or file, when IN is a file)")
    p.add_argument("--param", action="append", type=_param, default=[], metavar="NAME=VALUE",
                   help="set a script parameter (repeatable); values of key-like names are "
                        "masked in the report")
    p.add_argument("--lookup", metavar="FILE", help="the lookup table for @lookup")
    add_mode(p, "ctp: exactly what CTP does; safe: quarantine where CTP would silently keep an "
                "original value (default: ctp)")
    p.add_argument("--report", metavar="FILE",
                   help="the JSON run report (default: OUT.ctpx-report.json beside OUT)")
    p.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                   help="worker processes (default: all cores)")
    p.add_argument("--layout", choices=("hierarchy", "mirror"), default="hierarchy",
                   help="hierarchy: PatientID/StudyUID/SeriesUID/SOPUID.dcm from de-identified "
                        "values; mirror: the input's relative paths, which may hold identifiers "
                        "(default: hierarchy)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--resume", action="store_true",
                   help="continue an interrupted run into the same OUT")
    g.add_argument("--overwrite", action="store_true",
                   help="write into a non-empty OUT, replacing files with the same names")
    p.add_argument("--quarantine", metavar="DIR",
                   help="copy the originals of quarantined files here (not inside OUT)")
    p.add_argument("--mapping", metavar="DIR",
                   help="write uid_mapping.csv and patid_mapping.csv (id_old,id_new), and "
                        "mapping_conflicts.csv, here (not inside OUT)")
    p.add_argument("--state", metavar="DIR",
                   help="the folder for the run journal and @integer counters (default: "
                        "OUT.ctpx-state beside OUT)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    add_format(p, choices=("table", "json"))


def run(args) -> int:
    from ..engine.runner import apply_tree
    from ..report import Report, Section

    params = dict(args.param)
    result = apply_tree(args.script, args.input, args.output, params=params, lookup=args.lookup,
                        mode=args.mode, report=args.report, jobs=args.jobs, layout=args.layout,
                        resume=args.resume, overwrite=args.overwrite, quarantine=args.quarantine,
                        mapping=args.mapping, state=args.state, quiet=args.quiet)
    s = result.summary
    problems = [{k: rec.get(k) for k, _ in COLUMNS} for rec in result.not_written[:SHOWN]]
    meta = {"input": result.meta.get("input"), "output": result.out,
            "report": result.report_path}
    if result.interrupted:
        meta["interrupted"] = "yes: rerun with --resume to continue"
    text = (f"{s['files']} file(s): {s['ok']} ok, {s['skipped']} skipped "
            f"({s['not_dicom']} not DICOM), {s['quarantined']} quarantined; "
            f"{s['files_with_warnings']} with warnings; {s['files_per_s']} files/s")
    note = ""
    if problems and s["skipped"] + s["quarantined"] > len(problems):
        note = f"the first {len(problems)}; the run report lists all of them"
    report = Report(kind="apply", title="ctpx apply", meta=meta,
                    sections=[Section("not written", COLUMNS, problems, note)],
                    summary=s, summary_text=text)
    emit_report(report, args.format)
    if s.get("mapping_conflicts"):
        where = (f"; {os.path.join(args.mapping, 'mapping_conflicts.csv')} lists them"
                 if args.mapping else "; --mapping DIR lists them")
        print(f"ctpx apply: OUT17 {s['mapping_conflicts']} original identifier(s) were replaced "
              f"in more than one way, so references between files may not match{where}",
              file=sys.stderr)
    if result.interrupted:
        print("ctpx apply: interrupted; the report was written, and --resume continues the run",
              file=sys.stderr)
    return result.exit_status
