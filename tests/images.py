"""Real, tiny images for tests that upload photos (photos are decoded and re-encoded, so the
bytes must be an image, not just its magic number)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from PIL.PngImagePlugin import PngInfo

#: EXIF's GPS IFD and its latitude tag (what a phone writes: where the photo was taken)
GPS_IFD = 0x8825
GPS_LATITUDE = 2


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", GPS_LATITUDE: (31.0, 14.0, 2.5), 3: "E", 4: (121.0, 28.0, 0.0)})
    return exif


def image_bytes(fmt: str, *, size=(16, 12), mode="RGB", exif: Image.Exif | None = None, **save) -> bytes:
    image = Image.new(mode, size, (200, 120, 40) if mode == "RGB" else None)
    out = io.BytesIO()
    if exif is not None:
        save["exif"] = exif.tobytes()
    image.save(out, fmt, **save)
    return out.getvalue()


def jpeg(**kwargs) -> bytes:
    return image_bytes("JPEG", **kwargs)


def png(**kwargs) -> bytes:
    return image_bytes("PNG", **kwargs)


def webp(**kwargs) -> bytes:
    return image_bytes("WEBP", **kwargs)


def png_with_text(text: str) -> bytes:
    info = PngInfo()
    info.add_text("Comment", text)
    return image_bytes("PNG", pnginfo=info)


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header that claims ``width`` x ``height`` pixels, with almost no data: decoding
    it would allocate width * height * 3 bytes (a decompression bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )
