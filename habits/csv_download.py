"""The edges' one way to hand out a streamed CSV export (the API's and the pages' routes)."""

from __future__ import annotations

from flask import Response, stream_with_context

from habits.domain.csv_cells import stream_csv
from habits.services.community_health.exports import Export


def csv_response(export: Export) -> Response:
    """``export`` streamed as CSV: chunks are written as the cursor yields rows, inside the
    request's context (its database session stays open until the last chunk)."""
    return Response(
        stream_with_context(stream_csv(export.lines())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
