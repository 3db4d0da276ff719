"""QR code images (PNG) of a link, for personal invitations: scanned from a phone screen or print.

Error correction M (a smudged print still reads), ``BOX`` pixels a module and the standard
4-module quiet zone, drawn by qrcode with Pillow.
"""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage

#: pixels per module
BOX = 8
BORDER = 4


def qr_matrix(text: str) -> list[list[bool]]:
    """The code's modules (True: dark), without the quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def qr_png(text: str) -> bytes:
    """A PNG of ``text``'s QR code."""
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, box_size=BOX, border=BORDER, image_factory=PilImage
    )
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return out.getvalue()
