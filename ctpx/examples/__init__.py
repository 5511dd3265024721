"""Example scripts shipped with ctpx (used by ``ctpx demo`` and the documentation)."""
from __future__ import annotations

from importlib.resources import files


def example_path(name: str = "site-example.script") -> str:
    """The file-system path of a bundled example script."""
    return str(files(__name__) / name)
