"""``ctpx demo [DIR]``: the whole tool on built-in example data, in one command.

The demo writes everything into DIR: a synthetic study with planted (invented) identifiers, two
profile scripts made by ``ctpx generate``, the de-identified trees and every report. Each step is
a real ctpx command, printed before it runs, so the demo doubles as a tutorial.
"""
from __future__ import annotations

import contextlib
import os
import sys
import time

NAME = "demo"
HELP = "run ctpx end to end on built-in example data (writes into DIR, default ./ctpx-demo)"

TCIA_LIKE = ["retain-long-modified-dates", "retain-patient-chars", "retain-device-id",
             "clean-descriptors"]


def add_arguments(p) -> None:
    p.add_argument("dir", nargs="?", default="ctpx-demo", metavar="DIR",
                   help="folder for the demo's files (created; must be empty if it exists)")
    p.add_argument("--jobs", "-j", type=int, default=1,
                   help="worker processes for the apply steps (default: 1)")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _show(path: str, base: str) -> str:
    return os.path.relpath(path, base) if path.startswith(base) else path


def run(args) -> int:
    from .. import synth
    from ..cli import main
    from ..errors import UsageError
    from ..examples import example_path

    base = os.path.abspath(args.dir)
    if os.path.exists(base) and os.listdir(base):
        raise UsageError(f"{base} exists and is not empty; choose another folder", code="USE02")
    os.makedirs(base, exist_ok=True)
    started = time.perf_counter()
    statuses: dict[str, int] = {}

    def p(*parts: str) -> str:
        return os.path.join(base, *parts)

    def step(title: str, argv: list[str], *, stdout_to: str | None = None,
             summary: bool = False) -> int:
        shown = " ".join(_show(a, base + os.sep) for a in argv)
        _say(f"\n=== {title}\n$ ctpx {shown}" + (f" > {_show(stdout_to, base + os.sep)}"
                                                   if stdout_to else ""))
        if stdout_to:
            with open(stdout_to, "w", encoding="utf-8") as f, contextlib.redirect_stdout(f):
                rc = main(argv)
        else:
            rc = main(argv)
        if summary and stdout_to:
            print(_summary_of(stdout_to), flush=True)
        statuses[title] = rc
        return rc

    def report(title: str, argv: list[str], name: str) -> int:
        """Long reports go to a Markdown file; the terminal gets their summary."""
        return step(title, argv + ["--format", "markdown"], stdout_to=p(name), summary=True)

    _say(f"ctpx demo: every file goes to {base}")

    _say("\n=== 1. a synthetic study with planted identifiers (all invented)")
    study = synth.generate(seed=7, patients=3)
    synth.write(study, p("input"), manifest=None)
    with open(p("planted-identifiers.json"), "w", encoding="utf-8") as f:
        f.write(study.manifest.to_json())
    _say(f"{len(study.files)} DICOM files in input/, {len(study.manifest.plants)} planted "
         f"identifiers listed in planted-identifiers.json")

    step("2. a Basic Profile script from PS3.15 Table E.1-1",
         ["generate", "--profile-name", "demo-basic", "--uid-root", "2.25"],
         stdout_to=p("basic.script"))
    tcia = ["generate", "--profile-name", "demo-tcia-like", "--date-shift", "-1461"]
    for o in TCIA_LIKE:
        tcia += ["--option", o]
    step("3. a TCIA-like variant (shifted dates, patient characteristics, device identity, "
         "cleaned descriptors)", tcia, stdout_to=p("tcia-like.script"))
    shutil_copy(example_path(), p("site-example.script"))
    _say("\n(also copied a hand-written site script with a few typical mistakes: "
         "site-example.script)")

    step("4. lint: problems a reader should know about", ["lint", p("site-example.script")])
    report("5. check: the Basic script against PS3.15 (expect no deviation)",
           ["check", p("basic.script")], "check-basic.md")
    check_tcia = ["check", p("tcia-like.script")]
    for o in TCIA_LIKE:
        check_tcia += ["--option", o]
    report("6. check: the TCIA-like script against the options it implements", check_tcia,
           "check-tcia-like.md")
    report("7. check: the hand-written site script (expect deviations)",
           ["check", p("site-example.script")], "check-site.md")
    report("8. diff: what the Basic and TCIA-like scripts do differently",
           ["diff", p("basic.script"), p("tcia-like.script")], "diff.md")
    jobs = ["--jobs", str(args.jobs), "--quiet"]
    step("9. apply: the Basic script, CTP mode",
         ["apply", p("basic.script"), p("input"), p("output-ctp"), "--report",
          p("output-ctp.report.json"), "--mapping", p("mapping-ctp")] + jobs)
    step("10. apply: the Basic script, safe mode",
         ["apply", p("basic.script"), p("input"), p("output-safe"), "--mode", "safe",
          "--report", p("output-safe.report.json")] + jobs)
    step("11. apply: the hand-written site script",
         ["apply", p("site-example.script"), p("input"), p("output-site"), "--report",
          p("output-site.report.json")] + jobs)
    report("12. verify: an independent scan of the Basic output for identifiers (expect none)",
           ["verify", p("input"), p("output-ctp"), "--report", p("output-ctp.report.json")],
           "verify-basic.md")
    report("13. verify: the same scan of the site script's output (expect residues)",
           ["verify", p("input"), p("output-site"), "--report", p("output-site.report.json")],
           "verify-site.md")

    elapsed = time.perf_counter() - started
    _say(f"\n=== done in {elapsed:.1f} s; the files are in {base}:")
    for name in ("input/", "planted-identifiers.json", "basic.script", "tcia-like.script",
                 "site-example.script", "check-basic.md", "check-tcia-like.md", "check-site.md",
                 "diff.md", "output-ctp/", "output-safe/", "output-site/",
                 "output-*.report.json", "mapping-ctp/", "verify-basic.md", "verify-site.md"):
        _say(f"  {name}")
    # Every step's own exit status is part of the story (lint and verify are meant to find
    # things); the demo fails only when a step could not run at all.
    failed = [t for t, rc in statuses.items() if rc not in (0, 1)]
    for t in failed:
        _say(f"step failed: {t} (exit {statuses[t]})")
    return 2 if failed else 0


def _summary_of(path: str) -> str:
    """The summary paragraph that ends a Markdown report (after its last table)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().rstrip("\n").split("\n")
    tail: list[str] = []
    for line in reversed(lines):
        if line.startswith("|") or line.startswith("#"):
            break
        tail.append(line)
    return "\n".join(reversed(tail)).strip()


def shutil_copy(src: str, dst: str) -> None:
    import shutil
    shutil.copy(src, dst)
