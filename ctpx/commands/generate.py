"""``ctpx generate``: a CTP script for the Basic Profile plus options, from Table E.1-1."""
from __future__ import annotations


from .check import OPTION_NAMES

NAME = "generate"
HELP = "print a CTP script implementing the PS3.15 Basic Profile plus options"
DESCRIPTION = ("Print a CTP DicomAnonymizer script (XML) built from PS3.15 Table E.1-1: the "
               "Basic Profile plus the selected options. `ctpx check` of the result with the "
               "same options reports no deviation.")


def add_arguments(p) -> None:
    p.add_argument("--option", action="append", default=[], choices=OPTION_NAMES,
                   metavar="NAME", help="a profile option (repeatable): " + ", ".join(OPTION_NAMES))
    p.add_argument("--uid-root", default=None, metavar="R",
                   help="the UID root for @hashuid (default: 2.25)")
    p.add_argument("--date-shift", type=int, default=None, metavar="DAYS",
                   help="days added to dates (required with retain-long-modified-dates)")
    p.add_argument("--profile-name", default=None, metavar="N",
                   help="the name written into the script and (0012,0063)")
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write the script to FILE instead of standard output")


def run(args) -> int:
    import re

    from ..dicom import ps315
    from ..errors import UsageError
    from ..generate import DEFAULT_UID_ROOT, generate_script
    from ._common import emit, profile_options

    options = profile_options(args.option)
    uid_root = args.uid_root or DEFAULT_UID_ROOT
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*\.?", uid_root):
        raise UsageError(f"--uid-root {uid_root!r} is not a UID root (digits and dots)")
    if ps315.Option.RETAIN_LONG_MODIFIED_DATES in options and args.date_shift is None:
        raise UsageError("retain-long-modified-dates needs --date-shift DAYS")
    emit(generate_script(options, uid_root=uid_root, date_shift=args.date_shift,
                         profile_name=args.profile_name), args.output)
    return 0
