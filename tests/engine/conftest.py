"""Prints the conformance figure at the end of a run that included the conformance cases."""
from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    try:
        from . import test_conformance
    except ImportError:
        return
    results = test_conformance.RESULTS
    if not results:
        return
    agree = sum(results.values())
    from .conformance import cases, intentional
    why = {c["id"]: intentional(c) for c in cases()}
    failing = sorted(k for k, ok in results.items() if not ok)
    terminalreporter.write_sep("=", "CTP conformance")
    terminalreporter.write_line(f"conformance: {agree}/{len(results)} cases agree")
    for case in failing:
        note = f"  (intentional: {why[case]})" if why.get(case) else ""
        terminalreporter.write_line(f"  differs: {case}{note}")
