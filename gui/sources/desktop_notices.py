"""Desktop notifications: the freedesktop notification service on Linux, the tray elsewhere.

On Linux a notice goes to ``org.freedesktop.Notifications`` on the session
bus, with the app's icon, plain text and a "Show" action; clicking it (the
service's ``ActionInvoked`` signal) comes back as :attr:`DesktopNotices.clicked`
with the key the notice was given. The calls are made with jeepney, a
pure-Python D-Bus library, in a thread of its own: PySide6's QtDBus sends a
Python int as a signed integer and a list of strings as variants, and the
service's ``Notify`` wants exactly ``susssasa{sv}i``. Where there is no
session bus, the system tray's message is used if there is a tray; else
notices are only logged.
"""

from __future__ import annotations

import html
import logging
import os
import queue
import sys
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
APP_NAME = "Photo Finish"
APP_ICON = "photofinish"  # the icon desktop-entry installs
DESKTOP_ENTRY = "photofinish"
REPLY_S = 5.0


class DesktopNotices(QObject):
    """Shows notices on the desktop and says which one the user clicked."""

    clicked = Signal(str)  # the key the clicked notice was shown with
    unavailable = Signal(str)  # why notices cannot be shown (said once)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._outgoing: queue.Queue[tuple[str, str, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._tray: Any = None
        self._last_tray_key = ""
        self._off = ""  # why the notification service cannot be used, once found
        self.shown = 0  # notices handed to the desktop

    def notify(self, title: str, body: str, key: str) -> None:
        """Show a notice (plain text) that answers a click with ``key``."""
        if self._off:
            log.info("Notice not shown (%s): %s: %s", self._off, title, body)
            return
        if sys.platform.startswith("linux") and os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="photofinish-notices", daemon=True
                )
                self._thread.start()
            self._outgoing.put((title, body, key))
            return
        self._tray_message(title, body, key)

    def close(self) -> None:
        """Stop the notices' thread (notices already shown stay on the desktop)."""
        if self._thread is not None:
            self._outgoing.put(None)
            self._thread.join(2)
            self._thread = None

    # -- the tray, where there is no notification service ------------------------------------
    def _tray_message(self, title: str, body: str, key: str) -> None:
        from PySide6.QtWidgets import QSystemTrayIcon

        if not QSystemTrayIcon.isSystemTrayAvailable():
            log.info("Notice not shown (no notification service or tray): %s: %s", title, body)
            return
        if self._tray is None:
            from PySide6.QtGui import QGuiApplication

            self._tray = QSystemTrayIcon(QGuiApplication.windowIcon(), self)
            self._tray.messageClicked.connect(lambda: self.clicked.emit(self._last_tray_key))
            self._tray.show()
        self._last_tray_key = key
        self._tray.showMessage(title, body)
        self.shown += 1

    # -- the D-Bus thread --------------------------------------------------------------------
    def _serve(self) -> None:
        try:
            from jeepney import DBusAddress, MatchRule, new_method_call
            from jeepney.bus_messages import message_bus
            from jeepney.io.blocking import open_dbus_connection

            conn = open_dbus_connection(bus="SESSION")
        except Exception as exc:  # no bus, or jeepney missing: said once, then logged
            self._give_up(f"no desktop notification service ({exc})")
            return
        service = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=BUS_NAME)
        rule = MatchRule(
            type="signal", interface=BUS_NAME, member="ActionInvoked", path=OBJECT_PATH
        )
        keys: dict[int, str] = {}
        markup: bool | None = None
        try:
            conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=REPLY_S)
            with conn.filter(rule, bufsize=64) as invoked:
                while True:
                    try:
                        item = self._outgoing.get(timeout=0.2)
                    except queue.Empty:
                        item = ()  # type: ignore[assignment]
                    if item is None:
                        return
                    if item:
                        title, body, key = item
                        if markup is None:
                            markup = self._has_markup(conn, service, new_method_call)
                        text = html.escape(body, quote=False) if markup else body
                        hints = {"desktop-entry": ("s", DESKTOP_ENTRY)}
                        call = new_method_call(
                            service,
                            "Notify",
                            "susssasa{sv}i",
                            (APP_NAME, 0, APP_ICON, title, text, ["default", "Show"], hints, -1),
                        )
                        reply = conn.send_and_get_reply(call, timeout=REPLY_S)
                        if reply.body and isinstance(reply.body[0], int):
                            keys[reply.body[0]] = key
                            self.shown += 1
                    else:
                        try:
                            conn.recv_messages(timeout=0.05)
                        except TimeoutError:
                            pass
                    while invoked:
                        signal = invoked.popleft()
                        notice_id = signal.body[0] if signal.body else None
                        if notice_id in keys:
                            self.clicked.emit(keys[notice_id])
        except Exception as exc:  # the service went away or refused: said once, then logged
            self._give_up(f"the desktop notification service failed ({exc})")
        finally:
            conn.close()

    @staticmethod
    def _has_markup(conn: Any, service: Any, new_method_call: Any) -> bool:
        """Whether the service reads markup in bodies (then text is escaped to stay plain)."""
        try:
            caps = conn.send_and_get_reply(
                new_method_call(service, "GetCapabilities"), timeout=REPLY_S
            ).body[0]
        except Exception:
            return True  # unknown: escaping is the safe side
        return "body-markup" in caps

    def _give_up(self, why: str) -> None:
        self._off = why
        log.warning("Desktop notifications are off: %s", why)
        self.unavailable.emit(why)
