"""Fixtures for the editor tests."""

from __future__ import annotations

import pytest

from .neovim import nvim_or_skip


@pytest.fixture(scope="session")
def nvim() -> str:
    """A real Neovim >= 0.11 (skips the test when there is none)."""
    return nvim_or_skip()
