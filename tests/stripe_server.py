"""Run localstripe for the tests: on 127.0.0.1 only, on a free port, never saving to disk.

``python tests/stripe_server.py`` binds 127.0.0.1 on a port the kernel picks, prints
``PORT <n>`` on stdout once it listens, and serves until terminated. localstripe's own CLI binds
every interface and pickles its whole store to /tmp on every write (PAYMENTS.md 1.2); this
wrapper does neither. localstripe is GPL and stays a separate process: we only run it.
"""

from __future__ import annotations

import socket
import sys


def main() -> None:
    from aiohttp import web
    from localstripe import resources
    from localstripe.server import app

    # Keep the store in memory: no /tmp/localstripe.pickle written (or read) on every request.
    resources.Store.dump_to_disk = lambda self: None
    resources.Store.try_load_from_disk = lambda self: None

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    web.run_app(app, sock=sock, access_log=None, print=None, handle_signals=True)


if __name__ == "__main__":
    sys.exit(main())
