"""A free TCP port on 127.0.0.1 for a bot process to listen on (tests and benches)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port free now; the OS may hand it out again before it is used, which on a test machine
    is rare enough (the caller's process binds it within a second)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
