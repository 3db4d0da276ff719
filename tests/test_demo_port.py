"""`scripts/demo` serves on the port it prints: the one asked for, or a free one when it is taken."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def _pick(wanted: int) -> int:
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / "free_port.py"), str(wanted)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout)


def test_a_free_port_is_kept_and_a_taken_one_is_replaced_by_a_free_one():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        other = _pick(busy)
        assert other != busy and other > 0
        with socket.socket() as check:  # the port it printed can really be served on
            check.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            check.bind(("127.0.0.1", other))
    assert _pick(busy) == busy  # free again: kept


def test_the_demo_says_the_port_it_serves_on_when_the_default_is_taken(tmp_path):
    """scripts/demo itself, in a copy of the project whose installer and flask are stand-ins (the
    stand-in flask says where `flask run` was asked to serve)."""
    (tmp_path / "scripts").mkdir()
    for name in ("demo", "free_port.py"):
        (tmp_path / "scripts" / name).write_text((SCRIPTS / name).read_text())
    (tmp_path / "scripts" / "demo").chmod(0o755)
    _stand_in(tmp_path / "scripts" / "bootstrap", "exit 0")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    _stand_in(tmp_path / ".venv" / "bin" / "flask", 'if [ "$1" = run ]; then echo "flask run $*"; fi')
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        result = subprocess.run(
            [str(tmp_path / "scripts" / "demo")],
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", "PORT": str(busy)},
            check=True,
        )
    said = result.stdout.splitlines()
    assert said[0].startswith(f"Port {busy} is taken: serving on port ")
    port = int(said[0].removeprefix(f"Port {busy} is taken: serving on port ").removesuffix(" instead."))
    assert said[1].startswith(f"Streakpot demo: http://127.0.0.1:{port} ")
    assert said[2] == f"flask run run --host 127.0.0.1 --port {port}"


def _stand_in(path: Path, body: str) -> None:
    path.write_text(f"#!/usr/bin/env bash\n{body}\n")
    path.chmod(0o755)
