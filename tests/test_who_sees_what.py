"""SPEC.md's "Who sees what", as a matrix: every kind of viewer x every GET route and page that
shows a community's or a challenge's data.

The rule is written out again here, from the SPEC's words (``sees``), and never read from
habits.services.visibility: the test holds the code to the SPEC, not to itself. What the caller
may not see is a 404 (it does not exist for them); a page a signed-in member sees but may not
use is a 403; anonymous callers get 401 from the API and the login page from the site.

``test_every_get_route_has_a_row`` walks the app's URL map: a new GET route or page fails it
until it has a row here (or a reason in EXEMPT), so the matrix cannot fall behind the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import (
    AppealRequest,
    ChatWebhook,
    CommunityMembership,
    Enrollment,
    MembershipStatus,
    MemberTag,
    Role,
    Squad,
)
from habits.services import invitations
from habits.services.photos import PhotoStore, accept_photo
from habits.services.settlement import settle_due_days
from tests import images
from tests.api.helpers import auth_headers
from tests.factories import (
    at_local,
    make_challenge,
    make_checkin,
    make_community,
    make_enrollment,
    make_member,
)
from tests.timehelpers import travel
from tests.web.helpers import log_in

# -- the viewers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    signed_in: bool = True
    membership: MembershipStatus | None = None
    role: Role = Role.MEMBER
    enrollment: EnrollmentStatus | None = None

    @property
    def active_member(self) -> bool:
        return self.membership == MembershipStatus.ACTIVE

    @property
    def organizer(self) -> bool:
        return self.active_member and self.role in (Role.ORGANIZER, Role.CO_ORGANIZER)


VIEWERS = {
    "anonymous": Viewer(signed_in=False),
    "outsider": Viewer(),
    "pending": Viewer(membership=MembershipStatus.PENDING),
    "left": Viewer(membership=MembershipStatus.LEFT),
    "member": Viewer(membership=MembershipStatus.ACTIVE),
    "core_member": Viewer(membership=MembershipStatus.ACTIVE, role=Role.CORE_MEMBER),
    **{
        f"participant_{status.value}": Viewer(membership=MembershipStatus.ACTIVE, enrollment=status)
        for status in EnrollmentStatus
    },
    # took part, then left the community (or was removed): still a participant of the challenge
    "former_participant": Viewer(membership=MembershipStatus.LEFT, enrollment=EnrollmentStatus.ACTIVE),
    "organizer": Viewer(membership=MembershipStatus.ACTIVE, role=Role.ORGANIZER),
    "co_organizer": Viewer(membership=MembershipStatus.ACTIVE, role=Role.CO_ORGANIZER),
}
#: the viewer whose enrollment, check-in and photo the owner's routes name
OWNER = "participant_active"


def sees(audience: str, name: str) -> bool:
    """SPEC's "Who sees what", for one viewer."""
    viewer = VIEWERS[name]
    return {
        # any signed-in member: the list of communities, a community's description and entry rules
        # (and what is the viewer's own: profile, wallet, home)
        "signed_in": viewer.signed_in,
        # members of the community: its challenges (the community's list of them) and members
        "community_members": viewer.active_member,
        # ... and, for one challenge, its rules, counts, pot and day statements: its participants too
        "challenge_members": viewer.active_member or viewer.enrollment is not None,
        # participants (any enrollment, whatever its status) and the organizers: feed, leaderboard
        "participants": viewer.enrollment is not None or viewer.organizer,
        # the challenge's page shows one's own squad: those active when day 0 placed everyone
        "placed": viewer.enrollment == EnrollmentStatus.ACTIVE,
        # organizers only: community health (the dashboard), launching
        "organizers": viewer.organizer,
        # the check-in's owner and the organizers: a photo marked private
        "owner_or_organizers": name == OWNER or viewer.organizer,
        # an enrollment's money, receipts and check-ins: its member's alone
        "owner": name == OWNER,
    }[audience]


