"""The terms on the pages: the sign-up box, /terms and its acceptance, the way to a deposit going
through them, and the administrators' page that publishes a version."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from habits.models import Enrollment, Member, TermsAcceptance, TermsVersion
from habits.services import terms
from tests.factories import at_local, make_challenge, make_enrollment, make_member
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, log_in, post_form, text_of

NOW = datetime(2026, 2, 1, tzinfo=UTC)
GOOD = {
    "display_name": "Ada Early",
    "email": "ada@example.test",
    "password": "correct horse",
    "timezone": "Asia/Shanghai",
}


def publish(session, body="# Our terms\n\nDeposits form **prize pools**.") -> int:
    version = terms.publish_terms(session, body=body, now=NOW).version
    session.commit()
    return version


def acceptances(session, member_id: int) -> list[int]:
    session.expire_all()
    return list(
        session.scalars(select(TermsAcceptance.version).where(TermsAcceptance.member_id == member_id))
    )


# -- sign-up ---------------------------------------------------------------------------------------


def test_without_terms_the_register_page_asks_for_nothing(client, session):
    assert 'name="terms_version"' not in text_of(client.get("/register"))


def test_register_shows_the_terms_and_needs_the_box_ticked(client, session):
    version = publish(session)
    page = text_of(client.get("/register"))
    assert f'name="terms_version" value="{version}"' in page
    assert "<strong>prize pools</strong>" in page and "Read the terms of service (version 1)" in page

    unticked = post_form(client, "/register", GOOD)
    assert unticked.status_code == 422
    assert "Accept the terms of service to go on." in text_of(unticked)
    assert 'id="terms_version"' in text_of(unticked) and 'aria-invalid="true"' in text_of(unticked)
    assert session.scalar(select(func.count()).where(Member.email == GOOD["email"])) == 0

    ticked = post_form(client, "/register", {**GOOD, "terms_version": str(version)})
    assert ticked.status_code == 302
    member = session.scalar(select(Member).where(Member.email == GOOD["email"]))
    assert acceptances(session, member.id) == [version]


def test_terms_changed_while_the_form_was_open_are_asked_again(client, session):
    publish(session)
    token = csrf_token(client.get("/register").data)
    publish(session, "New terms.")
    response = client.post("/register", data={**GOOD, "terms_version": "1", "csrf_token": token})
    assert response.status_code == 422
    assert "The terms have changed since you read them: read them again." in text_of(response)
    assert 'value="2"' in text_of(response)
    for tampered in ("abc", "-1"):
        response = client.post("/register", data={**GOOD, "terms_version": tampered, "csrf_token": token})
        assert response.status_code == 422
    assert session.scalar(select(func.count()).where(Member.email == GOOD["email"])) == 0


def test_the_sign_up_box_in_chinese(client, session):
    publish(session)
    chinese = {"Accept-Language": "zh-CN"}
    assert "阅读服务条款（第 1 版）" in text_of(client.get("/register", headers=chinese))
    response = post_form(client, "/register", GOOD, headers=chinese)
    assert response.status_code == 422
    assert "请先接受服务条款。" in text_of(response)


# -- on the way to a deposit -----------------------------------------------------------------------


def test_joining_goes_through_the_terms_first_and_comes_back(client, session, world):
    publish(session)
    challenge = world.challenge
    with travel(at_local(challenge, -1, "12:00")):
        log_in(client, world.bystander)
        page = client.get(f"/challenges/{challenge.id}")
        joined = client.post(f"/challenges/{challenge.id}/join", data={"csrf_token": csrf_token(page.data)})
        assert joined.status_code == 302
        assert joined.headers["Location"] == f"/terms?next=/challenges/{challenge.id}"
        assert session.scalar(select(func.count()).where(Enrollment.member_id == world.bystander.id)) == 0

        terms_page = client.get(joined.headers["Location"])
        assert "Before you pay a deposit, read the terms of this service and accept them." in text_of(
            terms_page
        )
        assert "I accept these terms" in text_of(terms_page)
        accepted = client.post(
            "/terms/acceptance",
            data={
                "csrf_token": csrf_token(terms_page.data),
                "terms_version": "1",
                "next": f"/challenges/{challenge.id}",
            },
        )
        assert accepted.status_code == 302 and accepted.headers["Location"] == f"/challenges/{challenge.id}"
        assert acceptances(session, world.bystander.id) == [1]
        assert "You accepted this version on" in text_of(client.get("/terms"))

        page = client.get(f"/challenges/{challenge.id}")
        joined = client.post(f"/challenges/{challenge.id}/join", data={"csrf_token": csrf_token(page.data)})
        assert joined.headers["Location"].endswith("/pay")


def test_the_pay_page_sends_to_the_terms_and_back(client, session, world):
    challenge = make_challenge(session, world.community)
    pending = make_enrollment(session, challenge, world.bystander)
    publish(session)
    with travel(at_local(challenge, -1, "12:00")):
        log_in(client, world.bystander)
        response = client.get(f"/enrollments/{pending.id}/pay")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/terms?next=/enrollments/{pending.id}/pay"
        token = csrf_token(client.get("/account").data)
        refused = client.post(
            f"/enrollments/{pending.id}/pay", data={"method": "wallet", "csrf_token": token}
        )
        assert refused.status_code == 302 and refused.headers["Location"].startswith("/terms?next=")


def test_accepting_with_bad_input_records_nothing(client, session, world):
    publish(session)
    log_in(client, world.member)
    page = client.get("/terms")
    token = csrf_token(page.data)
    for data in (
        {"csrf_token": token},  # no version
        {"csrf_token": token, "terms_version": "2"},  # not the version in force
        {"csrf_token": token, "terms_version": "one"},
    ):
        response = client.post("/terms/acceptance", data=data)
        assert response.status_code == 302 and response.headers["Location"].startswith("/terms")
    assert client.post("/terms/acceptance", data={"terms_version": "1"}).status_code == 400  # no token
    assert acceptances(session, world.member.id) == []
    follow = client.post(
        "/terms/acceptance", data={"csrf_token": token, "terms_version": "1", "next": "//evil"}
    )
    assert follow.headers["Location"] == "/terms"
    assert acceptances(session, world.member.id) == [1]


def test_the_terms_page_for_visitors_renders_markdown_safely(client, session):
    assert "This server has not published terms yet." in text_of(client.get("/terms"))
    publish(
        session,
        "# Rules\n\n<script>alert(1)</script>\n\n![x](https://tracker.example/p.png) [us](javascript:x)",
    )
    page = text_of(client.get("/terms"))
    assert "<h1>Rules</h1>" in page and "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<img" not in page and 'href="javascript' not in page  # no image loads by itself
    assert "I accept these terms" not in page  # a visitor reads; members accept


# -- publishing ------------------------------------------------------------------------------------


def test_only_site_administrators_see_the_publishing_page(client, session):
    member = make_member(session)
    assert client.get("/admin/terms").status_code == 404
    assert client.post("/admin/terms", data={"body": "x"}).status_code == 404
    log_in(client, member)
    assert client.get("/admin/terms").status_code == 404
    assert client.post("/admin/terms", data={"body": "x"}).status_code == 404
    assert session.scalar(select(func.count()).select_from(TermsVersion)) == 0


def test_an_administrator_publishes_versions(client, session):
    admin = make_member(session, is_admin=True)
    log_in(client, admin)
    page = client.get("/admin/terms")
    assert page.status_code == 200 and "No terms are published yet" in text_of(page)

    blank = post_form(client, "/admin/terms", {"body": "   "})
    assert blank.status_code == 422 and "Write the terms." in text_of(blank)
    too_long = post_form(client, "/admin/terms", {"body": "x" * (terms.MAX_BODY + 1)})
    assert too_long.status_code == 422
    no_token = client.post("/admin/terms", data={"body": "Be kind."})
    assert no_token.status_code == 422
    assert session.scalar(select(func.count()).select_from(TermsVersion)) == 0

    published = post_form(client, "/admin/terms", {"body": "Be kind."})
    assert published.status_code == 302
    assert "Version 1 is published" in text_of(client.get("/admin/terms"))
    same = post_form(client, "/admin/terms", {"body": "Be kind.\r\n"})
    assert same.status_code == 422
    assert "These are the terms in force already: change them before publishing." in text_of(same)
    assert post_form(client, "/admin/terms", {"body": "Be kinder."}).status_code == 302
    session.expire_all()
    versions = session.scalars(select(TermsVersion).order_by(TermsVersion.version)).all()
    assert [(v.version, v.body, v.published_by_id) for v in versions] == [
        (1, "Be kind.", admin.id),
        (2, "Be kinder.", admin.id),
    ]
