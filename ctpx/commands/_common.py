"""Helpers shared by the subcommands: output formats, writing data to stdout."""
from __future__ import annotations

import argparse
import sys

from ..report import FORMATS, Report, render


def add_format(p: argparse.ArgumentParser, choices=FORMATS, default: str = "table") -> None:
    p.add_argument("--format", "-f", choices=choices, default=default,
                   help=f"output format (default: {default})")


def add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write the data to FILE instead of standard output")


def emit(text: str, output: str | None = None) -> None:
    """Write data to stdout (or a file); diagnostics never go here."""
    if output:
        with open(output, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def emit_report(report: Report, fmt: str, output: str | None = None) -> None:
    emit(render(report, fmt), output)


def add_mode(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--mode", choices=("ctp", "safe"), default="ctp", help=help)


def profile_options(names):
    """PS3.15 option names -> options; a bad name or combination is a usage error (USE01)."""
    from ..dicom.ps315 import OptionError, parse_options
    from ..errors import UsageError
    try:
        return parse_options(names)
    except OptionError as e:
        raise UsageError(str(e), code="USE01") from None
