"""Ports on 127.0.0.1 for the servers the end-to-end tests start: a free one, and whether one accepts yet."""

from __future__ import annotations

import socket
import time


def free_port() -> int:
    """A port no one listens on now (the OS picks it), for a server a test starts itself."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accepting(port: int) -> bool:
    """Whether a server accepts connections on the port yet."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def wait_accepting(port: int, timeout: float = 10.0) -> None:
    """Wait until a server accepts connections on the port of 127.0.0.1."""
    deadline = time.monotonic() + timeout
    while not accepting(port):
        assert time.monotonic() < deadline, f"nothing accepts connections on port {port}"
        time.sleep(0.05)
