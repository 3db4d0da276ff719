"""Every write endpoint's rate limit, by name: one table, checked in one place.

A named limit is a budget ("money": 10 a minute per member) that each of its endpoints, API and
page alike, spends from. ``ENDPOINT_LIMITS`` gives every write endpoint (POST, PUT, PATCH, DELETE)
its name, ``NOT_LIMITED`` the few that must not be throttled and why; tests/test_rate_limits.py
walks the app's routes and fails for a write endpoint in neither, so a new route gets a name here.
Each limit is a setting, ``RATELIMIT_<NAME>`` (e.g. ``STREAKPOT_RATELIMIT_MONEY=5/minute``),
read when a request is checked, with the table's default.

How they are counted: one before-request hook (``check_named_limit``) looks the endpoint up and
spends from the limiter's storage directly (Flask-Limiter's ``limiter.limiter``: memory, or
Redis via RATELIMIT_STORAGE_URI in production, so limits hold across workers); Flask-Limiter's
own per-request hook steps aside for these endpoints (fastpath.limiter_hook). For the check-in,
the hot path of the wake-up spike, that is one storage call and no more.

Failed authentication (``auth_failures``): every API answer 401 spends from its client address's
budget, AFTER authentication failed, so a successful request pays nothing. An address found over
the budget is remembered in this process (``_over``); its next requests are refused before they
authenticate or read a body, after one storage call that confirms the budget is still spent
(another worker, or a reset, may have moved on). Other addresses pay one dict lookup.

A refusal is a 429 with ``Retry-After`` (seconds): a problem document on the API, the friendly
translated error page on pages.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, render_template, request
from flask_babel import format_timedelta
from flask_login import current_user
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from werkzeug.exceptions import TooManyRequests

from habits.extensions import limiter
from habits.fastpath.limiter_hook import skip_request_limit_hook
from habits.outages import limits_unreachable
from habits.problems import http_problem, wants_json

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: the client's address (IPv6: its /64, which one subscriber usually holds whole)
ADDRESS = "address"
#: who is asking: the API's bearer token (its hash), a page's signed-in member, else the address
CALLER = "caller"


@dataclass(frozen=True)
class NamedLimit:
    #: a Flask-Limiter limit string, ``;`` between several ("10/minute;100/hour")
    default: str
    #: counted separately for each of these (ADDRESS, CALLER)
    keys: tuple[str, ...]
    #: what it protects
    why: str
    #: when the storage (Redis) cannot be reached: let the request through (True) rather than
    #: answer 503 (habits/outages.py); only where a refusal costs more than a missed count
    fails_open: bool = False


LIMITS: dict[str, NamedLimit] = {
    "login": NamedLimit(
        "10/minute;100/hour", (ADDRESS,), "every check of a password: logging in, changing it"
    ),
    "register": NamedLimit("10/minute;100/hour", (ADDRESS,), "new accounts"),
    # a member refused at the wake-up spike loses a day; a missed count costs nothing
    "checkin": NamedLimit("30/minute", (CALLER,), "check-ins", fails_open=True),
    "auth_failures": NamedLimit(
        "30/minute;300/hour", (ADDRESS,), "API requests whose bearer token is missing or not valid (401)"
    ),
    "account": NamedLimit("30/minute;300/hour", (CALLER,), "one's own profile, language and sign-out"),
    "create": NamedLimit("10/minute;100/hour", (CALLER,), "new communities and challenges"),
    "regroup": NamedLimit(
        "10/minute;100/hour", (CALLER,), "organizers regrouping a challenge's squads (each rewrites them all)"
    ),
    "organize": NamedLimit(
        "60/minute;1000/hour", (CALLER,), "organizers' changes to communities, memberships and challenges"
    ),
    "referee": NamedLimit("30/minute;300/hour", (CALLER,), "voids, appeals and excuses"),
    "appeal": NamedLimit("10/minute;50/hour", (CALLER,), "members asking for an appeal of a day"),
    "join": NamedLimit("20/minute;200/hour", (CALLER,), "joining communities and challenges, rest days"),
    "join_failures": NamedLimit(
        "5/minute;20/hour",
        (CALLER, ADDRESS),
        "failed joins (a wrong invite code, wrong form answers, a failed entry quiz), per member and address",
    ),
    "invite": NamedLimit(
        "10/minute;100/hour", (CALLER,), "members asking for their personal invitation link"
    ),
    "password_reset": NamedLimit("5/minute;20/hour", (ADDRESS,), "asking for and using password-reset links"),
    "email_links": NamedLimit("10/minute;50/hour", (ADDRESS,), "verification and unsubscribe links"),
    "email_change": NamedLimit(
        "5/hour;20/day", (CALLER,), "moving to a new e-mail address (each request mails an address typed)"
    ),
    "payout_request": NamedLimit("5/hour;20/day", (CALLER,), "asking for a payout"),
    "payout_decision": NamedLimit(
        "20/minute;200/hour", (CALLER,), "administrators approving, refusing and marking payouts paid"
    ),
    "money": NamedLimit(
        "10/minute;100/hour", (CALLER,), "moving money: deposits, withdrawals, leaving a running challenge"
    ),
    "cheer": NamedLimit("60/minute;600/hour", (CALLER,), "cheering check-ins and taking cheers back"),
    "comment": NamedLimit("10/minute;100/hour", (CALLER,), "writing and deleting comments"),
    "report": NamedLimit("10/minute;50/hour", (CALLER,), "flagging check-ins and reporting comments"),
    "site_admin": NamedLimit("20/minute;100/hour", (CALLER,), "administrators publishing the terms"),
    "notifications": NamedLimit("60/minute;1000/hour", (CALLER,), "marking one's notifications read"),
    "push_subscriptions": NamedLimit(
        "20/minute;100/hour", (CALLER,), "adding and removing one's devices for Web Push"
    ),
    "chat_webhook": NamedLimit(
        "10/minute;60/hour", (CALLER,), "connecting and disconnecting a community's chat group"
    ),
    "chat_webhook_test": NamedLimit(
        "3/minute;20/hour", (CALLER,), "test messages to a community's chat group (each posts to the chat)"
    ),
}

#: every write endpoint -> the name of its limit (tests/test_rate_limits.py: none is missing)
ENDPOINT_LIMITS: dict[str, str] = {
    "feed.cheer": "cheer",
    "feed.uncheer": "cheer",
    "web.feed_cheer": "cheer",
    "feed.add_comment": "comment",
    "feed.delete_comment": "comment",
    "web.feed_comments": "comment",
    "web.feed_delete_comment": "comment",
    "feed.flag_checkin": "report",
    "feed.report_comment": "report",
    "web.feed_flag": "report",
    "web.feed_report": "report",
    "feed.update_checkin": "account",
    "feed.block_member": "account",
    "feed.unblock_member": "account",
    "auth.create_token": "login",
    "web.login": "login",
    "members.change_password": "login",
    "web.account": "login",
    "auth.register": "register",
    "web.register": "register",
    "checkins.create_checkin": "checkin",
    "web.checkin": "checkin",
    "auth.revoke_current_token": "account",
    "web.logout": "account",
    "members.update_me": "account",
    "web.language": "account",
    "web.account_profile": "account",
    "web.account_reminders": "account",
    "web.account_email": "email_change",
    "communities.create_community": "create",
    "web.new_community": "create",
    "communities.launch_challenge": "create",
    "web.new_challenge": "create",
    "communities.update_community": "organize",
    "communities.update_membership": "organize",
    "communities.remove_member": "organize",
    "challenges.update_challenge": "organize",
    "squads.regroup": "regroup",
    "web.regroup_squads": "regroup",
    "challenges.cancel_challenge": "organize",
    "web.cancel_challenge": "organize",
    "checkins.void_checkin": "referee",
    "web.void_checkin": "referee",
    "settlements.accept_appeal": "referee",
    "web.accept_appeal": "referee",
    "settlements.excuse_day": "referee",
    "appeals.decide": "referee",
    "web.decide_appeal": "referee",
    "appeals.ask_appeal": "appeal",
    "web.ask_appeal": "appeal",
    "web.excuse_day": "referee",
    "communities.join_community": "join",
    "invitations.create_invitation": "invite",
    "web.invitation": "invite",
    "web.join_community": "join",
    "enrollments.join_challenge": "join",
    "web.join_challenge": "join",
    "settlements.declare_rest_day": "join",
    "web.rest_day": "join",
    "enrollments.withdraw": "money",
    "web.quit_challenge": "money",
    "wallets.create_withdrawal": "money",
    "web.wallet": "money",
    "web.pay": "money",
    "payments.confirm_offline": "money",
    "web.edit_rules": "organize",
    "web.community_health_settings": "organize",
    "web.invite_code": "organize",
    "web.entry_settings": "organize",
    "web.decide_join_request": "organize",
    "auth.request_password_reset": "password_reset",
    "auth.confirm_password_reset": "password_reset",
    "web.forgot_password": "password_reset",
    "web.reset_password_with_link": "password_reset",
    "web.verify_email_link": "email_links",
    "web.verify_email_status": "email_links",
    "web.unsubscribe": "email_links",
    "web.email_change_link": "email_links",
    "payouts.request_payout": "payout_request",
    "web.payout_request": "payout_request",
    "payouts.decide": "payout_decision",
    "payouts.mark_paid": "payout_decision",
    "web.admin_approve": "payout_decision",
    "web.admin_refuse": "payout_decision",
    "web.admin_paid": "payout_decision",
    # the member's own data and account (habits/services/account_deletion.py, terms.py)
    "account_data.delete_me": "login",
    "web.delete_account": "login",
    "account_data.hand_over_community": "organize",
    "web.hand_over": "organize",
    "terms.accept_terms": "account",
    "web.accept_terms": "account",
    "web.admin_terms": "site_admin",
    "notifications.mark_read": "notifications",
    "web.notifications_read": "notifications",
    "notifications.subscribe": "push_subscriptions",
    "notifications.unsubscribe": "push_subscriptions",
    "chat_webhooks.put_hook": "chat_webhook",
    "chat_webhooks.delete_hook": "chat_webhook",
    "chat_webhooks.test_hook": "chat_webhook_test",
    "web.chat_webhook": "chat_webhook",
    "web.chat_webhook_disconnect": "chat_webhook",
    "web.chat_webhook_test": "chat_webhook_test",
    "web.push_device_on": "push_subscriptions",
    "web.push_device_off": "push_subscriptions",
}

#: write endpoints deliberately without a limit, and why
NOT_LIMITED: dict[str, str] = {
    "webhooks.stripe_webhook": "Stripe's signature authenticates it; a 429 would only pile up its retries",
}


#: each limit's setting
SETTINGS: dict[str, str] = {name: f"RATELIMIT_{name.upper()}" for name in LIMITS}


def limit_text(name: str) -> str:
    """The limit ``name`` has now: its setting RATELIMIT_<NAME>, else the table's default."""
    return current_app.config.get(SETTINGS[name]) or LIMITS[name].default


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def limit_items(name: str) -> tuple[RateLimitItem, ...]:
    """The limit ``name`` has now, parsed (each window of ``10/minute;100/hour``)."""
    return _parsed(limit_text(name))


