"""Fixtures for the credentials tests."""

from __future__ import annotations

import pytest

from exams import pools


@pytest.fixture(autouse=True)
def fresh_bank_version() -> None:
    """Pools cached by an earlier test (whose rows were rolled back) are never read."""
    pools._bump()
