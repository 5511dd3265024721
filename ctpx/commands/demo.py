"""``ctpx demo [DIR]``: a one-command tour on built-in example data."""
from __future__ import annotations

import os
import shutil
import sys

NAME = "demo"
HELP = "run ctpx end to end on a built-in example (writes into DIR, default ./ctpx-demo)"


def add_arguments(p) -> None:
    p.add_argument("dir", nargs="?", default="ctpx-demo", metavar="DIR",
                   help="folder for the demo's files (created; must be empty if it exists)")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _step(title: str, argv: list[str]) -> int:
    from ..cli import main
    _say(f"\n=== {title}\n$ ctpx {' '.join(argv)}")
    return main(argv)


def run(args) -> int:
    from ..errors import UsageError
    from ..examples import example_path

    out = os.path.abspath(args.dir)
    if os.path.exists(out) and os.listdir(out):
        raise UsageError(f"{out} exists and is not empty; choose another folder", code="USE02")
    os.makedirs(out, exist_ok=True)
    script = os.path.join(out, "site-example.script")
    shutil.copy(example_path(), script)
    _say(f"ctpx demo: files go to {out}")
    _step("the script as ctpx reads it", ["parse", script])
    _step("lint: problems a reader should know about", ["lint", script])
    _say(f"\nThe demo's files are in {out}")
    return 0
