"""Fixtures shared with other suites: an import's store (the window is in tests/conftest.py)."""

from tests.core.importing.test_importing import store

__all__ = ["store"]
