"""Where the edges keep photos and how they hand one out (the API and the pages alike).

``photo_store()`` is the app's one folder of photos (instance/photos). ``stored_photo`` finds a
row's photo file or says why there is none; ``send_photo`` answers with it under headers that
keep a browser from running or sniffing it, and from keeping a copy.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, send_file

from habits.services import photos


class NoPhoto(LookupError):
    """The row has no photo (or one of a type we never serve)."""


class PhotoMissing(LookupError):
    """The row names a photo whose file is gone."""


def photo_store() -> photos.PhotoStore:
    return photos.PhotoStore(Path(current_app.instance_path) / "photos")


def stored_photo(photo_path: str | None, content_type: str | None) -> Path:
    """The file of a stored photo; NoPhoto or PhotoMissing when there is none to send."""
    if not photo_path or content_type not in photos.TYPES:
        raise NoPhoto(photo_path)
    try:
        path = photo_store().path(photo_path)
    except ValueError:
        raise NoPhoto(photo_path) from None
    if not path.is_file():
        raise PhotoMissing(photo_path)
    return path


def send_photo(path: Path, content_type: str, *, inline: bool = False) -> Response:
    response = send_file(path, mimetype=content_type, conditional=False, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if inline:
        response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, no-store"
    return response
