"""The threshold at the door through the API: the entry object, quiz and form answers checked on
the server, tries limited, answers turned into tags, personal invitations with a quota and a QR."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from habits.models import Community, CommunityMembership, InvitationUse, Member, MembershipStatus, QuizAttempt
from habits.qr_images import BORDER, BOX, qr_matrix
from habits.services.entry import QUIZ_TRIES_PER_DAY
from tests.api.helpers import auth_headers
from tests.factories import (
    add_to_community,
    make_challenge,
    make_checkin,
    make_community,
    make_enrollment,
    make_member,
)
from tests.timehelpers import travel

NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)
QUIZ = {
    "questions": [
        {"text": "When do we check in?", "choices": ["05:00-07:00", "noon"], "answer": 0},
        {"text": "A missed day costs?", "choices": ["nothing", "part of the deposit"], "answer": 1},
    ],
    "pass_mark": 2,
}
FORM = [
    {"key": "city", "label": "City", "kind": "text", "required": True},
    {
        "key": "age_band",
        "label": "Age band",
        "kind": "choice",
        "choices": ["18-29", "30-44", "45+"],
        "required": True,
    },
    {"key": "km", "label": "Km a week", "kind": "number", "min": 0, "max": 200},
]
GOOD = {"quiz_answers": [0, 1], "form_answers": {"city": "Berlin", "age_band": "30-44", "km": 12}}


def _quiz(choices, answer, pass_mark) -> dict:
    return {
        "quiz": {"questions": [{"text": "Q", "choices": choices, "answer": answer}], "pass_mark": pass_mark}
    }


def _club(client, session, **entry):
    organizer = make_member(session)
    headers = auth_headers(session, organizer)
    body = {"name": "Larks", "theme": "early-rise", "entry": {"quiz": QUIZ, "form": FORM, **entry}}
    created = client.post("/api/v1/communities", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    return created.get_json(), headers


def _join(client, session, community_id, body, member=None):
    member = member or make_member(session)
    with travel(NOW):
        return client.post(
            f"/api/v1/communities/{community_id}/members",
            json=body,
            headers=auth_headers(session, member, now=NOW),
        )


def test_the_entry_object_is_read_back_and_the_right_answers_are_the_organizers(client, session):
    created, headers = _club(client, session, approval=True)
    assert created["entry"]["quiz"] == QUIZ and created["entry"]["approval"] is True
    assert created["entry"]["form"][1]["choices"] == ["18-29", "30-44", "45+"]
    stranger = auth_headers(session, make_member(session))
    seen = client.get(f"/api/v1/communities/{created['id']}", headers=stranger).get_json()["entry"]
    assert seen["quiz"]["questions"][0] == {
        "text": "When do we check in?",
        "choices": ["05:00-07:00", "noon"],
    }
    assert seen["invite_code"] is None and seen["form"] == created["entry"]["form"]
    removed = client.patch(
        f"/api/v1/communities/{created['id']}", json={"entry": {"quiz": None}}, headers=headers
    )
    assert removed.get_json()["entry"]["quiz"] is None and removed.get_json()["entry"]["form"]


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"quiz": {"questions": [], "pass_mark": 1}}, "entry.quiz.questions"),
        (_quiz(["a"], 0, 1), "entry.quiz.questions.0.choices"),
        (_quiz(["a", "b"], 2, 1), "entry.quiz.questions.0.answer"),
        (_quiz(["a", "b"], "a", 1), "entry.quiz.questions.0.answer"),
        (_quiz(["a", "b"], 0, 2), "entry.quiz.pass_mark"),
        (_quiz(["a", "a"], 0, 1), "entry.quiz.questions.0.choices"),
        ({"form": [{"key": "City", "label": "City", "kind": "text"}]}, "entry.form.0.key"),
        ({"form": [{"key": "c", "label": "C", "kind": "text"}, {"key": "c", "label": "D", "kind": "text"}]},
         "entry.form.1.key"),
        ({"form": [{"key": "c", "label": "C", "kind": "choice"}]}, "entry.form.0.choices"),
        ({"form": [{"key": "c", "label": "C", "kind": "date"}]}, "entry.form.0.kind"),
        ({"form": [{"key": "c", "label": "C", "kind": "number", "min": 5, "max": 1}]}, "entry.form.0.max"),
        ({"form": [{"key": "c", "label": "C", "kind": "number", "min": 1.5}]}, "entry.form.0.min"),
        ({"form": {"key": "c"}}, "entry.form"),
        ({"invite_quota": -1}, "entry.invite_quota"),
    ],
)  # fmt: skip
def test_a_quiz_or_form_that_cannot_work_is_refused_on_its_field(client, session, entry, field):
    headers = auth_headers(session, make_member(session))
    response = client.post(
        "/api/v1/communities", json={"name": "X", "theme": "custom", "entry": entry}, headers=headers
    )
    assert response.status_code == 422, response.get_json()
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"form_answers.city", "form_answers.age_band", "quiz_answers"}),
        ({**GOOD, "form_answers": {**GOOD["form_answers"], "city": "   "}}, {"form_answers.city"}),
        ({**GOOD, "form_answers": {**GOOD["form_answers"], "age_band": "99+"}}, {"form_answers.age_band"}),
        ({**GOOD, "form_answers": {**GOOD["form_answers"], "km": "far"}}, {"form_answers.km"}),
        ({**GOOD, "form_answers": {**GOOD["form_answers"], "km": 201}}, {"form_answers.km"}),
        ({**GOOD, "form_answers": {**GOOD["form_answers"], "km": True}}, {"form_answers.km"}),
        ({**GOOD, "form_answers": {**GOOD["form_answers"], "km": "NaN"}}, {"form_answers.km"}),
        ({**GOOD, "form_answers": {**GOOD["form_answers"], "city": ["Berlin"]}}, {"form_answers.city"}),
        ({**GOOD, "form_answers": {**GOOD["form_answers"], "city": {"a": 1}}}, {"form_answers.city"}),
        ({**GOOD, "form_answers": {**GOOD["form_answers"], "city": "x" * 201}}, {"form_answers.city"}),
        ({**GOOD, "form_answers": {**GOOD["form_answers"], "shoe": "42"}}, {"form_answers.shoe"}),
        ({**GOOD, "quiz_answers": [0]}, {"quiz_answers"}),
        ({**GOOD, "quiz_answers": [0, 7]}, {"quiz_answers.1"}),
        ({**GOOD, "quiz_answers": [0, -1]}, {"quiz_answers.1"}),
    ],
)
def test_bad_answers_are_refused_field_by_field_without_spending_a_try(client, session, body, fields):
    created, _headers = _club(client, session)
    response = _join(client, session, created["id"], body)
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["errors"]) == fields
    assert session.scalar(select(func.count()).select_from(QuizAttempt)) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"quiz_answers": "0,1"},
        {"quiz_answers": [True, 1]},
        {"quiz_answers": ["0", 1]},
        {"form_answers": ["Berlin"]},
        {"form_answers": {"k" * 40: "x"}},
    ],
)
def test_answers_of_the_wrong_shape_are_422_not_500(client, session, body):
    created, _headers = _club(client, session)
    response = _join(client, session, created["id"], {**GOOD, **body})
    assert response.status_code == 422


def test_answers_become_tags_and_the_organizers_filter_by_them(client, session):
    created, headers = _club(client, session, approval=True)
    berliner, lisboeta = make_member(session), make_member(session)
    assert _join(client, session, created["id"], GOOD, berliner).get_json()["status"] == "pending"
    other = {**GOOD, "form_answers": {"city": " Lisbon ", "age_band": "45+"}}
    assert _join(client, session, created["id"], other, lisboeta).status_code == 201
    url = f"/api/v1/communities/{created['id']}/members"
    found = client.get(f"{url}?tag=city:Berlin", headers=headers).get_json()
    assert [item["member"]["id"] for item in found["items"]] == [berliner.id]
    assert found["items"][0]["tags"] == ["age_band:30-44", "city:Berlin", "km:12"]
    assert found["items"][0]["answers"] == {"city": "Berlin", "age_band": "30-44", "km": "12"}
    by_answer = client.get(f"{url}?answer=lisb&status=pending", headers=headers).get_json()
    assert [item["member"]["id"] for item in by_answer["items"]] == [lisboeta.id]
    # a member reads the list without anyone's answers, and may not filter by them
    client.patch(f"{url}/{berliner.id}", json={"approve": True}, headers=headers)
    as_member = auth_headers(session, berliner)
    listed = client.get(url, headers=as_member).get_json()["items"]
    assert all(item["answers"] is None and item["tags"] is None for item in listed)
    assert client.get(f"{url}?tag=city:Berlin", headers=as_member).status_code == 403


def test_recent_activity_filters_the_members(client, session):
    community = make_community(session)
    organizer_headers = auth_headers(session, session.get(Member, community.organizer_id))
    busy, idle = make_member(session), make_member(session)
    for member in (busy, idle):
        add_to_community(session, community, member)
    challenge = make_challenge(session, community)
    make_checkin(session, make_enrollment(session, challenge, busy), 0)
    later = challenge.day_zero_opens_at + timedelta(days=2)
    with travel(later):
        url = f"/api/v1/communities/{community.id}/members"
        active = client.get(f"{url}?activity=active", headers=organizer_headers).get_json()["items"]
        inactive = client.get(f"{url}?activity=inactive", headers=organizer_headers).get_json()["items"]
    assert [item["member"]["id"] for item in active] == [busy.id]
    assert busy.id not in [item["member"]["id"] for item in inactive] and idle.id in [
        item["member"]["id"] for item in inactive
    ]
    assert active[0]["last_check_in_at"] is not None
    assert client.get(f"{url}?activity=sometimes", headers=organizer_headers).status_code == 422


def test_a_failed_quiz_spends_a_try_and_three_a_day_are_all(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_JOIN_FAILURES", "1000/minute")
    created, _headers = _club(client, session)
    member = make_member(session)
    wrong = {**GOOD, "quiz_answers": [1, 1]}
    for _ in range(QUIZ_TRIES_PER_DAY):
        failed = _join(client, session, created["id"], wrong, member)
        assert failed.status_code == 422
        assert failed.get_json()["errors"]["quiz_answers"] == ["1 right, 2 needed to pass."]
    spent = _join(client, session, created["id"], GOOD, member)
    assert spent.status_code == 429 and spent.get_json()["code"] == "quiz_tries_spent"
    assert spent.get_json()["retry_at"] == "2026-02-02T12:00:00Z"
    with travel(NOW + timedelta(hours=24, minutes=1)):
        headers = auth_headers(session, member)
        passed = client.post(f"/api/v1/communities/{created['id']}/members", json=GOOD, headers=headers)
    assert passed.status_code == 201 and passed.get_json()["status"] == "active"
    tries = (
        session.execute(select(QuizAttempt.passed).where(QuizAttempt.member_id == member.id)).scalars().all()
    )
    assert sorted(tries) == [False, False, False, True]


def test_failed_joins_are_rate_limited_by_name(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_JOIN_FAILURES", "2/minute")
    created, _headers = _club(client, session)
    member = make_member(session)
    statuses = [_join(client, session, created["id"], {}, member).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]


def test_a_personal_invitation_opens_the_door_up_to_its_quota(client, session):
    created, headers = _club(client, session, invite_only=True, invite_quota=1, quiz=None, form=[])
    host = make_member(session)
    add_to_community(session, session.get(Community, created["id"]), host)
    host_headers = auth_headers(session, host)
    url = f"/api/v1/communities/{created['id']}/invitations"
    invitation = client.post(url, headers=host_headers).get_json()
    assert client.post(url, headers=host_headers).get_json()["code"] == invitation["code"]  # one per member
    assert invitation["quota"] == 1 and invitation["uses"] == 0
    assert invitation["url"].endswith(f"/communities/{created['id']}?invite={invitation['code']}")
    guest = make_member(session)
    assert (
        _join(client, session, created["id"], {"invite_code": invitation["code"].lower()}, guest).status_code
        == 201
    )
    refused = _join(client, session, created["id"], {"invite_code": invitation["code"]})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["invite_code"] == [
        "This invitation has brought in as many people as it may."
    ]
    uses = session.scalars(select(InvitationUse.member_id)).all()
    assert uses == [guest.id]
    assert client.post(url, headers=auth_headers(session, make_member(session))).status_code == 403


def test_the_qr_image_encodes_the_invite_link(client, session):
    created, headers = _club(client, session, quiz=None, form=[])
    invitation = client.post(f"/api/v1/communities/{created['id']}/invitations", headers=headers).get_json()
    response = client.get(f"/api/v1/invitations/{invitation['code']}/qr.png", headers=headers)
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "PNG"
    matrix = qr_matrix(invitation["url"])
    size = (len(matrix) + 2 * BORDER) * BOX
    assert image.size == (size, size)
    # read the modules back from the pixels: the image is the link's code, module for module
    gray = image.convert("L")
    read = [
        [
            gray.getpixel(((BORDER + x) * BOX + BOX // 2, (BORDER + y) * BOX + BOX // 2)) < 128
            for x in range(len(matrix))
        ]
        for y in range(len(matrix))
    ]
    assert read == matrix
    stranger = auth_headers(session, make_member(session))
    assert client.get(f"/api/v1/invitations/{invitation['code']}/qr.png", headers=stranger).status_code == 404
    assert client.get("/api/v1/invitations/ABCDEFGHJK/qr.png", headers=headers).status_code == 404


def test_a_challenge_may_ask_its_own_quiz_when_enrolling(client, session):
    community = make_community(session)
    member = make_member(session)
    add_to_community(session, community, member)
    organizer_headers = auth_headers(session, session.get(Member, community.organizer_id), now=NOW)
    rules = {
        "title": "Dawn",
        "timezone": "Asia/Shanghai",
        "start_date": "2026-03-02",
        "days": 7,
        "window_open": "05:00",
        "window_close": "07:00",
        "deposit_minor": 700,
        "currency": "CNY",
        "max_misses": 1,
        "min_participants": 1,
        "fee_bps": 0,
        "split": "equal",
        "entry": {"quiz": {"questions": QUIZ["questions"][:1], "pass_mark": 1}},
    }
    with travel(NOW):
        launched = client.post(
            f"/api/v1/communities/{community.id}/challenges", json=rules, headers=organizer_headers
        )
        assert launched.status_code == 201, launched.get_json()
        challenge = launched.get_json()
        assert challenge["entry"]["quiz"]["questions"][0]["answer"] == 0
        headers = auth_headers(session, member, now=NOW)
        seen = client.get(f"/api/v1/challenges/{challenge['id']}", headers=headers).get_json()
        assert "answer" not in seen["entry"]["quiz"]["questions"][0]
        url = f"/api/v1/challenges/{challenge['id']}/enrollments"
        unanswered = client.post(url, json={"pay_from_wallet": True}, headers=headers)
        assert unanswered.status_code == 422 and "quiz_answers" in unanswered.get_json()["errors"]
        answered = client.post(url, json={"pay_from_wallet": False, "quiz_answers": [0]}, headers=headers)
    assert answered.status_code in (201, 409), answered.get_json()
    assert "quiz_answers" not in (answered.get_json().get("errors") or {})
    membership = session.scalar(select(CommunityMembership).where(CommunityMembership.member_id == member.id))
    assert membership.status == MembershipStatus.ACTIVE
