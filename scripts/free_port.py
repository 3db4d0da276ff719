"""The port the demo serves on (scripts/demo): the one asked for when it is free, else any free
one the system gives. Prints it; the demo says it and serves there."""

from __future__ import annotations

import socket
import sys

HOST = "127.0.0.1"


def free_port(wanted: int, host: str = HOST) -> int:
    for candidate in (wanted, 0):  # 0: the system picks a free port
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # as the server binds (werkzeug sets it too): a port left in TIME_WAIT is free
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError("no free port on this machine")


if __name__ == "__main__":
    print(free_port(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
