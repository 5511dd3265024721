"""Across several seeds (other names, IDs, dates, charsets): a clean de-identification gives no
finding, and an untouched copy gives every planted identifier."""
from __future__ import annotations

import csv
import shutil

import pytest

from ctpx import synth
from ctpx.verify import verify

from . import helpers


@pytest.mark.parametrize("seed", [2, 3, 17, 42, 1234])
def test_clean_and_copy(seed, tmp_path):
    study = synth.generate(seed=seed, patients=3, series_per_study=1, instances_per_series=2)
    inp, out, copy = str(tmp_path / "in"), str(tmp_path / "out"), str(tmp_path / "copy")
    synth.write(study, inp, manifest=None)
    pairs = tmp_path / "pairs.csv"
    with open(pairs, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["input", "output"])
        w.writerows(helpers.write_clean_tree(study, out).items())
    clean = verify(inp, out, mappings=[str(pairs)])
    assert clean.records == [], [(r["path"], r["value"]) for r in clean.records]

    shutil.copytree(inp, copy)
    found = {(r["output"], "(preamble)" if r["path"].startswith("(preamble") else r["path"],
              r["value"].casefold()) for r in verify(inp, copy).records}
    for p in study.manifest.plants:
        assert any(f[0] == p.file and f[1] == p.path and
                   (p.token.casefold() in f[2] or f[2] in p.token.casefold())
                   for f in found), (p.path, p.token)