# -- the routes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    endpoint: str
    path: str
    audience: str
    #: the status for those who see it, and for the signed-in others
    shown: int = 200
    hidden: int = 404
    #: a page that changes something: those in ``seen_by`` see the object but may not use the page
    seen_by: str | None = None
    refused: int = 403
    #: for anonymous callers: None is the API's 401 or the site's login page
    anonymous: int | None = None

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


ROWS = [
    # the API
    Row("communities.list_communities", "/api/v1/communities", "signed_in"),
    Row("communities.get_community", "/api/v1/communities/{community}", "signed_in"),
    Row("communities.list_members", "/api/v1/communities/{community}/members", "community_members"),
    Row("invitations.invitation_qr", "/api/v1/invitations/{invitation}/qr.png", "owner_or_organizers"),
    Row("communities.list_challenges", "/api/v1/communities/{community}/challenges", "community_members"),
    # organizers only: community health and exports
    Row("community_health.community_health", "/api/v1/communities/{community}/health", "organizers"),
    Row("community_health.export_csv", "/api/v1/communities/{community}/export/members.csv", "organizers"),
    Row("challenges.get_challenge", "/api/v1/challenges/{challenge}", "challenge_members"),
    Row(
        "settlements.get_day_settlement",
        "/api/v1/challenges/{challenge}/days/0/settlement",
        "challenge_members",
    ),
    Row("feed.challenge_feed", "/api/v1/challenges/{challenge}/checkins", "participants"),
    Row("feed.list_participants", "/api/v1/challenges/{challenge}/participants", "participants"),
    Row("feed.list_comments", "/api/v1/checkins/{checkin}/comments", "participants"),
    Row("leaderboard.get_leaderboard", "/api/v1/challenges/{challenge}/leaderboard", "participants"),
    Row("settlements.get_referee_log", "/api/v1/challenges/{challenge}/referee-log", "participants"),
    # squads and squad feeds: the challenge's participants and the organizers
    Row("squads.list_squads", "/api/v1/challenges/{challenge}/squads", "participants"),
    Row("squads.get_squad", "/api/v1/squads/{squad}", "participants"),
    Row("squads.squad_history", "/api/v1/challenges/{challenge}/squads/history", "participants"),
    # appeal requests: the challenge's list is the organizers'; its members are refused, not hidden
    Row(
        "appeals.list_appeals",
        "/api/v1/challenges/{challenge}/appeals",
        "organizers",
        seen_by="challenge_members",
    ),
    Row("appeals.list_my_appeals", "/api/v1/enrollments/{enrollment}/appeals", "owner"),
    Row("appeals.get_photo", "/api/v1/appeals/{appeal}/photo", "owner_or_organizers"),
    Row("checkins.get_photo", "/api/v1/checkins/{checkin}/photo", "owner_or_organizers"),
    # a check-in's share card: whoever reads it in the feed (it never carries the photo)
    Row("checkins.get_card", "/api/v1/checkins/{checkin}/card.png", "participants"),
    Row("enrollments.get_enrollment", "/api/v1/enrollments/{enrollment}", "owner"),
    Row("enrollments.get_today", "/api/v1/enrollments/{enrollment}/today", "owner"),
    Row("checkins.list_checkins", "/api/v1/enrollments/{enrollment}/checkins", "owner"),
    Row("settlements.get_receipts", "/api/v1/enrollments/{enrollment}/receipts", "owner"),
    Row("members.get_me", "/api/v1/me", "signed_in"),
    Row("progress.my_progress", "/api/v1/me/progress", "signed_in"),
    # a member's profile "within" the challenge: its participants and the organizers
    Row("progress.member_progress", "/api/v1/members/{member}/progress", "participants"),
    Row("enrollments.list_my_enrollments", "/api/v1/me/enrollments", "signed_in"),
    Row("wallets.get_wallet", "/api/v1/me/wallet", "signed_in"),
    Row("account_data.export_me", "/api/v1/me/export", "signed_in"),
    # only the caller's own notifications, whatever they are (tests/notifications/test_api.py)
    Row("notifications.list_notifications", "/api/v1/me/notifications", "signed_in"),
    # the server's public key, the same for everyone, before signing in too
    Row("notifications.vapid_public_key", "/api/v1/push/vapid-public-key", "signed_in", anonymous=200),
    # the pages
    Row("web.referee_log", "/challenges/{challenge}/referee-log", "participants"),
    Row("web.edit_rules", "/challenges/{challenge}/rules", "organizers", seen_by="challenge_members"),
    Row("web.home", "/", "signed_in", anonymous=200),
    Row("web.account", "/account", "signed_in"),
    Row("web.member_profile", "/members/{member}", "participants"),
    Row("web.wallet", "/wallet", "signed_in"),
    Row("web.notifications", "/notifications", "signed_in"),
    Row("web.export_data", "/account/export", "signed_in"),
    Row("web.delete_account", "/account/deletion", "signed_in"),
    Row("web.terms", "/terms", "signed_in", anonymous=200),
    Row("web.checkin_shortcut", "/checkin", "signed_in", shown=302),
    Row("web.communities", "/communities", "signed_in"),
    Row("web.community", "/communities/{community}", "signed_in"),
    Row("web.new_community", "/communities/new", "signed_in"),
    # the entry rules' editor, the approval queue and the member list (registration answers and
    # tags): organizers only; the community itself is seen by every signed-in member
    Row("web.entry_settings", "/communities/{community}/entry", "organizers", seen_by="signed_in"),
    Row("web.join_requests", "/communities/{community}/requests", "organizers", seen_by="signed_in"),
    Row("web.community_members", "/communities/{community}/members", "organizers", seen_by="signed_in"),
    # a member's own invite link: members of the community
    Row("web.invitation", "/communities/{community}/invite", "community_members", seen_by="signed_in"),
    # an invitation's QR code: the member it belongs to and the organizers
    Row("web.invitation_qr", "/invitations/{invitation}/qr.png", "owner_or_organizers"),
    # launching changes the community, which every signed-in member sees
    Row("web.new_challenge", "/communities/{community}/challenges/new", "organizers", seen_by="signed_in"),
    Row(
        "web.launch_preview_section",
        "/communities/{community}/challenges/preview",
        "organizers",
        seen_by="signed_in",
    ),
    Row("web.challenge", "/challenges/{challenge}", "challenge_members"),
    Row("web.feed_page", "/challenges/{challenge}/feed", "participants"),
    Row("web.feed_comments", "/checkins/{checkin}/comments", "participants"),
    # the comment form's mention picker (JSON): the names the API's participants list gives
    Row("web.feed_participants", "/challenges/{challenge}/participants.json", "participants"),
    Row("web.statement", "/challenges/{challenge}/days/0", "challenge_members"),
    Row("web.dashboard", "/challenges/{challenge}/organize", "organizers"),
    # the community's chat group (its webhook is a secret of the organizers)
    Row("chat_webhooks.get_hook", "/api/v1/communities/{community}/chat-webhook", "organizers"),
    Row("web.chat_webhook", "/communities/{community}/chat", "organizers"),
    Row("web.community_health", "/communities/{community}/health", "organizers"),
    Row("web.community_export", "/communities/{community}/export/members.csv", "organizers"),
    # the organizers' squads page (regrouping); a squad's page: the participants and organizers
    Row("web.squads", "/challenges/{challenge}/squads", "organizers", seen_by="challenge_members"),
    Row("web.squad", "/squads/{squad}", "participants"),
    Row("web.checkin_photo", "/checkins/{checkin}/photo", "owner_or_organizers"),
    Row("web.checkin_card", "/checkins/{checkin}/card.png", "participants"),
    Row("web.appeal_photo", "/appeals/{appeal}/photo", "owner_or_organizers"),
    Row("web.enrollment", "/enrollments/{enrollment}", "owner"),
    Row("web.checkin", "/enrollments/{enrollment}/checkin", "owner"),
    # the owner's deposit is paid: the page sends them on to their enrollment
    Row("web.pay", "/enrollments/{enrollment}/pay", "owner", shown=302),
]

