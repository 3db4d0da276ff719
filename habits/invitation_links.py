"""A personal invitation's link and its QR code image: one home for the API and the pages.

The link is the community's page with the code filled in (``?invite=``); the QR image encodes it.
"""

from __future__ import annotations

from flask import Response, url_for

from habits.qr_images import qr_png


def invitation_link(community_id: int, code: str) -> str:
    return url_for("web.community", community_id=community_id, invite=code, _external=True)


def qr_response(community_id: int, code: str) -> Response:
    """The PNG of the link's QR code (private: only its member and the organizers fetch it)."""
    response = Response(qr_png(invitation_link(community_id, code)), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
