"""The settlement routes: statements, receipts, rest days, excuses and appeals over HTTP."""

from __future__ import annotations

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Member, Role
from tests.api.helpers import auth_headers
from tests.factories import (
    add_to_community,
    at_local,
    make_challenge,
    make_checkin,
    make_community,
    make_enrollment,
    make_member,
)
from tests.settlement.helpers import assert_books_clean, sweep
from tests.timehelpers import travel

S = EnrollmentStatus


def _setup(session, **rules):
    organizer = make_member(session)
    community = make_community(session, organizer)
    ch = make_challenge(session, community, **rules)
    with travel(at_local(ch, -1, "12:00")):
        enrollments = [make_enrollment(session, ch, status=S.ACTIVE) for _ in range(3)]
    for e in enrollments:
        add_to_community(session, community, session.get(Member, e.member_id))
    return organizer, community, ch, enrollments


def _member(session, enrollment):
    return session.get(Member, enrollment.member_id)


def test_statement_is_404_until_settled_then_pages_through_ledger_lines(session, client):
    organizer, _, ch, (a, b, c) = _setup(session, days=3, deposit_minor=300, fee_bps=1000)
    make_checkin(session, a, 0, at=at_local(ch, 0, "05:01"))
    make_checkin(session, b, 0, at=at_local(ch, 0, "05:02"))
    url = f"/api/v1/challenges/{ch.id}/days/0/settlement"
    with travel(at_local(ch, 0, "07:09")):
        headers = auth_headers(session, organizer)
        assert client.get(url).status_code == 401
        missing = client.get(url, headers=headers)
        assert missing.status_code == 404
        assert missing.content_type == "application/problem+json"
    with travel(at_local(ch, 0, "07:10")):
        sweep(session, at_local(ch, 0, "07:10"))
        body = client.get(url, headers=headers).get_json()
        # c missed: 100 into the pot; fee 10; 90 split 45/45
        assert (body["status"], body["pot_minor"], body["fee_minor"], body["carried_minor"]) == (
            "settled", 100, 10, 0,
        )  # fmt: skip
        assert body["split"] == "equal" and "seed" not in body
        assert body["total"] == 5
        assert body["lines"] == [
            {"enrollment_id": a.id, "kind": "returned", "amount_minor": 100},
            {"enrollment_id": a.id, "kind": "won", "amount_minor": 45, "winner_rank": 1},
            {"enrollment_id": b.id, "kind": "returned", "amount_minor": 100},
            {"enrollment_id": b.id, "kind": "won", "amount_minor": 45, "winner_rank": 2},
            {"enrollment_id": c.id, "kind": "missed", "amount_minor": 100},
        ]
        page2 = client.get(url + "?per_page=2&page=2", headers=headers).get_json()
        assert [line["enrollment_id"] for line in page2["lines"]] == [b.id, b.id]
        assert page2["total"] == 5 and page2["page"] == 2
        assert client.get(url.replace("/days/0/", "/days/1/"), headers=headers).status_code == 404
        assert client.get("/api/v1/challenges/999999/days/0/settlement", headers=headers).status_code == 404


def test_receipts_are_the_members_own(session, client):
    _, _, ch, (a, b, c) = _setup(session, days=3, deposit_minor=300)
    make_checkin(session, a, 0)
    with travel(at_local(ch, 0, "07:10")):
        sweep(session, at_local(ch, 0, "07:10"))
        mine = client.get(
            f"/api/v1/enrollments/{a.id}/receipts", headers=auth_headers(session, _member(session, a))
        )
        assert mine.status_code == 200
        body = mine.get_json()
        assert body["items"] == [
            {
                "day_index": 0,
                "status": "settled",
                "kind": "returned",
                "returned_minor": 100,
                "forfeited_minor": 0,
                "won_minor": 200,
                "settled_at": "2026-03-01T23:10:00Z",
            }
        ]
        assert (body["held_minor"], body["returned_minor"], body["won_minor"], body["total"]) == (
            200,
            100,
            200,
            1,
        )
        other = client.get(
            f"/api/v1/enrollments/{a.id}/receipts", headers=auth_headers(session, _member(session, b))
        )
        assert other.status_code == 404


