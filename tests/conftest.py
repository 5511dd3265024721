"""Shared test fixtures.

The real-world scripts and the PS3.15 tables live in ``../shared`` beside the project root.
Tests that need them use these fixtures and are skipped, with a message, when ``../shared`` is
absent; the conformance corpus is copied into ``tests/`` so the project stands alone for parity.
"""
from __future__ import annotations

import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("CTPX_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
TESTS = os.path.dirname(os.path.abspath(__file__))


def shared_path(*parts: str) -> str:
    return os.path.join(SHARED, *parts)


@pytest.fixture(scope="session")
def shared_dir() -> str:
    if not os.path.isdir(SHARED):
        pytest.skip(f"../shared is not present ({SHARED}); real-world corpus tests skipped")
    return SHARED


@pytest.fixture(scope="session")
def ctp_scripts_dir(shared_dir) -> str:
    return os.path.join(shared_dir, "ctp-scripts")


@pytest.fixture(scope="session")
def golden_dir() -> str:
    return os.path.join(TESTS, "golden")