# -- keys -------------------------------------------------------------------------------------


def client_address() -> str:
    """The client's address (behind PROXY_COUNT trusted proxies, the one they saw); an IPv6
    address stands for its /64."""
    address = request.remote_addr or "unknown"
    if ":" in address:
        try:
            return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
        except ValueError:
            return address
    return address


def _caller() -> str:
    if request.path.startswith("/api/"):
        return _api_caller_key()
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return "ip:" + client_address()


def _api_caller_key() -> str:
    raise RuntimeError("habits.ratelimits.install() names the API's caller key")


_KEYS: dict[str, Callable[[], str]] = {ADDRESS: lambda: "ip:" + client_address(), CALLER: _caller}


# -- spending and refusing --------------------------------------------------------------------


def spend(name: str) -> None:
    """Spend one from limit ``name`` for this request; raise a 429 when it is used up."""
    if not limiter.enabled:
        return
    limit = LIMITS[name]
    strategy = limiter.limiter
    for kind in limit.keys:
        key = _KEYS[kind]()
        for item in _parsed(limit_text(name)):
            try:
                within = strategy.hit(item, name, key)
            except StorageError:
                if limit.fails_open:
                    log.warning("rate-limit storage unreachable: %s let through uncounted", name)
                    return
                raise  # habits/outages.py: a 503 with Retry-After
            if not within:
                _refuse(name, item, strategy.get_window_stats(item, name, key).reset_time)


