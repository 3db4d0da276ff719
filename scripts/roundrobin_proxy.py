"""A small reverse proxy for scripts/topology: Caddy's job in compose.yaml, on this machine.

Spreads requests over the web nodes in turn (skipping a node that refuses the connection), and
passes what the app expects from its one trusted proxy (STREAKPOT_PROXY_COUNT=1): the client's
address appended to X-Forwarded-For, X-Forwarded-Proto, and a fresh X-Request-ID (a client's own
is replaced: it is not trusted). Each answer names its node in X-Served-By. Not for production.

    python scripts/roundrobin_proxy.py --listen 8080 --backend 127.0.0.1:8001 --backend 127.0.0.1:8002
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: headers of one connection, never passed on (RFC 9110, section 7.6.1)
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade"}
)  # fmt: skip
TIMEOUT = 30


class Backends:
    def __init__(self, addresses: list[str]):
        self.addresses = addresses
        self._turn = itertools.cycle(range(len(addresses)))
        self._lock = threading.Lock()

    def in_turn(self) -> list[str]:
        """Every node, starting with the next one in turn."""
        with self._lock:
            start = next(self._turn)
        return self.addresses[start:] + self.addresses[:start]


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    backends: Backends

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        for name in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID"):
            headers.pop(name, None)
        forwarded = self.headers.get("X-Forwarded-For")
        client = self.client_address[0]
        headers["X-Forwarded-For"] = f"{forwarded}, {client}" if forwarded else client
        headers["X-Forwarded-Proto"] = "http"
        headers["X-Request-ID"] = uuid.uuid4().hex
        for address in self.backends.in_turn():
            host, port = address.rsplit(":", 1)
            upstream = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
            except ConnectionRefusedError:
                upstream.close()
                continue  # that node is down: the next one takes the request
            except OSError:
                # the node died or hung mid-request: whether it acted is unknown, so say "retry"
                # (a check-in's retry is safe: the day's unique key refuses a second one)
                upstream.close()
                self._answer(503, b"the web node failed mid-request: try again\n", retry_after=1)
                return
            upstream.close()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Served-By", address)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            return
        self._answer(503, b"no web node answers: try again\n", retry_after=5)

    def _answer(self, status: int, text: bytes, *, retry_after: int | None = None) -> None:
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass  # the nodes log every request, with the request id given here


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--backend", action="append", required=True, help="host:port of a web node")
    args = parser.parse_args()
    ProxyHandler.backends = Backends(args.backend)
    server = ThreadingHTTPServer(("127.0.0.1", args.listen), ProxyHandler)
    server.daemon_threads = True
    print(f"proxy on http://127.0.0.1:{args.listen} -> {', '.join(args.backend)}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
