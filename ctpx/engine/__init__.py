"""Run CTP DicomAnonymizer scripts on DICOM data with CTP's exact output.

    from ctpx.engine import compile_script, anonymize, anonymize_file
    compiled = compile_script(script, params=None, lookup_path=None, mode="ctp", integers=None)
    outcome = anonymize(dataset, compiled)          # Outcome: status, code, message, warnings, dataset
    result = anonymize_file(path_or_bytes, compiled)  # FileResult: ..., data, ids, uid_map

See docs/engine.md.
"""
from .api import anonymize, anonymize_file
from .compile import CompiledScript, compile_script
from .outcomes import CODES
from .results import FileResult, Outcome

__all__ = ["compile_script", "anonymize", "anonymize_file", "Outcome", "FileResult",
           "CompiledScript", "CODES"]