#: GET routes that show no community's or challenge's data, and why
EXEMPT = {
    "static": "the stylesheet and scripts",
    "web.manifest": "the web app manifest, the same for everyone (tests/web/test_app_shell.py)",
    "web.service_worker": "the service worker's script, the same for everyone (tests/web/test_app_shell.py)",
    "web.offline": "the offline page, the same for everyone (tests/web/test_app_shell.py)",
    "health.healthz": "the service's health, for the load balancer",
    "health.readyz": "whether this node may take traffic, for the load balancer (tests/observability)",
    "health.metrics": "the operator's metrics: 404 without METRICS_TOKEN, 401 without the token "
    "(tests/observability)",
    "api-docs.openapi_json": "the API's description",
    "web.login": "a form",
    "web.register": "a form",
    "web.forgot_password": "a form",
    "web.reset_password_with_link": "a form behind a one-time link (tests/mail)",
    "web.verify_email_link": "a one-time link (tests/mail)",
    "web.verify_email_status": "the signed-in member's own address (tests/mail)",
    "web.unsubscribe": "a signed one-time link (tests/mail)",
    "web.email_change_link": "a one-time link to one's new address (tests/mail/test_email_change.py)",
    "web.dev_mail": "the demo's outgoing mail, to loopback clients only (tests/mail)",
    "payouts.list_my_payouts": "the member's own payouts (tests/payouts)",
    "web.payout_request": "the member's own payouts and a form (tests/payouts)",
    "payouts.list_payouts": "site administrators only, 404 to everyone else (tests/payouts)",
    "payouts.pending_csv": "site administrators only, 404 to everyone else (tests/payouts)",
    "web.admin_payouts": "site administrators only, 404 to everyone else (tests/payouts)",
    "web.admin_pending_csv": "site administrators only, 404 to everyone else (tests/payouts)",
    "terms.get_terms": "the operator's terms, public: read before registering (tests/api/test_terms.py)",
    "web.admin_terms": "site administrators only, 404 to everyone else (tests/web/test_terms_pages.py)",
    "web.hand_over": "the organizer's own hand-over form, 403 to every other member "
    "(tests/web/test_account_data_pages.py)",
}


