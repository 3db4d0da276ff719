"""The recommended gunicorn worker spreads keep-alive connections evenly over the workers.

Runs the real gunicorn with the project's gunicorn.conf.py (two workers) in front of a WSGI app
that answers with its pid, so each connection tells which worker holds it.
"""

from __future__ import annotations

import inspect
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import gunicorn.config
import pytest
from gunicorn.config import Config
from gunicorn.workers.gthread import ThreadWorker

import gunicorn_worker
from gunicorn_worker import NOT_SERVING, BalancingWorker
from tests.library_internals import require

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def gunicorn_port():
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
         "--bind", "127.0.0.1:0", "--workers", "2", "tests.pid_wsgi:app"],
        cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        port = None
        for line in server.stderr:
            if found := re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line):
                port = int(found.group(1))
                break
        assert port, "gunicorn did not start"
        threading.Thread(target=server.stderr.read, daemon=True).start()  # keep the pipe drained
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


class Client:
    """A keep-alive HTTP client that, like browsers, proxies and wrk, reconnects when the
    server answers ``Connection: close``."""

    def __init__(self, port: int):
        self.port = port
        self.conn = socket.create_connection(("127.0.0.1", port), timeout=10)

    def send(self, headers: bytes = b"") -> None:
        if self.conn is None:
            self.conn = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.conn.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n" + headers + b"\r\n")

    def receive(self) -> tuple[int, bool]:
        """The answering worker's pid, and whether the connection stays with it."""
        data = b""
        while b"\r\n\r\n" not in data:
            data += self.conn.recv(4096)
        head, body = data.split(b"\r\n\r\n", 1)
        length = int(re.search(rb"Content-Length: (\d+)", head, re.I).group(1))
        while len(body) < length:
            body += self.conn.recv(4096)
        kept = not re.search(rb"Connection: close", head, re.I)
        if not kept:
            self.close()
        return int(body), kept

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def both_workers_serving(port: int) -> None:
    seen, deadline = set(), time.monotonic() + 30
    while len(seen) < 2:
        assert time.monotonic() < deadline, "the second worker never served"
        client = Client(port)
        client.send(b"Connection: close\r\n")
        seen.add(client.receive()[0])


def test_keep_alive_connections_opened_at_once_end_up_even(gunicorn_port):
    both_workers_serving(gunicorn_port)
    # Every connection is in the kernel's backlog before any worker accepts one: whichever
    # worker calls accept first takes it, however many it already holds.
    clients = [Client(gunicorn_port) for _ in range(32)]
    try:
        for _ in range(50):  # rounds of one request per client, until no connection moves
            for client in clients:
                client.send()
            answers = [client.receive() for client in clients]
            if all(kept for _, kept in answers):
                break
        per_worker = Counter(pid for pid, _ in answers)
        assert all(kept for _, kept in answers), "connections still moving after 50 rounds"
        assert len(per_worker) == 2
        assert max(per_worker.values()) - min(per_worker.values()) <= 1, per_worker
    finally:
        for client in clients:
            client.close()


def make_worker(slot: int, holding: int) -> BalancingWorker:
    """The worker's own bookkeeping, without gunicorn's start-up (no sockets, no app)."""
    worker = BalancingWorker.__new__(BalancingWorker)
    worker.board_slot = slot
    worker.nr_conns = holding
    worker.max_keepalived = 996  # gunicorn's default: 1000 connections less 4 threads
    worker.start_publishing()  # what run() does in the forked child
    return worker


def test_a_worker_that_is_gone_no_longer_counts():
    master_side = [SimpleNamespace(age=age) for age in (901, 902)]
    for worker in master_side:
        gunicorn_worker.pre_fork(None, worker)
    try:
        idle = make_worker(master_side[0].board_slot, holding=0)
        busy = make_worker(master_side[1].board_slot, holding=3)
        assert busy.max_keepalived == 0 and idle.max_keepalived == 996

        gunicorn_worker.child_exit(None, master_side[0])  # the idle one died, say

        assert gunicorn_worker.board[master_side[0].board_slot] == NOT_SERVING
        assert busy.max_keepalived == 996
    finally:
        for worker in master_side:
            gunicorn_worker.child_exit(None, worker)


# -- the gunicorn internals the worker overrides -------------------------------------------------


def test_gunicorn_threadworker_keeps_the_internals_the_worker_overrides():
    """BalancingWorker turns ThreadWorker's ``nr_conns`` (its count of held connections) and
    ``max_keepalived`` (0 closes after the response) into properties: gunicorn must still set,
    count and consult them where the worker expects."""
    source = {name: inspect.getsource(getattr(ThreadWorker, name)) for name in ("accept", "handle_request")}
    require(
        "gunicorn", "self.nr_conns += 1" in source["accept"], "ThreadWorker.accept no longer counts nr_conns"
    )
    require(
        "gunicorn",
        "self.nr_conns -= 1" in inspect.getsource(ThreadWorker.finish_request),
        "ThreadWorker.finish_request no longer counts nr_conns down",
    )
    require(
        "gunicorn",
        re.search(r">= self\.max_keepalived:\s+resp\.force_close\(\)", source["handle_request"]) is not None,
        "ThreadWorker.handle_request no longer closes the connection when max_keepalived is reached",
    )
    require("gunicorn", "run" in vars(ThreadWorker), "ThreadWorker.run is gone")
    settings = {setting.name: setting for setting in gunicorn.config.KNOWN_SETTINGS}
    for hook in ("pre_fork", "child_exit"):  # public hooks, but the worker's slots hang on them
        arity = len(inspect.signature(settings[hook].default).parameters) if hook in settings else None
        require("gunicorn", arity == 2, f"the {hook}(server, worker) server hook changed")
    # gunicorn's own __init__ sets both through the worker's properties
    worker = BalancingWorker(1, os.getpid(), [], None, 30, Config(), None)
    try:
        require("gunicorn", worker.nr_conns == 0, "ThreadWorker.__init__ no longer sets nr_conns")
        require(
            "gunicorn",
            worker.max_keepalived == worker.cfg.worker_connections - worker.cfg.threads,
            "ThreadWorker.__init__ no longer sets max_keepalived",
        )
    finally:
        worker.tmp.close()
