"""Errors the command line reports as messages, kept apart so it can catch them cheaply."""

from __future__ import annotations


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing is imported."""
