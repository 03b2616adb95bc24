"""Shared test fixtures: the tiny model fixture and an isolated cache directory."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY_MODEL = ROOT / "tests" / "fixtures" / "tiny-qwen3-moe.gguf"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Never touch the user's ~/.cache from tests."""
    monkeypatch.setenv("RADIX_LS_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    assert TINY_MODEL.is_file(), f"missing test model {TINY_MODEL} (see tests/fixtures/README.md)"
    return TINY_MODEL
