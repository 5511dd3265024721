"""The built wheel holds every package, the grammar and the generated tables."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _source_packages() -> set[str]:
    out = set()
    for d, _, files in os.walk(os.path.join(ROOT, "ctpx")):
        if "__init__.py" in files and "__pycache__" not in d:
            out.add(os.path.relpath(d, ROOT).replace(os.sep, "/"))
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("wheel")
    # Build from a copy: setuptools writes build/ and *.egg-info beside the sources.
    src = tmp_path_factory.mktemp("src")
    for name in ("ctpx", "grammars"):
        shutil.copytree(os.path.join(ROOT, name), src / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if os.path.exists(os.path.join(ROOT, name)):
            shutil.copy(os.path.join(ROOT, name), src / name)
    r = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                        str(out), str(src)], capture_output=True, text=True, cwd=str(out))
    if r.returncode != 0:
        pytest.fail("wheel build failed:\n" + r.stdout[-2000:] + r.stderr[-2000:])
    (whl,) = [p for p in os.listdir(out) if p.endswith(".whl")]
    with zipfile.ZipFile(os.path.join(out, whl)) as z:
        return set(z.namelist())


def test_grammar_and_tables_are_in_the_wheel(wheel):
    assert "ctpx/grammars/ctp.lark" in wheel
    for table in ("_dcm4che_dict.py", "_keywords.py", "_private_dict.py"):
        assert f"ctpx/dicom/{table}" in wheel


def test_every_package_is_in_the_wheel(wheel):
    missing = {p for p in _source_packages() if f"{p}/__init__.py" not in wheel}
    assert not missing, f"add these packages to pyproject.toml: {sorted(missing)}"


def test_console_script_entry_point(wheel):
    assert any(n.endswith("entry_points.txt") for n in wheel)