def refuse_until(detail: str, reset_at: float):
    """Raise the 429 that says ``detail`` and when to come back (``Retry-After``, seconds)."""
    seconds = max(1, math.ceil(reset_at - time.time()))
    raise TooManyRequests(detail, response=Response(status=429, headers={"Retry-After": str(seconds)}))


def _refuse(name: str, item: RateLimitItem, reset_at: float):
    refuse_until(f"Too many requests of this kind ({name}): at most {item}.", reset_at)


#: (limit name, key) -> when its budget was seen spent until (epoch seconds), in this process
_over: dict[tuple[str, str], float] = {}
#: more remembered refusals than this and the memory starts over (each costs one more lookup)
_MAX_REMEMBERED = 10_000


def count_failure(name: str) -> bool:
    """Spend one from failure limit ``name`` (after the failure). Once the budget is spent, the
    key is remembered and ``refuse_if_over`` refuses it until the budget is back. False when
    this failure was already over the budget."""
    if not limiter.enabled:
        return True
    strategy = limiter.limiter
    within = True
    for kind in LIMITS[name].keys:
        key = _KEYS[kind]()
        for item in _parsed(limit_text(name)):
            counted = strategy.hit(item, name, key)
            # failures only: a second storage call asks whether the budget is now spent
            if not counted or not strategy.test(item, name, key):
                _remember_over(name, key, strategy.get_window_stats(item, name, key).reset_time)
            within = within and counted
    return within


