"""Fixtures: one synthetic study written as an input tree, and its clean de-identification."""
from __future__ import annotations

import csv
import os
import shutil
from dataclasses import dataclass

import pytest

from ctpx import synth

from . import helpers


@dataclass
class Trees:
    study: synth.SyntheticStudy
    input: str
    output: str
    pairs_csv: str
    out_rel: dict[str, str]          # input rel -> output rel

    def out_path(self, in_rel: str) -> str:
        return os.path.join(self.output, *self.out_rel[in_rel].split("/"))

    def edit(self, in_rel: str, fn) -> str:
        """Apply ``fn(dataset, synth_file)`` to the output of ``in_rel`` and write it back."""
        path = self.out_path(in_rel)
        ds = helpers.read(path)
        fn(ds, self.study.file(in_rel))
        helpers.write_dataset(path, ds)
        return self.out_rel[in_rel]


@pytest.fixture(scope="session")
def study() -> synth.SyntheticStudy:
    return synth.generate(seed=11)


@pytest.fixture(scope="session")
def _base(study, tmp_path_factory):
    root = tmp_path_factory.mktemp("verify-base")
    inp, out = str(root / "in"), str(root / "out")
    synth.write(study, inp)
    out_rel = helpers.write_clean_tree(study, out)
    pairs = str(root / "pairs.csv")
    with open(pairs, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["input", "output"])
        for a, b in out_rel.items():
            w.writerow([a, b])
    return inp, out, pairs, out_rel


@pytest.fixture
def trees(study, _base, tmp_path) -> Trees:
    """A fresh copy of the clean output for each test (the input tree is shared, read-only)."""
    inp, out, pairs, out_rel = _base
    mine = str(tmp_path / "out")
    shutil.copytree(out, mine)
    return Trees(study, inp, mine, pairs, dict(out_rel))
