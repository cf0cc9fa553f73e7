"""The widget tests' fixtures (a window on a copy of the 2009 race) for the reliability tests."""

from tests.ui.conftest import _close_app_windows, sample_session, window

__all__ = ["_close_app_windows", "sample_session", "window"]