def _remember_over(name: str, key: str, reset_at: float) -> None:
    if len(_over) >= _MAX_REMEMBERED:
        _over.clear()
    _over[(name, key)] = max(reset_at, _over.get((name, key), 0.0))


def refuse_if_over(name: str) -> None:
    """Raise a 429 if this request's key was seen over failure limit ``name``, and still is.

    No storage call unless this process saw the key over the limit: the request that succeeds
    pays a dict lookup."""
    if not _over:
        return
    strategy = limiter.limiter
    for kind in LIMITS[name].keys:
        key = _KEYS[kind]()
        reset_at = _over.get((name, key))
        if reset_at is None:
            continue
        for item in _parsed(limit_text(name)):
            if not strategy.test(item, name, key):
                _refuse(name, item, strategy.get_window_stats(item, name, key).reset_time)
        _over.pop((name, key), None)  # the budget is back (a new window, a reset)


# -- the app's hooks --------------------------------------------------------------------------


def check_named_limit() -> None:
    """Before every request: refuse an API caller over the failed-authentication limit, then
    spend from the endpoint's named limit if it writes."""
    if not limiter.enabled:
        return
    if _over and request.path.startswith("/api/"):
        refuse_if_over("auth_failures")
    if request.method in WRITE_METHODS:
        name = ENDPOINT_LIMITS.get(request.endpoint or "")
        if name is not None:
            spend(name)


def count_failed_authentication(response: Response) -> Response:
    """After every request: an API 401 spends from its address's ``auth_failures`` budget."""
    if response.status_code == 401 and limiter.enabled and request.path.startswith("/api/"):
        try:
            count_failure("auth_failures")
        except StorageError as exc:
            # an uncounted failure would let a guesser go on: refuse, as every closed limit does
            return limits_unreachable(exc)
    return response


def too_many_requests(exc: TooManyRequests):
    """A 429 with ``Retry-After``: the problem document for JSON clients, the page otherwise."""
    seconds = _retry_after(exc)
    if wants_json():
        response = http_problem(exc)
    else:
        wait = format_timedelta(seconds)
        page = render_template("errors/error.html", error=exc, status=429, wait=wait)
        response = current_app.make_response((page, 429))
    response.headers["Retry-After"] = str(seconds)
    return response


def _retry_after(exc: TooManyRequests) -> int:
    if exc.response is not None and exc.response.headers.get("Retry-After"):
        return int(exc.response.headers["Retry-After"])
    current = limiter.current_limit  # a limit Flask-Limiter counted (a decorator of its own)
    if current is not None:
        return max(1, math.ceil(current.reset_at - time.time()))
    return 60


def install(app: Flask, *, api_caller_key: Callable[[], str]) -> None:
    """Check the named limits on ``app``; ``api_caller_key`` keys CALLER limits of /api/ routes
    (the bearer token's hash: no database read)."""
    global _api_caller_key
    _api_caller_key = api_caller_key  # the same function for every app (the API's, by import)
    app.before_request(check_named_limit)
    app.after_request(count_failed_authentication)
    app.register_error_handler(429, too_many_requests)
    # Flask-Limiter's own hook would only find no limit for these endpoints (none is decorated).
    skip_request_limit_hook(app, limiter, lambda: request.endpoint in ENDPOINT_LIMITS)
