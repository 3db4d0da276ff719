"""Check-in photos: recognised by their magic bytes, stored under instance/photos, served as stored.

The client's file name and content type are never trusted: the type is what the first bytes
say (JPEG, PNG or WebP, nothing else), the name is random, and the file is written without any
execute bit under ``instance/photos/<challenge id>/``, which is not a static folder.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from habits.services.errors import InvalidInput

#: content type -> extension, for the types we accept
TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


@dataclass(frozen=True)
class Photo:
    """An uploaded photo whose type was recognised from its bytes."""

    data: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return TYPES[self.content_type]


def sniff(data: bytes) -> str | None:
    """The image type the bytes start with (JPEG, PNG, WebP), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def accept_photo(data: bytes, *, max_bytes: int) -> Photo:
    """Check size and type; InvalidInput (422, field ``photo``) for anything else."""
    if not data:
        raise InvalidInput("The photo is empty.", errors={"photo": ["The photo is empty."]})
    if len(data) > max_bytes:
        message = f"The photo is larger than {max_bytes // 1024} KiB."
        raise InvalidInput(message, errors={"photo": [message]})
    content_type = sniff(data)
    if content_type is None:
        message = "The photo must be a JPEG, PNG or WebP image."
        raise InvalidInput(message, errors={"photo": [message]})
    return Photo(data, content_type)


class PhotoStore:
    """Photos on disk under ``root`` (instance/photos); paths stored are relative to it."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def save(self, challenge_id: int, photo: Photo) -> str:
        """Write the photo under a fresh random name; returns its path relative to ``root``."""
        folder = self.root / str(int(challenge_id))
        folder.mkdir(parents=True, exist_ok=True)
        relative = f"{int(challenge_id)}/{secrets.token_hex(16)}.{photo.extension}"
        # "x": never overwrite; 0o640: readable by the service, never executable.
        fd = os.open(self.root / relative, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        with os.fdopen(fd, "wb") as file:
            file.write(photo.data)
        return relative

    def path(self, relative: str) -> Path:
        """The absolute path of a stored photo, refusing anything that leaves ``root``."""
        full = (self.root / relative).resolve()
        if self.root.resolve() not in full.parents:
            raise ValueError(f"photo path {relative!r} leaves the photo folder")
        return full

    def delete(self, relative: str) -> None:
        try:
            self.path(relative).unlink()
        except (FileNotFoundError, ValueError):
            pass