def test_rest_days_are_declared_before_the_window_within_the_allowance(session, client):
    _, _, ch, (a, b, _) = _setup(session, days=3, deposit_minor=300, rest_days=1)
    url = f"/api/v1/enrollments/{a.id}/rest-days"
    with travel(at_local(ch, 1, "04:59")):
        headers = auth_headers(session, _member(session, a))
        first = client.post(url, json={"day_index": 1}, headers=headers)
        assert first.status_code == 201, first.get_json()
        assert first.get_json()["rest_days_used"] == 1 and first.get_json()["rest_days_allowed"] == 1
        again = client.post(url, json={"day_index": 1}, headers=headers)
        assert again.status_code == 409
        over = client.post(url, json={"day_index": 2}, headers=headers)
        assert over.status_code == 409 and "used them all" in over.get_json()["detail"]
        assert client.post(url, json={"day_index": 7}, headers=headers).status_code == 422
        assert client.post(url, json={}, headers=headers).status_code == 422
        strangers = client.post(
            url, json={"day_index": 2}, headers=auth_headers(session, _member(session, b))
        )
        assert strangers.status_code == 404
    with travel(at_local(ch, 1, "05:00")):
        b_url = f"/api/v1/enrollments/{b.id}/rest-days"
        late = client.post(b_url, json={"day_index": 1}, headers=auth_headers(session, _member(session, b)))
        assert late.status_code == 409 and "window_opens_at" in late.get_json()


def test_only_organizers_excuse_a_day_and_only_until_it_is_due(session, client):
    organizer, community, ch, (a, _, _) = _setup(session, days=3, deposit_minor=300)
    co = make_member(session)
    add_to_community(session, community, co, role=Role.CO_ORGANIZER)
    stranger = make_member(session)
    url = f"/api/v1/challenges/{ch.id}/days/1/excuse"
    with travel(at_local(ch, 1, "07:09")):
        assert (
            client.post(url, json={"reason": "x"}, headers=auth_headers(session, stranger)).status_code == 404
        )
        member = client.post(url, json={"reason": "x"}, headers=auth_headers(session, _member(session, a)))
        assert member.status_code == 403
        assert client.post(url, json={"reason": ""}, headers=auth_headers(session, co)).status_code == 422
        ok = client.post(url, json={"reason": "the park was closed"}, headers=auth_headers(session, co))
        assert ok.status_code == 201
        assert ok.get_json()["reason"] == "the park was closed" and ok.get_json()["excused_by_id"] == co.id
        assert (
            client.post(url, json={"reason": "twice"}, headers=auth_headers(session, co)).status_code == 409
        )
    with travel(at_local(ch, 2, "07:10")):
        late = client.post(
            f"/api/v1/challenges/{ch.id}/days/2/excuse",
            json={"reason": "late"},
            headers=auth_headers(session, organizer),
        )
        assert late.status_code == 409 and late.get_json()["due_at"] == "2026-03-03T23:10:00Z"


def test_an_accepted_appeal_records_a_check_in_that_wins(session, client):
    organizer, _, ch, (a, b, c) = _setup(session, days=2, deposit_minor=200)
    make_checkin(session, a, 0, at=at_local(ch, 0, "05:30"))
    url = f"/api/v1/challenges/{ch.id}/days/0/checkins"
    with travel(at_local(ch, 0, "07:05")):
        headers = auth_headers(session, organizer)
        ok = client.post(url, json={"enrollment_id": b.id, "reason": "forgot to tap"}, headers=headers)
        assert ok.status_code == 201, ok.get_json()
        assert ok.get_json()["source"] == "appeal" and ok.get_json()["recorded_by_id"] == organizer.id
        dup = client.post(url, json={"enrollment_id": a.id, "reason": "already in"}, headers=headers)
        assert dup.status_code == 409
        member = client.post(
            url,
            json={"enrollment_id": c.id, "reason": "me"},
            headers=auth_headers(session, _member(session, c)),
        )
        assert member.status_code == 403
    with travel(at_local(ch, 0, "07:10")):
        late = client.post(url, json={"enrollment_id": c.id, "reason": "too late"}, headers=headers)
        assert late.status_code == 409
        sweep(session, at_local(ch, 0, "07:10"))
    # c's miss (100) is split between a and the appealed b: 50 each
    from habits.services.receipts import enrollment_money

    assert enrollment_money(session, b)["won_minor"] == 50
    assert enrollment_money(session, a)["won_minor"] == 50
    assert_books_clean(session)
