"""A member's devices for Web Push: subscribe (once per browser), unsubscribe, the policy on
where the server may send pushes.

A browser's push subscription names an endpoint URL that the server then POSTs to, so it is
an outbound URL a client chose: it is checked as one (``habits.services.outbound_urls``: https,
a public address, and in production a known push service's host) when it is given and again
before each push. Its keys (RFC 8291) are checked to be what a browser makes: a P-256 public
point and a 16-byte auth secret, so a push never fails later on a key that cannot work.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from habits.models import Member, PushSubscription
from habits.services.errors import FieldError, InvalidInput, NotFound
from habits.services.outbound_urls import OutboundPolicy, check_outbound_url

#: the outbound URL kind of push endpoints (setting OUTBOUND_URL_HOSTS["web_push"])
URL_KIND = "web_push"
#: the push services of the browsers people use, allowed in production unless the setting
#: OUTBOUND_URL_HOSTS names its own list for "web_push"
KNOWN_PUSH_HOSTS = (
    "fcm.googleapis.com",  # Chrome, Edge on Android, most Chromium browsers
    "updates.push.services.mozilla.com",  # Firefox
    ".push.apple.com",  # Safari
    ".notify.windows.com",  # Edge on Windows
)
#: devices one member may have subscribed; a new one beyond this replaces their oldest
MAX_DEVICES = 20


def push_policy(settings: Mapping) -> OutboundPolicy:
    """Where pushes may go, from the app's settings (the allowlist binds in production only)."""
    policy = OutboundPolicy.from_settings(settings)
    if policy.allowed_hosts is None:
        return policy
    hosts = dict(policy.allowed_hosts)
    hosts.setdefault(URL_KIND, KNOWN_PUSH_HOSTS)
    return OutboundPolicy(allowed_hosts=hosts, allow_loopback=policy.allow_loopback)


def decode_key(text: str) -> bytes:
    """A base64url value as browsers write it (padding optional)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _check_keys(p256dh: str, auth: str) -> None:
    errors: dict[str, list[FieldError]] = {}
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), decode_key(p256dh))
    except (ValueError, binascii.Error, TypeError):
        errors["keys.p256dh"] = [
            FieldError("push_key_invalid", "Not a P-256 public key (65 bytes, base64url) a browser made.")
        ]
    try:
        secret = decode_key(auth)
    except (ValueError, binascii.Error):
        secret = b""
    if len(secret) != 16:
        errors["keys.auth"] = [FieldError("push_auth_invalid", "Not a 16-byte auth secret (base64url).")]
    if errors:
        raise InvalidInput("This push subscription's keys cannot be used.", errors=errors)


def subscribe(
    session: Session,
    member: Member,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    policy: OutboundPolicy,
    now: datetime,
) -> PushSubscription:
    """Record (or refresh) the browser at ``endpoint`` as one of the member's devices.

    A browser subscribes once: the same endpoint again updates its keys, and moves it to this
    member when someone else signed in on that browser before (their pushes must stop there).
    InvalidInput (422) for an endpoint the server may not call or keys no browser makes.
    """
    check_outbound_url(endpoint, kind=URL_KIND, policy=policy, field="endpoint")
    _check_keys(p256dh, auth)
    device = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if device is None:
        device = PushSubscription(
            endpoint=endpoint, member_id=member.id, p256dh=p256dh, auth=auth, created_at=now
        )
        session.add(device)
    else:
        device.member_id, device.p256dh, device.auth = member.id, p256dh, auth
    session.flush()
    _keep_newest(session, member.id)
    return device


def _keep_newest(session: Session, member_id: int) -> None:
    ids = session.scalars(
        select(PushSubscription.id)
        .where(PushSubscription.member_id == member_id)
        .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc())
        .offset(MAX_DEVICES)
    ).all()
    if ids:
        session.execute(
            delete(PushSubscription)
            .where(PushSubscription.id.in_(ids))
            .execution_options(synchronize_session=False)
        )


def unsubscribe(session: Session, member: Member, subscription_id: int, *, now: datetime) -> None:
    """Forget one of the member's devices (NotFound, 404, for anyone else's: they do not exist
    for the caller). Pushes queued for it go with it."""
    device = session.get(PushSubscription, subscription_id)
    if device is None or device.member_id != member.id:
        raise NotFound("No such push subscription.")
    session.delete(device)
    session.flush()


def forget_device(session: Session, subscription_id: int) -> None:
    """The push service says the subscription is gone (404/410): remove it, and its queue."""
    session.execute(
        delete(PushSubscription)
        .where(PushSubscription.id == subscription_id)
        .execution_options(synchronize_session=False)
    )


def unsubscribe_endpoint(session: Session, member: Member, endpoint: str, *, now: datetime) -> None:
    """Forget the member's device at ``endpoint`` (the browser knows its endpoint, not our id);
    nothing happens for an endpoint that is not one of theirs (it may be gone already)."""
    session.execute(
        delete(PushSubscription)
        .where(PushSubscription.member_id == member.id, PushSubscription.endpoint == endpoint)
        .execution_options(synchronize_session=False)
    )
