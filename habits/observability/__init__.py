"""What an operator sees: request logs with ids, Prometheus metrics, readiness, the heartbeat.

``init_observability`` wires the request log and the readiness checks; ``start_heartbeat``
starts the web node's heartbeat where the process serves (habits/observability/heartbeat.py).
"""

from __future__ import annotations

from flask import Flask

from habits.observability.heartbeat import start_heartbeat
from habits.observability.readiness import add_readiness_check, install_default_checks
from habits.observability.requests import init_request_observation

__all__ = ["add_readiness_check", "init_observability", "start_heartbeat"]


def init_observability(app: Flask) -> None:
    init_request_observation(app)
    install_default_checks(app)
