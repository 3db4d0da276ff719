"""A gthread worker that hands a keep-alive connection back when it holds more than its share.

gunicorn's workers share one listening socket, and whichever worker's ``accept`` runs first gets
the connection. Keep-alive connections then stay with that worker for good: a proxy's upstream
pool or a load generator opening 16 connections at once was seen split 5/11, even 1/15, across two
workers. Each worker is one core (the GIL), so the members behind the fuller worker wait longer:
the worst splits made the check-in benchmark's worst p99 rounds (docs/benchmarks.md).

Here every worker publishes how many connections it holds on a board in shared memory. A worker
holding two or more above some sibling answers ``Connection: close``; the client (browser,
proxy, wrk) reconnects and the accept race deals the connection again, until the split is
within one. Nothing changes for connections that close after each request anyway. Only accepting
while holding the fewest was tried first: it cut such traffic from 8,500 to 2,600 requests/s,
as the one worker allowed to accept waited for its own GIL.

Used through ``gunicorn.conf.py`` beside it, which sets ``worker_class`` and the two master hooks
below. Without the hooks (no slot on the board) the worker behaves exactly as gunicorn's gthread.
This is deployment, not product: it lives beside the configuration, outside the ``habits``
package, and it overrides gunicorn internals (``ThreadWorker.nr_conns`` and ``max_keepalived``),
which tests/test_gunicorn_worker.py checks against the installed gunicorn.
"""

from __future__ import annotations

from multiprocessing.sharedctypes import RawArray

from gunicorn.workers.gthread import ThreadWorker

SLOTS = 64  # more live workers than this share nothing and fall back to plain gthread
NOT_SERVING = 2**31 - 1  # an empty slot reads as a worker holding more than anyone ever will
# Anonymous shared memory made in the master at import, so every forked worker sees the same one.
board = RawArray("i", [NOT_SERVING] * SLOTS)
_slots_held: dict[int, int] = {}  # master only: worker age -> slot


def pre_fork(server, worker) -> None:
    """Master hook: give the worker about to be forked a free slot (it publishes once serving)."""
    free = set(range(SLOTS)) - set(_slots_held.values())
    if not free:
        return
    slot = min(free)
    _slots_held[worker.age] = slot
    board[slot] = NOT_SERVING
    worker.board_slot = slot


def child_exit(server, worker) -> None:
    """Master hook: a worker is gone, however it went: its last count no longer counts."""
    slot = _slots_held.pop(worker.age, None)
    if slot is not None:
        board[slot] = NOT_SERVING


class BalancingWorker(ThreadWorker):
    board_slot: int | None = None  # set by pre_fork in the master, inherited by the child
    _publishing = False  # true in the child once it serves: the master's copy never writes

    # ThreadWorker keeps its count in ``nr_conns`` (+= on accept, -= on close); every change
    # is also written to the board.
    @property
    def nr_conns(self) -> int:
        return self._nr_conns

    @nr_conns.setter
    def nr_conns(self, value: int) -> None:
        self._nr_conns = value
        if self._publishing:
            board[self.board_slot] = value

    # ThreadWorker closes the connection after the response (Connection: close) once this many
    # are kept alive; 0 closes it at once.
    @property
    def max_keepalived(self) -> int:
        if self._publishing and self.holds_more_than_its_share():
            return 0
        return self._max_keepalived

    @max_keepalived.setter
    def max_keepalived(self, value: int) -> None:
        self._max_keepalived = value

    def run(self) -> None:
        self.start_publishing()
        super().run()

    def start_publishing(self) -> None:
        """In the serving child: from now on every change of the count goes on the board."""
        if self.board_slot is not None:
            self._publishing = True
            self.nr_conns = self._nr_conns

    def holds_more_than_its_share(self) -> bool:
        """Two or more connections above some sibling: one fewer here still leaves it even."""
        return min(board[:]) < self._nr_conns - 1
