"""Every route that takes a currency takes exactly a code of habits.domain.currencies (issue 13:
a challenge in ``"USD\\n"`` took a card payment that was then never booked)."""

from __future__ import annotations

import pytest

from habits.domain.currencies import CODES
from tests.api.helpers import auth_headers
from tests.api.test_challenges import BEFORE_START, launch
from tests.factories import make_member
from tests.timehelpers import travel

NEAR_MISSES = ["USD\n", "usd", "usd ", " USD", "USD\t", "ZZZ", "KWD", "ISK", "", "US", 840, None]


@pytest.mark.parametrize("currency", NEAR_MISSES)
def test_launching_takes_only_a_currency_of_the_table(client, world, currency):
    response = launch(client, world, currency=currency)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"currency"}


@pytest.mark.parametrize(("currency", "deposit"), [("JPY", 7000), ("IDR", 7_000_000), ("HUF", 700_000)])
def test_a_currency_of_the_table_is_stored_as_sent(client, world, currency, deposit):
    response = launch(client, world, currency=currency, deposit_minor=deposit)
    assert response.status_code == 201
    assert (response.get_json()["currency"], response.get_json()["deposit_minor"]) == (currency, deposit)


@pytest.mark.parametrize("currency", ["USD\n", "ZZZ", "cny"])
def test_changing_a_challenge_takes_only_a_currency_of_the_table(client, world, currency):
    with travel(BEFORE_START):
        response = client.patch(
            f"/api/v1/challenges/{world.challenge.id}",
            json={"currency": currency},
            headers=world.as_("organizer"),
        )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"currency"}


@pytest.mark.parametrize("currency", ["CNY\n", "cny", "ZZZ", "yuan"])
def test_a_withdrawal_takes_only_a_currency_of_the_table(session, client, currency):
    headers = auth_headers(session, make_member(session))
    response = client.post(
        "/api/v1/me/withdrawals", json={"amount_minor": 10, "currency": currency}, headers=headers
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"currency"}


def test_the_document_lists_the_currencies_it_takes(app):
    schemas = app.test_client().get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("ChallengeCreate", "ChallengeUpdate", "WithdrawalCreate"):
        assert schemas[name]["properties"]["currency"]["enum"] == list(CODES), name
