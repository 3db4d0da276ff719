"""Where the edges keep photos and how they hand one out (the API and the pages alike).

``init_photo_storage`` picks the app's one store by PHOTO_STORAGE: the local folder
instance/photos (the demo's default) or an S3 bucket (``habits.storage.s3``; /readyz then checks
it). ``photo_store()`` is that store; ``stored_photo`` reads a row's photo or says why there is
none; ``send_photo`` answers with it under headers that keep a browser from running or sniffing
it, and from keeping a copy.

Photos in a bucket are streamed through the app, not handed out as presigned URLs: the route's
authorization (SPEC's "Who sees what") then decides every read, as with the folder. A signed URL
would be a bearer link that still opens a photo after it was made private or its account was
deleted, until it expires, and the pages' CSP would have to allow the bucket.

Share cards, once cached, use ``file_objects("cards/")``: put, get and delete under their own
prefix of the same bucket, or of instance/ with the local store (``habits.storage``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, current_app

from habits.observability import add_readiness_check
from habits.services import photos
from habits.storage import s3
from habits.storage.local import LocalObjects

PHOTO_STORE_KEY = "streakpot_photo_store"
_CLIENT_KEY = "streakpot_s3_client"


class NoPhoto(LookupError):
    """The row has no photo (or one of a type we never serve)."""


class PhotoMissing(LookupError):
    """The row names a photo whose file is gone."""


def init_photo_storage(app: Flask) -> None:
    if app.config["PHOTO_STORAGE"] == "s3":
        app.extensions[_CLIENT_KEY] = s3.client_from_config(app.config)
        objects = s3.S3Objects(app.extensions[_CLIENT_KEY], app.config["S3_BUCKET"], s3.PHOTOS_PREFIX)
        app.extensions[PHOTO_STORE_KEY] = s3.S3PhotoStore(objects)
        add_readiness_check(app, "object_store", objects.check)
    else:
        app.extensions[PHOTO_STORE_KEY] = photos.PhotoStore(Path(app.instance_path) / "photos")


def photo_store() -> photos.PhotoStorage:
    return current_app.extensions[PHOTO_STORE_KEY]


def file_objects(prefix: str) -> s3.S3Objects | LocalObjects:
    """Files under ``prefix`` (e.g. "cards/") where PHOTO_STORAGE keeps photos: the bucket, or
    the instance folder. Both put, get (FileNotFoundError when missing) and delete; the bucket
    raises StoreUnavailable (503) when it cannot be reached."""
    client = current_app.extensions.get(_CLIENT_KEY)
    if client is not None:
        return s3.S3Objects(client, current_app.config["S3_BUCKET"], prefix)
    return LocalObjects(Path(current_app.instance_path) / prefix)


def stored_photo(photo_path: str | None, content_type: str | None) -> bytes:
    """A stored photo's bytes; NoPhoto or PhotoMissing when there is none to send, StoreUnavailable
    (503) when the store cannot be reached."""
    if not photo_path or content_type not in photos.TYPES:
        raise NoPhoto(photo_path)
    try:
        return photo_store().read(photo_path)
    except ValueError:
        raise NoPhoto(photo_path) from None
    except FileNotFoundError:
        raise PhotoMissing(photo_path) from None


def send_photo(data: bytes, content_type: str, *, inline: bool = False) -> Response:
    response = Response(data, mimetype=content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if inline:
        response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, no-store"
    return response
