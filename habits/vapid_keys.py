"""The server's VAPID key pair (RFC 8292): push services accept our pushes because they are
signed with it, and browsers subscribe with its public half (the ``applicationServerKey``).

The private key is a setting (``VAPID_PRIVATE_KEY``): base64url of its 32-byte P-256 scalar,
required in production, generated once into instance/ for the demo and tests (habits.config).
``python -m habits.vapid_keys`` prints a new one.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_private_key() -> str:
    """A new VAPID private key, as the setting holds it."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def load_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """The key a setting holds; ValueError when it is not one."""
    raw = _unb64url(text.strip())
    if len(raw) != 32:
        raise ValueError("a VAPID private key is 32 bytes, written in base64url")
    return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())


def public_key(private_text: str) -> str:
    """The public half, as browsers take it (``applicationServerKey``: the uncompressed point)."""
    point = (
        load_private_key(private_text)
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return b64url(point)


if __name__ == "__main__":
    print(new_private_key())
