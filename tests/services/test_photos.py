"""Photos are decoded and re-encoded with Pillow: no EXIF (a phone's GPS position) survives,
what does not decode is refused with a field message, and the pixel count is bounded before
anything is decoded."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from habits.services.errors import InvalidInput
from habits.services.photos import accept_photo
from tests import images

MB = 1024 * 1024


def _refusal(data: bytes, **kwargs) -> str:
    with pytest.raises(InvalidInput) as refused:
        accept_photo(data, max_bytes=MB, **kwargs)
    [error] = refused.value.errors["photo"]
    return error.code


@pytest.mark.parametrize("make", [images.jpeg, images.png, images.webp])
def test_a_photo_with_gps_exif_comes_back_without_any_exif(make):
    data = make(exif=images.exif_with_gps())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(images.GPS_IFD)  # the upload has a position
    stored = accept_photo(data, max_bytes=MB).data
    reread = Image.open(io.BytesIO(stored))
    assert dict(reread.getexif()) == {} and "exif" not in reread.info
    assert b"PhoneMaker" not in stored and b"Exif" not in stored


def test_text_hidden_in_a_png_is_not_carried_over():
    stored = accept_photo(images.png_with_text("meet me at 31.23N 121.47E"), max_bytes=MB).data
    assert b"121.47E" not in stored and Image.open(io.BytesIO(stored)).info == {}


def test_a_png_is_stored_re_encoded_as_a_png():
    # stored uncompressed, with an HTML page after its end (a polyglot): neither survives
    data = images.png(size=(30, 20), compress_level=0) + b"<html><script>alert(1)</script></html>"
    photo = accept_photo(data, max_bytes=MB)
    assert photo.content_type == "image/png" and photo.extension == "png"
    assert b"<script>" not in photo.data and len(photo.data) < len(data)  # Pillow wrote it anew
    reread = Image.open(io.BytesIO(photo.data))
    assert reread.format == "PNG" and reread.size == (30, 20)
    assert reread.getpixel((0, 0)) == (200, 120, 40)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xff\xd8\xff\xe0" + b"\x00" * 64, id="jpeg header and zeros"),
        pytest.param(b"\xff\xd8\xff" + b"<script>alert(1)</script>" * 10, id="jpeg header and a script"),
        pytest.param(images.jpeg()[:60], id="jpeg cut short"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, id="png header and garbage"),
        pytest.param(b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64, id="webp header and zeros"),
        pytest.param(images.png()[:8] + images.jpeg()[8:], id="png header on a jpeg"),
    ],
)
def test_a_file_that_only_starts_like_an_image_is_refused(data):
    assert _refusal(data) == "photo_not_decodable"


def test_the_pixel_count_is_bounded_before_decoding():
    assert _refusal(images.png_claiming(60_000, 60_000)) == "photo_too_many_pixels"  # Pillow's own limit
    assert _refusal(images.png_claiming(5000, 5000), max_pixels=20_000_000) == "photo_too_many_pixels"


def test_a_large_photo_is_stored_at_most_max_side_and_upright():
    rotated = Image.Exif()
    rotated[0x0112] = 6  # the camera was held sideways: turn 90 degrees
    photo = accept_photo(images.jpeg(size=(4000, 1000), exif=rotated), max_bytes=8 * MB)
    assert Image.open(io.BytesIO(photo.data)).size == (512, 2048)
