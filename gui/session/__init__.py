"""The one gate between a session file and the window: the Session, and opening files for it.

Widgets read the Session and ask it for changes; only it (and the functions
in :mod:`.files`) touch the store.
"""

from .files import create_race, open_session, open_steps
from .session import FRAME_MS, Session

__all__ = ["FRAME_MS", "Session", "create_race", "open_session", "open_steps"]
