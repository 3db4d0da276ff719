"""A community's chat group: connecting its incoming webhook, disconnecting it, queuing a test.

Organizers only (``communities.require_organizing``: 403 for a member, the edges' 404 for others).
The URL is an outbound URL (``habits.services.outbound_urls``): HTTPS, public addresses only, and
in production a host of its kind's allowlist: ``OUTBOUND_URL_HOSTS["chat_<kind>"]``, by default
the vendor's own hosts (``KNOWN_CHAT_HOSTS``). It is checked here when saved and again by the
transport before each post (a DNS answer may have moved since).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from habits.models import (
    ChatDelivery,
    ChatDeliveryStatus,
    ChatKind,
    ChatPurpose,
    ChatWebhook,
    Community,
    Member,
)
from habits.services.communities import require_organizing
from habits.services.errors import FieldError, InvalidInput, NotFound
from habits.services.outbound_urls import OutboundPolicy, check_outbound_url

#: the vendors' webhook hosts, allowed in production unless OUTBOUND_URL_HOSTS names its own
#: list for "chat_<kind>"
KNOWN_CHAT_HOSTS: dict[ChatKind, tuple[str, ...]] = {
    ChatKind.WECOM: ("qyapi.weixin.qq.com",),
    ChatKind.DINGTALK: ("oapi.dingtalk.com",),
    ChatKind.FEISHU: ("open.feishu.cn", "open.larksuite.com"),
    ChatKind.SLACK: ("hooks.slack.com",),
    ChatKind.DISCORD: ("discord.com", "discordapp.com"),
    ChatKind.TELEGRAM: ("api.telegram.org",),
}
LOCALES = ("en", "zh_Hans")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])", re.ASCII)
#: a Telegram chat: a number (groups are negative) or a public @channel name
_TELEGRAM_CHAT = re.compile(r"-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31}", re.ASCII)


def url_kind(kind: ChatKind | str) -> str:
    """The outbound-URL kind of a chat kind (its allowlist's key)."""
    return f"chat_{ChatKind(kind).value}"


def chat_policy(settings: Mapping) -> OutboundPolicy:
    """Where chat posts may go, from the app's settings (the allowlist binds in production only)."""
    policy = OutboundPolicy.from_settings(settings)
    if policy.allowed_hosts is None:
        return policy
    hosts = dict(policy.allowed_hosts)
    for kind, known in KNOWN_CHAT_HOSTS.items():
        hosts.setdefault(url_kind(kind), known)
    return OutboundPolicy(allowed_hosts=hosts, allow_loopback=policy.allow_loopback)


def minute_of(text: str) -> int:
    """``"07:30"`` -> 450; InvalidInput on the ``summary_at`` field otherwise."""
    match = _TIME.fullmatch(text or "")
    if match is None:
        message = "Write a time as HH:MM, from 00:00 to 23:59 (e.g. 21:00)."
        raise InvalidInput(message, errors={"summary_at": [FieldError("not_a_time", message)]})
    return int(match[1]) * 60 + int(match[2])


def clock_of(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class HookSettings:
    kind: str
    url: str
    summary_at: str
    locale: str
    chat_id: str | None = None
    secret: str | None = None


def hook_of(session: Session, community_id: int) -> ChatWebhook | None:
    return session.scalar(select(ChatWebhook).where(ChatWebhook.community_id == community_id))


def organizers_hook(
    session: Session, community: Community, organizer: Member, *, now: datetime | None = None
) -> ChatWebhook | None:
    """The community's hook as its organizers read it (Forbidden for anyone else)."""
    require_organizing(session, community, organizer, "see its chat group")
    return hook_of(session, community.id)


def connect(
    session: Session,
    community: Community,
    organizer: Member,
    settings: HookSettings,
    *,
    policy: OutboundPolicy,
    now: datetime,
) -> ChatWebhook:
    """Connect (or replace) the community's hook; messages queued for the old one are dropped."""
    require_organizing(session, community, organizer, "connect its chat group")
    kind = ChatKind(settings.kind)
    errors: dict[str, list[FieldError]] = {}
    chat_id = (settings.chat_id or "").strip() or None
    if kind is ChatKind.TELEGRAM and (chat_id is None or not _TELEGRAM_CHAT.fullmatch(chat_id)):
        errors["chat_id"] = [
            FieldError("chat_id_required", "Give the Telegram chat's id (a number, or @channelname).")
        ]
    if settings.locale not in LOCALES:
        errors["locale"] = [FieldError("unknown_locale", "Choose English or Chinese.")]
    if errors:
        raise InvalidInput("The chat group's settings are not complete.", errors=errors)
    minute = minute_of(settings.summary_at)
    check_outbound_url(settings.url, kind=url_kind(kind), policy=policy)
    hook = hook_of(session, community.id)
    if hook is None:
        hook = ChatWebhook(community_id=community.id, created_at=now)
        session.add(hook)
    elif (hook.kind, hook.url, hook.chat_id) != (kind, settings.url, chat_id):
        _drop_queued(session, community.id)
        hook.failing_since = hook.last_error = None
    hook.kind, hook.url, hook.chat_id = kind, settings.url, chat_id
    hook.secret = (settings.secret or "").strip() or None if kind is ChatKind.DINGTALK else None
    hook.summary_minute, hook.locale, hook.updated_at = minute, settings.locale, now
    session.flush()
    return hook


def disconnect(
    session: Session, community: Community, organizer: Member, *, now: datetime | None = None
) -> None:
    """Forget the community's hook and what was queued for it (nothing is posted any more)."""
    require_organizing(session, community, organizer, "disconnect its chat group")
    _drop_queued(session, community.id)
    session.execute(delete(ChatWebhook).where(ChatWebhook.community_id == community.id))
    session.flush()


def queue_test(session: Session, community: Community, organizer: Member, *, now: datetime) -> ChatDelivery:
    """A test message for the connected hook, posted by the relay within a minute."""
    require_organizing(session, community, organizer, "test its chat group")
    hook = hook_of(session, community.id)
    if hook is None:
        raise NotFound("This community has no chat group connected.")
    delivery = ChatDelivery(
        community_id=community.id,
        purpose=ChatPurpose.TEST,
        summary_date=None,
        params={"community": community.name, "summary_at": clock_of(hook.summary_minute)},
        status=ChatDeliveryStatus.QUEUED,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery


def _drop_queued(session: Session, community_id: int) -> None:
    session.execute(
        delete(ChatDelivery)
        .where(ChatDelivery.community_id == community_id, ChatDelivery.status == ChatDeliveryStatus.QUEUED)
        .execution_options(synchronize_session=False)
    )