def expected(row: Row, name: str) -> int:
    if not VIEWERS[name].signed_in:
        if row.anonymous is not None:
            return row.anonymous
        return 401 if row.api else 302
    if sees(row.audience, name):
        return row.shown
    return row.refused if row.seen_by and sees(row.seen_by, name) else row.hidden


# -- the world --------------------------------------------------------------------------------


@dataclass
class World:
    ids: dict
    members: dict
    challenge: object


@pytest.fixture
def world(session, app) -> World:
    members = {
        name: make_member(session, display_name=f"Viewer {name}") for name in VIEWERS if name != "anonymous"
    }
    community = make_community(
        session,
        members["organizer"],
        name="Lanterns",
        entry_quiz={
            "questions": [{"text": "Lanterns at?", "choices": ["dusk", "noon"], "answer": 0}],
            "pass_mark": 1,
        },
    )
    challenge = make_challenge(
        session, community, title="Lantern walk", requires_code_word=False, squad_size=150
    )
    for name, member in members.items():
        viewer = VIEWERS[name]
        if viewer.membership is not None and viewer.role != Role.ORGANIZER:
            session.add(
                CommunityMembership(
                    community_id=community.id,
                    member_id=member.id,
                    role=viewer.role,
                    status=viewer.membership,
                    joined_at=challenge.created_at,
                    answers={"city": "Lisbon"} if name == OWNER else {},
                )
            )
        if viewer.enrollment is not None:
            make_enrollment(session, challenge, member, status=viewer.enrollment)
    session.add(MemberTag(community_id=community.id, member_id=members[OWNER].id, tag="city:Lisbon"))
    invitation = invitations.invitation_for(session, community, members[OWNER], now=challenge.created_at)
    session.commit()
    owner = session.scalar(
        select(Enrollment).where(
            Enrollment.challenge_id == challenge.id, Enrollment.member_id == members[OWNER].id
        )
    )
    photo = PhotoStore(Path(app.instance_path) / "photos").save(
        challenge.id, accept_photo(images.png(), max_bytes=100_000)
    )
    checkin = make_checkin(
        session,
        owner,
        0,
        at=at_local(challenge, 0, "05:10"),
        photo_path=photo,
        photo_content_type="image/png",
        photo_private=True,
    )
    result = settle_due_days(session, now=at_local(challenge, 0, "07:10"), commit=session.commit)
    assert result.failed == [] and (challenge.id, 0) in result.settled
    # the owner's appeal of day 1 (asked in the review of a voided check-in), with a photo
    appeal = AppealRequest(
        enrollment_id=owner.id,
        challenge_id=challenge.id,
        day_index=1,
        reason="the photo is from this morning",
        photo_path=PhotoStore(Path(app.instance_path) / "photos").save(
            challenge.id, accept_photo(images.png(), max_bytes=100_000)
        ),
        photo_content_type="image/png",
        asked_at=at_local(challenge, 1, "05:20"),
    )
    session.add(appeal)
    session.add(
        ChatWebhook(
            community_id=community.id,
            kind="slack",
            url="https://hooks.slack.com/services/T/B/C",
            summary_minute=21 * 60,
            locale="en",
            created_at=challenge.created_at,
            updated_at=challenge.created_at,
        )
    )
    session.commit()
    ids = {
        "squad": session.scalar(select(Squad.id).where(Squad.challenge_id == challenge.id)),
        "community": community.id,
        "challenge": challenge.id,
        "enrollment": owner.id,
        "checkin": checkin.id,
        "appeal": appeal.id,
        "member": members[OWNER].id,
        "invitation": invitation.code,
    }
    return World(ids=ids, members=members, challenge=challenge)


