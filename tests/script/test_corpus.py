"""Every real anonymizer script in ../shared/ctp-scripts parses, prints and re-parses to the same IR.

Skipped (with a message) when ../shared is absent. Pixel-anonymizer scripts, lookup tables, deid
recipes and CTP's dictionaries are not anonymizer scripts and are left out.
"""
from __future__ import annotations

import os

import pytest

from ctpx.cli import main
from ctpx.script import load_script, load_text
from ctpx.script.lint import lint_script
from ctpx.script.printer import to_properties, to_xml

from ..conftest import SHARED

SCRIPTS_DIR = os.path.join(SHARED, "ctp-scripts")
_NOT_SCRIPTS = ("PixelAnonymizer", "pixel-anonymizer", "lookup", "Dictionary.xml", "dictionary.xml",
                "SOURCES.md", "deid.tcia", "recipe.dicom")


def anonymizer_scripts() -> list[str]:
    if not os.path.isdir(SCRIPTS_DIR):
        return []
    out = []
    for d, _, files in os.walk(SCRIPTS_DIR):
        for f in files:
            p = os.path.join(d, f)
            if not any(x in p for x in _NOT_SCRIPTS):
                out.append(p)
    return sorted(out)


SCRIPTS = anonymizer_scripts()


def _id(p):
    return os.path.relpath(p, SCRIPTS_DIR)


def test_corpus_is_present(ctp_scripts_dir):
    assert len(SCRIPTS) >= 150, f"expected 150+ anonymizer scripts, found {len(SCRIPTS)}"


@pytest.mark.parametrize("path", SCRIPTS, ids=_id)
def test_parse_print_reparse(path):
    script = load_script(path)
    assert script.rules, "an anonymizer script has rules"
    assert load_text(to_xml(script)) == script
    if not script.opaque:
        assert load_text(to_properties(script)) == script
    lint_script(script)   # never raises on a real script


def test_parse_command_exit_zero_on_every_script(capsys):
    if not SCRIPTS:
        pytest.skip("../shared is not present")
    for path in SCRIPTS:
        assert main(["parse", path, "--format", "ctp"]) == 0
    capsys.readouterr()


def _codes(rel):
    return {f.code for f in lint_script(load_script(os.path.join(SCRIPTS_DIR, rel)))}


def test_real_world_quirks_are_findings(ctp_scripts_dir):
    # RSNA dialect: bare @uid/@hashdate (text dropped), empty bodies meaning "keep"
    assert {"SC09", "SC08"} <= _codes("rsna-anonymizer/default-anonymizer.script")
    # <r t="0029"> used where <k> was meant
    assert "SC06" in _codes("healthri/trait_ctp/site_configurations/ENCORE/MUMC/ctpConfig/encore/"
                            "MUMC/anonymizer.properties")
    # overlay profile that relies on its base's parameters
    assert "SC01" in _codes("tcia/TCIA-BasicAdditions")
    # @keep()@process() chains and @require() without @always()
    assert {"SC16", "SC13"} <= _codes("healthri/trait_ctp/site_configurations/CVON/AZM/ctpConfig/"
                                      "CVON/AZM/anonymizer.properties")
    # the TCIA profile and Health-RI strict are clean
    assert _codes("tcia/TCIA-Basic") == set()


def test_largest_script_parses_quickly(ctp_scripts_dir):
    import time
    path = os.path.join(SCRIPTS_DIR, "mirc-dicomeditor", "dicom-anonymizer.script")
    load_script(path)                     # warm the grammar
    t0 = time.perf_counter()
    script = load_script(path)
    elapsed = time.perf_counter() - t0
    print(f"\nparse of the 248 KB MIRC DicomEditor script: {elapsed * 1000:.0f} ms, "
          f"{len(script.rules)} rules")
    assert len(script.rules) > 4000
