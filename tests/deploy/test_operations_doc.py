"""docs/operations.md documents every setting habits/config.py reads (its reference table is
generated from the code: scripts/config_reference.py), and the README links it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from habits import config as settings
from habits.ratelimits import SETTINGS as LIMIT_SETTINGS

ROOT = Path(__file__).resolve().parent.parent.parent
DOC = ROOT / "docs" / "operations.md"


def test_the_configuration_reference_is_the_codes():
    result = subprocess.run(
        [sys.executable, "scripts/config_reference.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_setting_has_a_row_with_its_default_and_production_rule():
    rows = {
        line.split("`")[1]: line for line in DOC.read_text().splitlines() if line.startswith("| `STREAKPOT_")
    }
    names = [name for name in vars(settings.Config) if name.isupper()] + list(LIMIT_SETTINGS.values())
    for name in names:
        variable = name if name == "STREAKPOT_ENV" else f"STREAKPOT_{name}"
        assert variable in rows, f"{variable} is not documented in docs/operations.md"
        cells = [cell.strip() for cell in rows[variable].split(" | ")]
        assert cells[1] and cells[-1].rstrip("|").strip(), f"{variable} lacks its default or rule"


def test_the_operations_guide_has_its_sections_and_the_readme_links_it():
    text = DOC.read_text()
    headings = ("Installing with containers", "Installing with systemd", "Configuration reference",
                "Upgrading", "Backup and restore", "Rotating secrets", "Scaling out",
                "When something fails")  # fmt: skip
    for heading in headings:
        assert f"## {heading}" in text
    assert "docs/operations.md" in (ROOT / "README.md").read_text()
