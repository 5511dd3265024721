"""``ctpx lint SCRIPT...``: report script problems with stable codes (docs/codes.md)."""
from __future__ import annotations

import sys

from ._common import add_format, add_output, emit_report

NAME = "lint"
HELP = "report problems in scripts (undefined parameters, duplicate rules, CTP quirks, ...)"
DESCRIPTION = (HELP + ". Exit 0 when no finding reaches --fail-on, 1 when one does, 2 when a "
               "script cannot be read.")

COLUMNS = [("location", "location"), ("code", "code"), ("severity", "severity"),
           ("message", "message")]


def add_arguments(p) -> None:
    p.add_argument("scripts", nargs="+", metavar="SCRIPT")
    add_format(p, choices=("table", "json", "csv", "markdown", "html"))
    p.add_argument("--select", action="append", metavar="CODE",
                   help="only these codes (repeatable, e.g. --select SC01)")
    p.add_argument("--ignore", action="append", metavar="CODE", help="skip these codes")
    p.add_argument("--fail-on", choices=("info", "warning", "error"), default="warning",
                   help="lowest severity that makes the exit status 1 (default: warning)")
    add_output(p)


def run(args) -> int:
    from ..errors import CtpxError
    from ..findings import Severity
    from ..report import Report, Section
    from ..script import load_script
    from ..script.lint import RULES, lint_script

    for code in (args.select or []) + (args.ignore or []):
        if code not in RULES:
            from ..errors import UsageError
            raise UsageError(f"unknown lint code {code!r}; see docs/codes.md", code="USE01")
    findings = []
    errors = 0
    for path in args.scripts:
        try:
            script = load_script(path)
        except CtpxError as e:
            print(e.render(), file=sys.stderr)
            errors += 1
            continue
        findings += lint_script(script, select=args.select, ignore=args.ignore)
    counts = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    by_sev = {str(s): sum(1 for f in findings if f.severity == s) for s in Severity}
    report = Report(
        kind="lint", title="ctpx lint",
        meta={"scripts": len(args.scripts)},
        sections=[Section("findings", COLUMNS, [f.record() for f in findings])],
        summary={"findings": len(findings), "by_code": counts, "by_severity": by_sev,
                 "unreadable": errors},
        summary_text=(f"{len(findings)} finding(s): " + ", ".join(
            f"{n} {s}" for s, n in by_sev.items() if n) if findings else "no findings"))
    emit_report(report, args.format, args.output)
    if errors:
        return 2
    threshold = Severity[args.fail_on.upper()]
    return 1 if any(f.severity >= threshold for f in findings) else 0
