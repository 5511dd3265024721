"""ctpx: read, compare, check and run RSNA CTP DicomAnonymizer scripts.

Public API (see docs/api.md):
    load_script(path) -> Script          parse a script file into the IR
    load_text(text)   -> Script          parse script text
"""
__version__ = "0.1.0"

from .script import Script, load_script, load_text  # noqa: E402

__all__ = ["__version__", "Script", "load_script", "load_text"]
