"""systemd's notification protocol (sd_notify): datagrams to `$NOTIFY_SOCKET`.

A dozen lines over the socket rather than a library: the protocol is one datagram of
`KEY=value` lines, and the maintained bindings need libsystemd at build time. Outside systemd
(no `$NOTIFY_SOCKET`) every call does nothing.
"""

import contextlib
import os
import socket
from datetime import timedelta


class SystemdNotifier:
    """Sends READY, STATUS, RELOADING, STOPPING and WATCHDOG messages to systemd."""

    def __init__(self) -> None:
        address = os.environ.get("NOTIFY_SOCKET", "")
        # "@name" is a socket in the abstract namespace: a leading NUL byte on the wire.
        self._address = "\0" + address[1:] if address.startswith("@") else address
        self._socket: socket.socket | None = None
        if self._address:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    def notify(self, **fields: str | int) -> None:
        """Send `KEY=value` lines, e.g. `notify(READY=1, STATUS="polling 12 feeds")`."""
        if self._socket is None:
            return
        message = "\n".join(f"{key}={value}" for key, value in fields.items())
        # If systemd went away or the socket is full, there is nothing useful to do about it.
        with contextlib.suppress(OSError):
            self._socket.sendto(message.encode(), self._address)

    def watchdog_interval(self) -> timedelta | None:
        """How often to send WATCHDOG=1 (half of `WatchdogSec=`), or None when it is off."""
        usec = os.environ.get("WATCHDOG_USEC", "")
        pid = os.environ.get("WATCHDOG_PID", "")
        if self._socket is None or not usec.isdigit() or (pid and pid != str(os.getpid())):
            return None
        return timedelta(microseconds=int(usec) / 2)

    def close(self) -> None:
        """Close the socket."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
