"""A free TCP port on 127.0.0.1 for a bot process to listen on (tests and benches)."""

from __future__ import annotations

import os
import random
import socket

# Below the ports the OS hands out to client sockets and bind(0) (32768-60999 on Linux,
# 49152-65535 elsewhere): with tests running in parallel, a port found free by bind(0) could
# be taken by another worker's HTTP client before the bot listened on it.
_LOW, _HIGH = 20_000, 32_000


def free_port() -> int:
    """A port free now, from a range of its own for each pytest-xdist worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    workers = max(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")), 1)
    index = int(worker[2:]) if worker[2:].isdecimal() else 0
    span = (_HIGH - _LOW) // workers
    low = _LOW + (index % workers) * span
    for _ in range(200):
        port = random.randrange(low, low + span)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{low + span}")
