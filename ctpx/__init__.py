"""ctpx: read, compare, check and run RSNA CTP DicomAnonymizer scripts.

The Python API mirrors the command line (docs/api.md):

    load_script(path) / load_text(text) -> Script        parse a script into the IR
    lint_script(script) -> [Finding]                     ctpx lint
    check_script(script, options, mode) -> CheckResult   ctpx check
    generate_script(options, ...) -> str                 ctpx generate
    diff_scripts(a, b, ...) -> DiffResult                ctpx diff
    compile_script(script, params=..., lookup_path=..., mode=...) -> CompiledScript
    anonymize(dataset, script_or_compiled) -> Outcome    one in-memory pydicom Dataset
    anonymize_file(path_or_bytes, compiled) -> FileResult
    apply_tree(script, in_dir, out_dir, ...) -> report   ctpx apply on a folder tree
    verify(in_path, out_path, ...) -> VerifyResult       ctpx verify

Everything but the script loader is imported on first use, so ``import ctpx`` stays light.
"""
__version__ = "0.1.0"

from .script import Script, load_script, load_text  # noqa: E402

_LAZY = {
    "lint_script": ("ctpx.script.lint", "lint_script"),
    "check_script": ("ctpx.check", "check_script"),
    "generate_script": ("ctpx.generate", "generate_script"),
    "diff_scripts": ("ctpx.diff", "diff_scripts"),
    "analyze": ("ctpx.semantics", "analyze"),
    "compile_script": ("ctpx.engine", "compile_script"),
    "anonymize": ("ctpx.engine", "anonymize"),
    "anonymize_file": ("ctpx.engine", "anonymize_file"),
    "apply_tree": ("ctpx.engine.runner", "apply_tree"),
    "verify": ("ctpx.verify", "verify"),
}

__all__ = ["__version__", "Script", "load_script", "load_text", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ctpx' has no attribute {name!r}")
