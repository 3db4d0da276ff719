"""A chat app for the tests: plain HTTP on 127.0.0.1 and a free port (the tests' setting lets
outbound URLs reach loopback over http), or HTTPS with a certificate made for the run, recording
every post it receives.

``answers`` is a list of (status, JSON body) it answers with, in order (then 200 ``{}``): a 500
first makes the relay retry.
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.notifications.push_service import make_certificate


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: dict


class ChatReceiver:
    def __init__(self, tls_folder: Path | None = None):
        self.posts: list[Post] = []
        self.answers: list[tuple[int, dict]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length).decode("utf-8"))
                with receiver.lock:
                    receiver.posts.append(
                        Post(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status, answer = receiver.answers.pop(0) if receiver.answers else (200, {})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.cert_path = None
        if tls_folder is not None:  # HTTPS with a certificate made for the run (``cert_path``)
            self.cert_path, key_path = make_certificate(tls_folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert_path, key_path)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        scheme = "https" if self.cert_path else "http"
        return f"{scheme}://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> ChatReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
