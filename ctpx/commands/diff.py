"""``ctpx diff A B``: what two scripts do differently, by effect, tag by tag."""
from __future__ import annotations

from ._common import add_format, add_mode, add_output, emit_report

NAME = "diff"
HELP = "compare two scripts by what they do to each element (not by their text)"
DESCRIPTION = (HELP + ". Exit 0 when the scripts are equivalent, 1 when they differ, 2 on "
               "error.")


def add_arguments(p) -> None:
    p.add_argument("a", metavar="A", help="the first script")
    p.add_argument("b", metavar="B", help="the second script")
    add_format(p)
    add_mode(p, "compare what the scripts do in CTP (default) or in ctpx's safe mode")
    p.add_argument("--include-disabled", action="store_true",
                   help="also list disabled rules whose text changed")
    p.add_argument("--expand", action="store_true",
                   help="list every element whose effect changes only through a parameter value "
                        "or a global switch (by default they are counted on that line)")
    p.add_argument("--with-check", nargs="*", metavar="OPTION", default=None,
                   help="add, for each difference, which side meets PS3.15 (Basic Profile plus "
                        "these options, e.g. retain-uids)")
    add_output(p)


def run(args) -> int:
    from ..diff import diff_scripts
    from ..script import load_script
    from ._common import profile_options

    if args.with_check is not None:
        profile_options(args.with_check)
    a, b = load_script(args.a), load_script(args.b)
    result = diff_scripts(a, b, mode=args.mode, include_disabled=args.include_disabled,
                          expand=args.expand,
                          check_options=args.with_check)
    emit_report(result.report(), args.format, args.output)
    return result.exit_code
