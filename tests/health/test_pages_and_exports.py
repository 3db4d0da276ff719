"""The dashboard page and the CSV exports: organizers only, formula escaping, streaming."""

from __future__ import annotations

import csv
import io
import types

import pytest

from habits.domain.csv_cells import stream_csv
from habits.models import CommunityMembership, MemberTag, Role
from habits.services.community_health import exports, refresh
from tests.api.helpers import auth_headers
from tests.factories import make_member
from tests.health import scenario
from tests.timehelpers import travel
from tests.web.helpers import log_in, post_form


@pytest.fixture
def world(session):
    world = scenario.build(session)
    now = scenario.at(20, "12:00")
    refresh.refresh_community(session, world.community, now=now)
    session.commit()
    return world


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_dashboard_draws_its_charts_with_their_tables_and_reference_lines(client, world):
    with travel(scenario.at(20, "12:00")):
        log_in(client, world.org)
        page = client.get(f"/communities/{world.community.id}/health?from=2026-03-01&to=2026-03-20")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count("<svg") >= 3 and 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "Healthy large group: 5%–8%" in html and "Pruned core group: over 70%" in html
    assert "Over 40% of new groups dead within 7 days" in html
    assert "The figures as a table" in html and "Retention by join week" in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]  # no chart script


def test_the_dashboard_in_chinese(client, session, world):
    world.org.locale = "zh_Hans"
    session.commit()
    with travel(scenario.at(20, "12:00")):
        log_in(client, world.org)
        html = client.get(f"/communities/{world.community.id}/health").get_data(as_text=True)
    assert "社群健康" in html and "活跃占比" in html


def test_a_bad_period_on_the_page_falls_back_to_the_last_30_days(client, world):
    with travel(scenario.at(20, "12:00")):
        log_in(client, world.org)
        page = client.get(f"/communities/{world.community.id}/health?from=2026-03-20&to=2026-03-01")
    assert page.status_code == 200


def test_organizers_set_the_alert_threshold_and_zone(client, session, world):
    url = f"/communities/{world.community.id}/health"
    with travel(scenario.at(20, "12:00")):
        log_in(client, world.org)
        bad = post_form(
            client, f"{url}/settings", {"timezone": "Asia/Shanghai", "alert_percent": "lots"}, form_page=url
        )
        assert bad.status_code == 422
        ok = post_form(
            client, f"{url}/settings", {"timezone": "Europe/Paris", "alert_percent": "7.5"}, form_page=url
        )
    assert ok.status_code == 302
    session.refresh(world.community)
    assert (world.community.timezone, world.community.health_alert_bps) == ("Europe/Paris", 750)


@pytest.mark.parametrize("kind", ["members", "checkins", "settlements"])
def test_only_organizers_export(client, session, world, kind):
    co = make_member(session)
    session.add(
        CommunityMembership(
            community_id=world.community.id,
            member_id=co.id,
            role=Role.CO_ORGANIZER,
            joined_at=scenario.at(1, "09:00"),
            answers=[],
        )
    )
    session.commit()
    url = f"/api/v1/communities/{world.community.id}/export/{kind}.csv"
    for member, status in (
        (world.org, 200),
        (co, 200),
        (world.ann, 404),
        (world.pat, 404),
        (make_member(session), 404),
    ):
        assert client.get(url, headers=auth_headers(session, member), buffered=True).status_code == status
    assert client.get(url).status_code == 401


def test_members_export_escapes_formulas_and_carries_the_answers(client, session, world):
    world.community.entry_form = [{"key": "city", "label": "City?", "kind": "text", "required": True}]
    membership = session.query(CommunityMembership).filter_by(member_id=world.ann.id).one()
    membership.answers = {"city": "@SUM(A1:A9)"}
    session.add(MemberTag(community_id=world.community.id, member_id=world.ann.id, tag="city:Lisbon"))
    world.ann.display_name = '=HYPERLINK("http://evil")'
    world.bo.display_name = "-1+2"
    session.commit()
    response = client.get(
        f"/api/v1/communities/{world.community.id}/export/members.csv",
        headers=auth_headers(session, world.org),
    )
    assert response.is_streamed and response.mimetype == "text/csv"
    rows = rows_of(response)
    assert rows[0] == [
        "member_id", "display_name", "role", "status", "joined_at", "left_at", "tags", "answer: City?"
    ]  # fmt: skip
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[str(world.ann.id)][1] == '\'=HYPERLINK("http://evil")'
    assert by_id[str(world.ann.id)][6] == "city:Lisbon"
    assert by_id[str(world.ann.id)][7] == "'@SUM(A1:A9)"
    assert by_id[str(world.bo.id)][1] == "'-1+2"
    assert by_id[str(world.pat.id)][1] == "'=Pat" and by_id[str(world.pat.id)][3] == "pending"
    assert by_id[str(world.di.id)][3] == "left" and by_id[str(world.di.id)][5].startswith(
        "2026-03-05T07:00:00"
    )


def test_checkins_and_settlements_exports(client, session, world):
    headers = auth_headers(session, world.org)
    checkins = rows_of(
        client.get(f"/api/v1/communities/{world.community.id}/export/checkins.csv", headers=headers)
    )
    assert len(checkins) == 1 + 10 and checkins[0][0] == "check_in_id"
    voided = [row for row in checkins[1:] if row[11]]
    assert len(voided) == 1 and voided[0][12] == "old photo"
    settlements = rows_of(
        client.get(f"/api/v1/communities/{world.community.id}/export/settlements.csv", headers=headers)
    )
    assert [row[1] for row in settlements[1:]] == ["0", "1", "2"] and settlements[1][4] == "1000"


def test_the_page_export_streams_too(client, world):
    log_in(client, world.org)
    response = client.get(f"/communities/{world.community.id}/export/members.csv")
    assert response.status_code == 200 and response.is_streamed


def test_an_export_is_a_generator_that_never_holds_the_whole_file(session, world):
    export = exports.export(session, world.community.id, world.org, "members")
    assert isinstance(export.rows, types.GeneratorType)
    chunks = stream_csv(({"n": n}.get("n") for _ in range(1) for n in [n]) for n in range(2000))
    sizes = [len(chunk) for chunk in stream_csv([[n, "=x"] for n in range(2000)], chunk_rows=500)]
    assert len(sizes) == 4  # 2,000 rows in four chunks: one chunk in memory at a time
    assert isinstance(chunks, types.GeneratorType)


def test_unknown_exports_are_not_found(client, session, world):
    headers = auth_headers(session, world.org)
    assert (
        client.get(
            f"/api/v1/communities/{world.community.id}/export/wallets.csv", headers=headers
        ).status_code
        == 404
    )
