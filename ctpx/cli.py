"""The ``ctpx`` command line: ``main(argv) -> int``.

Data goes to stdout, diagnostics to stderr. Exit status: 0 clean, 1 findings (or files not
written), 2 error, 130 interrupted. Each subcommand is a module in ``ctpx.commands`` with
``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``; modules import their heavy
dependencies inside ``run`` so that ``ctpx --help`` stays fast.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from . import __version__
from .errors import CtpxError

#: Subcommands in the order ``ctpx --help`` lists them.
COMMANDS = ("parse", "lint", "check", "generate", "diff", "apply", "verify", "demo")

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own usage errors: exit 2 with a code, as others
        self.print_usage(sys.stderr)
        print(f"{self.prog}: USE01 {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _commands():
    for name in COMMANDS:
        try:
            yield importlib.import_module(f"ctpx.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"ctpx.commands.{name}":
                raise


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ctpx", description="Read, compare, check and run CTP DicomAnonymizer "
                                         "scripts.")
    p.add_argument("--version", action="version", version=f"ctpx {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for mod in _commands():
        sp = sub.add_parser(mod.NAME, help=mod.HELP, description=getattr(mod, "DESCRIPTION",
                                                                          mod.HELP))
        sp.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks for errors")
        mod.add_arguments(sp)
        sp.set_defaults(_run=mod.run)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return int(args._run(args))
    except CtpxError as e:
        if args.debug:
            traceback.print_exc()
        print(e.render(), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # a bug in ctpx: say so plainly; --debug shows where
        if args.debug:
            traceback.print_exc()
        else:
            print(f"ctpx: internal error: {type(e).__name__}: {e} (run with --debug for the "
                  f"traceback, and please report it)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
