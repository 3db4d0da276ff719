"""CSV cells are safe to open in a spreadsheet (issue 13, "the class, not just the list")."""

from __future__ import annotations

import ast
import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from habits.domain.csv_cells import csv_text, safe_cell, write_rows

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("https://evil.example","click")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "=", "-"],
)
def test_text_that_a_spreadsheet_would_run_is_escaped(text):
    assert safe_cell(text) == "'" + text
    (row,) = csv.reader(io.StringIO(csv_text([["name", text]])))
    assert row == ["name", "'" + text]


@pytest.mark.parametrize("text", ["Mei", "70.50", "a=b", " =1", "Day 1", "", "'quoted", "中文"])
def test_other_text_is_written_as_it_is(text):
    assert safe_cell(text) == text


def test_numbers_stay_numbers_and_none_is_empty():
    assert [safe_cell(v) for v in (-500, 0, Decimal("-70.50"), True, None)] == [
        -500,
        0,
        Decimal("-70.50"),
        True,
        "",
    ]
    stream = io.StringIO()
    write_rows(stream, [["amount_minor", "note"], [-500, "-500"], [None, "=cmd|' /C calc'!A0"]])
    assert stream.getvalue().splitlines() == [
        "amount_minor,note",
        "-500,'-500",
        ",'=cmd|' /C calc'!A0",
    ]


def test_no_other_module_of_the_service_writes_csv():
    """Any CSV habits writes goes through habits.domain.csv_cells: nothing else imports csv."""
    found = []
    for path in sorted((ROOT / "habits").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            if any(name == "csv" or name.startswith("csv.") for name in names):
                found.append(str(path.relative_to(ROOT)))
    assert found == ["habits/domain/csv_cells.py"]
