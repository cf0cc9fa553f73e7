"""The session file: one SQLite database per race, and the only code that speaks SQL.

``Store`` is the package's face; its tables live in a module each (race,
readings, events, sources, the analysis cache, view state and copies).
Whatever SQLite raises comes out as one of the project's own errors
(:mod:`photofinish.core.errors`).
"""

from .checks import SESSION_SUFFIX, inspect_file, write_problem
from .readings import pack_rows
from .schema import SCHEMA_VERSION
from .store import Store

__all__ = [
    "SCHEMA_VERSION",
    "SESSION_SUFFIX",
    "Store",
    "inspect_file",
    "pack_rows",
    "write_problem",
]
