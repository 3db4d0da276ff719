"""Check-in photos: decoded and re-encoded with Pillow, stored under instance/photos.

The client's file name and content type are never trusted. What is stored is not the upload
but a new image Pillow drew from it:

- the type is what the first bytes say (JPEG, PNG or WebP, nothing else), and Pillow must agree;
- the decoded size is bounded *before* any pixel is decoded (``MAX_PIXELS``: a 5 MB file can
  claim 60,000 x 60,000 pixels and take gigabytes to decode, a "decompression bomb");
- the pixels are re-encoded in the same type, at most ``MAX_SIDE`` pixels on the long side,
  turned upright as the camera's orientation tag said, and *without* any metadata: EXIF (with
  the GPS position a phone writes into every photo), XMP, comments, text chunks;
- what does not decode (a JPEG header followed by anything else, a truncated file) is refused.

Every refusal is InvalidInput (422) on the field ``photo`` with a stable code the pages translate.

Where photos are kept is the edges' choice (``PhotoStorage``): ``PhotoStore`` writes them under a
random name without any execute bit under ``instance/photos/<challenge id>/``, which is not a
static folder (the demo's default); ``habits.storage.s3`` keeps them in an S3 bucket. A row
stores the same relative name ``<challenge id>/<random>.<ext>`` either way, so moving the photos
from one to the other is a copy. A store that cannot be reached raises StoreUnavailable (503).
"""

from __future__ import annotations

import io
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

from habits.services.errors import FieldError, InvalidInput

#: content type -> extension, for the types we accept
TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
#: content type -> Pillow's name of the format
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
#: the most pixels a photo may claim before it is decoded (a 50-megapixel phone photo passes)
MAX_PIXELS = 60_000_000
#: stored photos are at most this many pixels on their long side (a check-in is looked at, not printed)
MAX_SIDE = 2048
#: what Pillow's decoders raise on a file that is not what it claims, or is cut short
UNDECODABLE = (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError)


@dataclass(frozen=True)
class Photo:
    """A photo re-encoded from an upload: ``data`` holds no byte the client chose."""

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


def _refuse(code: str, message: str, **params) -> InvalidInput:
    return InvalidInput(message, errors={"photo": [FieldError(code, message, **params)]})


def accept_photo(data: bytes, *, max_bytes: int, max_pixels: int = MAX_PIXELS) -> Photo:
    """Check size and type, decode, and re-encode without metadata; InvalidInput (422, field
    ``photo``) for anything else."""
    if not data:
        raise _refuse("photo_empty", "The photo is empty.")
    if len(data) > max_bytes:
        kib = max_bytes // 1024
        raise _refuse("photo_too_large", f"The photo is larger than {kib} KiB.", max_kib=kib)
    content_type = sniff(data)
    if content_type is None:
        raise _refuse("photo_not_an_image", "The photo must be a JPEG, PNG or WebP image.")
    return Photo(_reencode(data, content_type, max_pixels), content_type)


def _reencode(data: bytes, content_type: str, max_pixels: int) -> bytes:
    fmt = FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check warns below its hard limit; ours below is stricter
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size  # read from the header: nothing decoded yet
                if width * height > max_pixels:
                    raise _too_many_pixels(max_pixels)
                if fmt == "JPEG":
                    image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode a large JPEG at 1/2, 1/4, 1/8
                image.load()
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((MAX_SIDE, MAX_SIDE))
                return _encode(upright, fmt)
    except InvalidInput:
        raise
    except Image.DecompressionBombError:  # Pillow's own hard limit, met before ours in Image.open
        raise _too_many_pixels(max_pixels) from None
    except UNDECODABLE:
        raise _refuse(
            "photo_not_decodable", "The photo could not be read as an image: it may be damaged or cut short."
        ) from None


def _too_many_pixels(max_pixels: int) -> InvalidInput:
    megapixels = max_pixels // 1_000_000
    message = f"The photo has too many pixels: at most {megapixels} megapixels."
    return _refuse("photo_too_many_pixels", message, megapixels=megapixels)


def _encode(image: Image.Image, fmt: str) -> bytes:
    """``image``'s pixels alone in ``fmt``: no EXIF, XMP, ICC, comment or text is carried over."""
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")  # the transparency lives in ``info``, which goes
    image.info.clear()
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85)
    elif fmt == "PNG":
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGBA")
        image.save(out, "PNG")
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


class PhotoStorage(Protocol):
    """Where photos are kept: the local folder (``PhotoStore``) or an S3 bucket."""

    def save(self, challenge_id: int, photo: Photo) -> str:
        """Store the photo under a fresh random name; returns the name a row keeps."""

    def read(self, relative: str) -> bytes:
        """The photo's bytes: FileNotFoundError when it is gone, ValueError for a name that is
        not one of ours, StoreUnavailable when the store cannot be reached."""

    def delete(self, relative: str) -> None:
        """Remove the photo (nothing when it is already gone)."""


def new_name(challenge_id: int, photo: Photo) -> str:
    """A fresh random name for a photo of ``challenge_id``: ``<challenge id>/<random>.<ext>``."""
    return f"{int(challenge_id)}/{secrets.token_hex(16)}.{photo.extension}"


def checked_name(relative: str) -> str:
    """``relative`` when it is a plain relative name (no ``..``, no leading slash), else ValueError."""
    parts = PurePosixPath(relative).parts
    if not parts or relative.startswith("/") or "\\" in relative or any(p in ("..", ".") for p in parts):
        raise ValueError(f"photo name {relative!r} is not a relative name in the store")
    return relative


class PhotoStore:
    """Photos on disk under ``root`` (instance/photos); paths stored are relative to it."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def save(self, challenge_id: int, photo: Photo) -> str:
        """Write the photo under a fresh random name; returns its path relative to ``root``."""
        folder = self.root / str(int(challenge_id))
        folder.mkdir(parents=True, exist_ok=True)
        relative = new_name(challenge_id, photo)
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

    def read(self, relative: str) -> bytes:
        path = self.path(relative)
        if not path.is_file():
            raise FileNotFoundError(relative)
        return path.read_bytes()

    def delete(self, relative: str) -> None:
        try:
            self.path(relative).unlink()
        except (FileNotFoundError, ValueError):
            pass
