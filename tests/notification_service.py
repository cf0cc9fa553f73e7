"""A stand-in for the desktop's notification service on a private session bus, for the tests.

It answers ``org.freedesktop.Notifications`` as the Desktop Notifications
Specification describes it (https://specifications.freedesktop.org/notification-spec/latest/,
"D-BUS Protocol": ``Notify`` takes ``susssasa{sv}i`` and returns the notice's
id as ``u``; ``GetCapabilities`` returns ``as``; a click is the
``ActionInvoked(u id, s action_key)`` signal) and records every ``Notify``.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from dataclasses import dataclass

from jeepney import DBusAddress, HeaderFields, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

BUS_NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


@dataclass(frozen=True)
class Notice:
    """One ``Notify`` call as the service received it."""

    id: int
    app_name: str
    replaces_id: int
    app_icon: str
    summary: str
    body: str
    actions: list[str]
    hints: dict
    expire_timeout: int
    signature: str


class PrivateBus:
    """``dbus-daemon --session`` of the test's own, and its address."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["dbus-daemon", "--session", "--print-address", "--nofork"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        self.address = self.proc.stdout.readline().strip()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class NotificationService:
    """The service: owns the name on the bus, records notices, clicks them on request."""

    def __init__(
        self, address: str, capabilities: tuple[str, ...] = ("actions", "body", "body-markup")
    ) -> None:
        self.capabilities = list(capabilities)
        self.notices: list[Notice] = []
        self._clicks: queue.Queue[tuple[int, str] | None] = queue.Queue()
        self.conn = open_dbus_connection(bus=address)
        reply = self.conn.send_and_get_reply(message_bus.RequestName(BUS_NAME), timeout=5)
        assert reply.body[0] == 1, "the test bus already has a notification service"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def click(self, notice_id: int, action: str = "default") -> None:
        """The user clicks a notice: the service emits ActionInvoked."""
        self._clicks.put((notice_id, action))

    def stop(self) -> None:
        self._clicks.put(None)
        self._thread.join(5)
        self.conn.close()

    def _serve(self) -> None:
        emitter = DBusAddress(PATH, interface=BUS_NAME)
        while True:
            try:
                click = self._clicks.get_nowait()
            except queue.Empty:
                click = ()
            if click is None:
                return
            if click:
                self.conn.send(new_signal(emitter, "ActionInvoked", "us", click))
            try:
                msg = self.conn.receive(timeout=0.05)
            except TimeoutError:
                continue
            if msg.header.message_type != MessageType.method_call:
                continue
            member = msg.header.fields.get(HeaderFields.member)
            signature = msg.header.fields.get(HeaderFields.signature, "")
            if member == "Notify":
                if signature != "susssasa{sv}i":
                    self.conn.send(new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs"))
                    continue
                notice = Notice(len(self.notices) + 1, *msg.body, signature=signature)
                self.notices.append(notice)
                self.conn.send(new_method_return(msg, "u", (notice.id,)))
            elif member == "GetCapabilities":
                self.conn.send(new_method_return(msg, "as", (self.capabilities,)))
            elif member == "GetServerInformation":
                self.conn.send(new_method_return(msg, "ssss", ("stand-in", "tests", "1", "1.2")))
            else:
                self.conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))


def bus_environment(address: str) -> dict[str, str]:
    """The environment a process needs to use the private bus."""
    return dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
