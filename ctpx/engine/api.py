"""The engine's public entry points (re-exported by ``ctpx.engine``)."""
from __future__ import annotations

import io
import os

from . import outcomes as oc
from .anonymize import run_bytes
from .compile import CompiledScript, compile_script
from .results import OK, QUARANTINED, FileResult, Outcome


def _compiled(compiled_or_script, kwargs) -> CompiledScript:
    if isinstance(compiled_or_script, CompiledScript):
        if kwargs:
            raise TypeError("options are given to compile_script, not with a compiled script")
        return compiled_or_script
    return compile_script(compiled_or_script, **kwargs)


def anonymize_file(path_or_bytes, compiled, **kwargs) -> FileResult:
    """Anonymise one file (a path or the file's bytes). Never raises for bad input."""
    cs = _compiled(compiled, kwargs)
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(path_or_bytes)
    else:
        try:
            with open(os.fspath(path_or_bytes), "rb") as f:
                data = f.read()
        except OSError as e:
            return FileResult(QUARANTINED, oc.READ_ERROR, f"cannot read: {e.strerror or e}")
    result, _ = run_bytes(cs, data)
    return result


def anonymize(dataset, compiled_or_script, **kwargs) -> Outcome:
    """Anonymise an in-memory pydicom ``Dataset`` (``file_meta`` optional).

    The dataset is encoded, run through the same path as files, and the output is read back, so
    in-memory and file results agree exactly. The input dataset is not modified.
    """
    import pydicom
    from pydicom.filewriter import dcmwrite

    cs = _compiled(compiled_or_script, kwargs)
    meta = getattr(dataset, "file_meta", None)
    ts = getattr(meta, "TransferSyntaxUID", None) if meta is not None else None
    buf = io.BytesIO()
    try:
        if ts:
            # the meta information as given (no preamble needed), then the dataset in its syntax
            dcmwrite(buf, dataset, enforce_file_format=False)
            encoding = None
        else:
            implicit = bool(getattr(dataset, "is_implicit_VR", False))
            little = getattr(dataset, "is_little_endian", True)
            little = True if little is None else bool(little)
            dcmwrite(buf, dataset, implicit_vr=implicit, little_endian=little)
            encoding = (implicit, little)
    except Exception as e:
        return Outcome(QUARANTINED, oc.PARSE_ERROR, f"cannot encode the dataset: {e}")
    result, _ = run_bytes(cs, buf.getvalue(), encoding=encoding)
    ds = None
    if result.status == OK:
        ds = pydicom.dcmread(io.BytesIO(result.data))
    return Outcome(result.status, result.code, result.message, result.warnings, ds)
