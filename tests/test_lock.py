"""requirements.lock (production's exact versions, scripts/lock) agrees with pyproject.toml.

Every direct dependency, and every package an extra it names brings in, is pinned exactly
(``==``) at a version inside pyproject.toml's range; every line of the lock is such a pin.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import requires
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
#: the Python the Dockerfile runs (python:3.11-slim)
PRODUCTION_PYTHON = {
    "python_version": "3.11",
    "python_full_version": "3.11.14",
    "implementation_name": "cpython",
}


def locked() -> dict[str, list[tuple[Version, Marker | None]]]:
    pins: dict[str, list[tuple[Version, Marker | None]]] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"not an exact pin: {line}"
        pins.setdefault(canonicalize_name(requirement.name), []).append(
            (Version(specifiers[0].version), requirement.marker)
        )
    return pins


def pin_for_production(pins, name: str) -> Version | None:
    for version, marker in pins.get(canonicalize_name(name), []):
        if marker is None or marker.evaluate(PRODUCTION_PYTHON):
            return version
    return None


def direct_dependencies() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"]]


def test_every_direct_dependency_is_pinned_within_its_range():
    pins = locked()
    wrong = []
    for requirement in direct_dependencies():
        version = pin_for_production(pins, requirement.name)
        if version is None:
            wrong.append(f"{requirement.name} is not in requirements.lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement.name}=={version} is outside {requirement.specifier}")
    assert not wrong, "run scripts/lock: " + "; ".join(wrong)


def test_the_extras_asked_for_are_locked_too():
    pins = locked()
    missing = []
    for requirement in direct_dependencies():
        for extra in requirement.extras:
            for text in requires(requirement.name) or []:
                brought = Requirement(text)
                if (
                    brought.marker
                    and brought.marker.evaluate({**PRODUCTION_PYTHON, "extra": extra})
                    and not (brought.marker.evaluate({**PRODUCTION_PYTHON, "extra": ""}))
                ):
                    version = pin_for_production(pins, brought.name)
                    if version is None or not brought.specifier.contains(version, prereleases=True):
                        missing.append(f"{requirement.name}[{extra}] needs {brought}")
    assert not missing, "run scripts/lock: " + "; ".join(missing)


def test_the_lock_names_nothing_twice_for_one_python():
    pins = locked()
    doubled = [name for name, entries in pins.items() if sum(
        marker is None or marker.evaluate(PRODUCTION_PYTHON) for _, marker in entries) > 1]  # fmt: skip
    assert not doubled
