#!/usr/bin/env python3
"""Write a synthetic DICOM study with planted fake identifiers (and its manifest.json).

    python scripts/make_synthetic_study.py OUT [--seed N] [--patients N] [--series N]
        [--instances N] [--size N] [--no-sr] [--no-manifest]

The same seed always writes the same bytes. See ctpx/synth.py for what is planted where.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ctpx import synth  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", help="folder to write (created as needed)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--patients", type=int, default=3)
    p.add_argument("--series", type=int, default=2, help="CT series per study")
    p.add_argument("--instances", type=int, default=2, help="images per series")
    p.add_argument("--size", type=int, default=8, help="rows and columns of each image")
    p.add_argument("--no-sr", action="store_true", help="no SR document per study")
    p.add_argument("--no-manifest", action="store_true", help="do not write manifest.json")
    a = p.parse_args(argv)
    study = synth.generate(seed=a.seed, patients=a.patients, series_per_study=a.series,
                           instances_per_series=a.instances, rows=a.size, columns=a.size,
                           sr=not a.no_sr)
    paths = synth.write(study, a.out, manifest=None if a.no_manifest else synth.MANIFEST_NAME)
    print(f"{len(paths)} files, {len(study.manifest.plants)} planted identifiers -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
