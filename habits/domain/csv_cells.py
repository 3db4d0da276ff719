"""Every CSV the service writes goes through here, so a spreadsheet opens it as text.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` is a formula to Excel, LibreOffice and
Google Sheets: a display name or a check-in note such as ``=HYPERLINK("https://evil.example")``
would run when an organizer opens an export (CSV injection). Such a text cell is written with a
leading ``'``, which the spreadsheet reads as "this is text" and does not show. Tab and carriage
return start a formula in some spreadsheets too (OWASP), so they are escaped the same way.

Numbers stay numbers: an ``int``, ``float`` or ``Decimal`` of -500 is our own figure, not someone's text,
and a spreadsheet must be able to add it up. Pass amounts as numbers, never preformatted.
``tests/domain/test_csv_cells.py`` holds that nothing else in ``habits`` imports ``csv``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` as a CSV cell: text beginning with a formula sign gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_rows(stream: TextIO, rows: Iterable[Iterable[object]]) -> None:
    """Write ``rows`` (the header first, if any) to ``stream``, every cell through ``safe_cell``."""
    writer = csv.writer(stream)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """``rows`` as CSV text (for a download response)."""
    stream = io.StringIO()
    write_rows(stream, rows)
    return stream.getvalue()


#: rows written to one chunk of a streamed CSV
CHUNK_ROWS = 500


def stream_csv(rows: Iterable[Iterable[object]], *, chunk_rows: int = CHUNK_ROWS) -> Iterator[str]:
    """``rows`` as CSV text in chunks of ``chunk_rows`` rows (a streamed download: however many
    rows, only one chunk is in memory), every cell through ``safe_cell``."""
    stream = io.StringIO()
    writer = csv.writer(stream)
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(value) for value in row])
        if count % chunk_rows == 0:
            yield stream.getvalue()
            stream.seek(0)
            stream.truncate()
    if stream.tell():
        yield stream.getvalue()
