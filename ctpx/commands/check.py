"""``ctpx check SCRIPT``: a PS3.15 Annex E compliance review of a script."""
from __future__ import annotations

import json
import sys

from ._common import add_mode

NAME = "check"
HELP = "compare a script with DICOM PS3.15 Annex E (Table E.1-1 and its options)"
DESCRIPTION = ("For every attribute of PS3.15 Table E.1-1, compare the action the profile "
               "requires under the selected options with what the script really does, and "
               "review how identifiers are pseudonymised. Exit 0: no deviation; 1: deviations; "
               "2: error.")

OPTION_NAMES = ("retain-safe-private", "retain-uids", "retain-device-id", "retain-institution-id",
                "retain-patient-chars", "retain-long-full-dates", "retain-long-modified-dates",
                "clean-descriptors", "clean-structured-content", "clean-graphics")


def add_arguments(p) -> None:
    p.add_argument("script", nargs="?", help="the CTP script (XML or properties)")
    p.add_argument("--option", action="append", default=[], choices=OPTION_NAMES,
                   metavar="NAME", help="a profile option (repeatable): " + ", ".join(OPTION_NAMES))
    add_mode(p, "engine semantics: ctp (what CTP does) or safe (ctpx's safe mode)")
    p.add_argument("--format", choices=("table", "json", "csv", "markdown", "html"),
                   default="table", help="output format (default: table)")
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write the report to FILE instead of standard output")
    p.add_argument("--version-info", action="store_true",
                   help="print the PS3.15 edition and provenance of the tables, then exit")


def run(args) -> int:
    from ..check import check_script
    from ..dicom import ps315
    from ..errors import UsageError
    from ..report import render
    from ..script.loader import load_script
    from ._common import emit, profile_options

    if args.version_info:
        info = ps315.version_info()
        if args.format == "json":
            sys.stdout.write(json.dumps(info, indent=2) + "\n")
        else:
            for k, v in info.items():
                sys.stdout.write(f"{k}: {v}\n")
        return 0
    if not args.script:
        raise UsageError("a script is required (or --version-info)")
    options = profile_options(args.option)
    script = load_script(args.script)
    result = check_script(script, options, args.mode)
    emit(render(result.report(), args.format), args.output)
    return result.exit_code
