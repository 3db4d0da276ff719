"""Helpers of the notification tests: what members were told, what is queued, a browser's keys."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from habits.models import Notification, PushDelivery, PushSubscription
from habits.vapid_keys import b64url

_devices = itertools.count(1)


def told(session, recipient_id: int | None = None, kind: str | None = None) -> list[Notification]:
    """Notifications (of member ``recipient_id``, of ``kind``), oldest first, read afresh."""
    query = select(Notification).order_by(Notification.id).execution_options(populate_existing=True)
    if recipient_id is not None:
        query = query.where(Notification.recipient_id == recipient_id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(session.scalars(query))


def kinds_told(session, recipient_id: int) -> list[str]:
    """The kinds of the member's notifications, oldest first, badges left out (a settled day may
    award some: tests/progress says which)."""
    return [n.kind for n in told(session, recipient_id) if not n.kind.startswith("badge_")]


def deliveries(session) -> list[PushDelivery]:
    query = select(PushDelivery).order_by(PushDelivery.id).execution_options(populate_existing=True)
    return list(session.scalars(query))


class BrowserKeys:
    """What a browser makes when it subscribes: a P-256 key pair and a 16-byte auth secret."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.secret = os.urandom(16)
        self.p256dh, self.auth = b64url(public), b64url(self.secret)

    def decrypt(self, body: bytes) -> bytes:
        """The payload of a push encrypted for this browser (RFC 8291, aes128gcm)."""
        return http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.secret, version="aes128gcm"
        )


def add_device(session, member_id: int, *, endpoint: str | None = None, keys: BrowserKeys | None = None):
    """A push subscription written directly; its keys are returned beside it."""
    keys = keys or BrowserKeys()
    device = PushSubscription(
        member_id=member_id,
        endpoint=endpoint or f"https://127.0.0.1:9/push/device-{next(_devices)}",
        p256dh=keys.p256dh,
        auth=keys.auth,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    session.add(device)
    session.commit()
    return device, keys
