"""Fixtures shared with other suites: a window on a copy of the 2009 race, an import's store."""

from tests.core.test_importing import store
from tests.ui.conftest import _close_app_windows, sample_session, window

__all__ = ["_close_app_windows", "sample_session", "store", "window"]
