"""A number in a URL path too large for any row or day matches no route: 404, never a 500.

Every rule of the app (API and pages) is walked: a route added later with an unbounded
``<int:...>`` fails here, signed in or not.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import FloatConverter, IntegerConverter

from habits.routing import decimal_pattern
from tests.api.helpers import auth_headers
from tests.factories import make_member
from tests.web.helpers import log_in

_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
HUGE = [2**63, 2**70]
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def numeric_arguments(app, rule) -> list[str]:
    return [
        match["name"]
        for match in _ARGUMENT.finditer(rule.rule)
        if issubclass(
            app.url_map.converters[match["converter"] or "default"], (IntegerConverter, FloatConverter)
        )
    ]


def urls_with_a_huge_number(app) -> list[tuple[str, str]]:
    """(method, url) for every rule and numeric argument, that argument set to each huge number
    and every other argument to 1."""
    cases = []
    for rule in app.url_map.iter_rules():
        for name in numeric_arguments(app, rule):
            for huge in HUGE:

                def value(match, name=name, huge=huge):
                    return str(huge) if match["name"] == name else "1"

                url = _ARGUMENT.sub(value, rule.rule)
                cases.extend((method, url) for method in sorted(rule.methods & METHODS))
    return cases


def test_the_walk_finds_the_routes_with_numbers(app):
    cases = urls_with_a_huge_number(app)
    assert ("GET", f"/challenges/{2**63}") in cases
    assert ("GET", f"/api/v1/challenges/1/days/{2**70}/settlement") in cases
    assert ("GET", f"/challenges/1/days/{2**63}") in cases


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed in"])
def test_a_huge_number_in_any_path_is_404(app, client, session, signed_in):
    headers = {}
    if signed_in:
        member = make_member(session)
        log_in(client, member)
        headers = auth_headers(session, member)
    failures = []
    for method, url in urls_with_a_huge_number(app):
        response = client.open(url, method=method, headers=headers)
        if response.status_code != 404:
            failures.append(f"{method} {url}: {response.status_code}")
    assert failures == []


def test_day_zero_and_ordinary_ids_still_route(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/challenges/5/days/0")[1] == {"challenge_id": 5, "day_index": 0}
    assert adapter.match(f"/api/v1/challenges/{2**63 - 1}")[1] == {"challenge_id": 2**63 - 1}


@pytest.mark.parametrize("low", [0, 1])
@pytest.mark.parametrize("high", [1, 7, 9, 10, 99, 100, 365, 1000, 2**63 - 1])
def test_the_pattern_matches_exactly_the_numbers_within_bounds(low, high):
    pattern = re.compile(decimal_pattern(low, high))
    for n in {0, 1, 2, 9, 10, 11, 99, 100, 101, 364, 365, 366, high - 1, high, high + 1, 2**63, 2**70}:
        assert bool(pattern.fullmatch(str(n))) == (low <= n <= high), n
    for text in ["", "-1", "01", "1.0", "１", "1１"]:  # no sign, leading zero, fraction or other digits
        assert pattern.fullmatch(text) is None


#: ``any``: one of a closed list of words (the exports' kinds), never a number
BOUNDED_CONVERTERS = {"id", "day", "ref", "any"}


def test_every_path_argument_is_bounded(app):
    """The class, not the list: a route added with ``<int:...>``, ``<string:...>`` or a bare
    ``<name>`` fails here (Flask's own static route is the one exception)."""
    loose = [
        (rule.rule, match["converter"] or "default")
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for match in _ARGUMENT.finditer(rule.rule)
        if (match["converter"] or "default") not in BOUNDED_CONVERTERS
        # a string of one exact length (an invitation's code) is bounded too
        and not (match["converter"] == "string" and "length=" in (match["args"] or ""))
    ]
    assert loose == []