def client_for(app, session, world: World, name: str):
    """A test client acting as ``name``: logged in on the site, and its API bearer headers."""
    browser = app.test_client()
    if not VIEWERS[name].signed_in:
        return browser, {}
    log_in(browser, world.members[name])
    return browser, auth_headers(session, world.members[name])


#: what a page shows only to part of those who open it: (endpoint, text, audience)
PARTS = [
    ("web.community", "Lantern walk", "community_members"),  # its challenges
    ("web.challenge", "Who showed up", "participants"),  # the feed
    ("web.challenge", "Organizer dashboard", "organizers"),
    ("web.challenge", "My squad", "placed"),
    # registration answers and tags, and the quiz's right answers: organizers only
    ("communities.list_members", "Lisbon", "organizers"),
    ("communities.get_community", '"answer":', "organizers"),
]


@pytest.mark.parametrize("name", list(VIEWERS))
def test_who_sees_what(app, session, world, name, monkeypatch):
    """One viewer, every row: on day 1 with its window open, day 0 settled."""
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "10000/minute")
    # an anonymous caller's every API answer is a 401, which counts against the address
    monkeypatch.setitem(app.config, "RATELIMIT_AUTH_FAILURES", "10000/minute")
    with travel(at_local(world.challenge, 1, "05:30")):
        browser, headers = client_for(app, session, world, name)
        pages = {
            # buffered: a streamed export is read whole at once, so its context ends before the next
            row.endpoint: browser.get(
                row.path.format(**world.ids), headers=headers if row.api else {}, buffered=True
            )
            for row in ROWS
        }
    actual = {endpoint: response.status_code for endpoint, response in pages.items()}
    assert actual == {row.endpoint: expected(row, name) for row in ROWS}
    opened = [(endpoint, text, audience) for endpoint, text, audience in PARTS if actual[endpoint] == 200]
    shown = {(endpoint, text): text in pages[endpoint].get_data(as_text=True) for endpoint, text, _ in opened}
    assert shown == {(endpoint, text): sees(audience, name) for endpoint, text, audience in opened}
    # statements name enrollments by number, never members
    for endpoint in ("settlements.get_day_settlement", "web.statement"):
        assert "Viewer " not in pages[endpoint].get_data(as_text=True)


def test_every_get_route_has_a_row(app):
    covered = {row.endpoint for row in ROWS}
    missing = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in covered and rule.endpoint not in EXEMPT
    )
    assert missing == [], "give each new GET route or page a row in ROWS (or a reason in EXEMPT)"
    assert covered.isdisjoint(EXEMPT)
