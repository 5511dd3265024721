"""Script files <-> IR: loaders, the expression grammar, the printer and lint."""
from .ir import Script
from .loader import load_script, load_text

__all__ = ["Script", "load_script", "load_text"]
