"""Every refusal class the application defines (for the tests of refusal codes)."""

from __future__ import annotations

import importlib
import pkgutil

import habits
from habits.services.errors import HabitsError


def import_all_of_habits() -> None:
    """Import every module under ``habits`` so every refusal class is defined."""
    for module in pkgutil.walk_packages(habits.__path__, prefix="habits."):
        importlib.import_module(module.name)


def all_refusals() -> list[type[HabitsError]]:
    """HabitsError and all its subclasses, recursively, once every habits module is imported."""
    import_all_of_habits()
    found, todo = [], [HabitsError]
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.append(cls)
            todo.extend(cls.__subclasses__())
    return found
