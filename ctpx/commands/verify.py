"""``ctpx verify IN OUT``: search de-identified output for identifiers left from the input."""
from __future__ import annotations

import sys

NAME = "verify"
HELP = "scan de-identified output for residual identifiers of its input"
DESCRIPTION = (
    "Pair each output file with its input (by run report, mapping file, or SOPInstanceUID), "
    "collect the input's identifying values (names and their parts, IDs, dates in many "
    "spellings, UIDs, institutions, addresses, devices, free-text and private values) and "
    "search the output for them everywhere: every element at every depth, private elements, "
    "file meta, the preamble, the raw bytes and the output path. Also reports unchanged UIDs, "
    "stale references, changed pixel data and missing or extra files. Exit 0 clean, 1 "
    "findings, 2 error. See docs/verify.md.")


def add_arguments(parser) -> None:
    from ..report import FORMATS
    parser.add_argument("input", metavar="IN", help="the original files (folder or one file)")
    parser.add_argument("output_tree", metavar="OUT",
                        help="the de-identified files (folder or file)")
    parser.add_argument("--report", metavar="RUNREPORT.json", dest="run_report",
                        help="pair files as this ctpx apply run report says")
    parser.add_argument("--mapping", metavar="CSV", action="append", default=[],
                        help="a CSV (or a folder of CSVs): input,output file pairs, or "
                             "id_old,id_new identifier/UID mappings; repeatable")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format")
    parser.add_argument("--pixel-rules", action="store_true",
                        help="pixel changes were asked for: do not report them (VF10)")
    parser.add_argument("--ignore", metavar="CODE|KIND", action="append", default=[],
                        help="leave out findings with this code (VF07), name (uid-unchanged) "
                             "or value kind (date); repeatable or comma-separated")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write the report to FILE instead of standard output")
    parser.add_argument("--redact", action="store_true",
                        help="mask the identifying values in the report")


def run(args) -> int:
    from ..report import render
    from ..verify import redact, verify
    from ._common import emit

    ignore = [x.strip() for item in args.ignore for x in item.split(",") if x.strip()]
    def progress(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            print(f"\rverify: {done}/{total} files", end="" if done < total else "\n",
                  file=sys.stderr, flush=True)

    result = verify(args.input, args.output_tree, run_report=args.run_report,
                    mappings=args.mapping, pixel_rules=args.pixel_rules, ignore=ignore,
                    progress=progress if sys.stderr.isatty() else None)
    if args.redact:
        result.records[:] = [redact(r) for r in result.records]
    emit(render(result.report(f"ctpx verify {args.input} -> {args.output_tree}"), args.format),
         args.output)
    return 0 if result.clean else 1
