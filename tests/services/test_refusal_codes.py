"""Every refusal carries its own stable code, unique across the application; field errors carry one
too, and stay plain strings wherever a string is expected (the API's ``errors``)."""

from __future__ import annotations

import copy
import json
import pickle
import re
from datetime import UTC, date, datetime

from habits.services import challenges
from habits.services.checkins import CheckInClosed
from habits.services.deposits import EnrollmentClosed as RaisedByDeposits
from habits.services.enrollments import EnrollmentClosed as RaisedByEnrollments
from habits.services.errors import EnrollmentClosed, FieldError, HabitsError, InvalidInput
from tests.refusals import all_refusals

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def test_every_refusal_has_its_own_unique_snake_case_code():
    refusals = all_refusals()
    # the application's refusals are all there (a broken walk would find only errors.py's)
    names = {cls.__name__ for cls in refusals}
    assert {"CheckInClosed", "NotEnoughInWallet", "EnrollmentClosed", "SettlementError"} <= names
    codes = {}
    for cls in refusals:
        assert "code" in vars(cls), f"{cls.__module__}.{cls.__name__} inherits its code: give it its own"
        assert SNAKE.match(cls.code), (cls.__name__, cls.code)
        assert cls.code not in codes, f"{cls.__name__} and {codes[cls.code]} share the code {cls.code!r}"
        codes[cls.code] = cls.__name__
    assert CheckInClosed.code == "check_in_closed"


def test_enrollment_closed_is_defined_once():
    assert RaisedByDeposits is RaisedByEnrollments is EnrollmentClosed
    assert [cls for cls in all_refusals() if cls.__name__ == "EnrollmentClosed"] == [EnrollmentClosed]


def test_a_field_error_is_its_message_with_a_code():
    error = FieldError("window_closes_before_open", "The window must close after it opens.", days=3)
    assert error == "The window must close after it opens." and isinstance(error, str)
    assert (
        json.dumps({"window_close": [error]}) == '{"window_close": ["The window must close after it opens."]}'
    )
    for clone in (pickle.loads(pickle.dumps(error)), copy.deepcopy(error)):
        assert (clone, clone.code, clone.params) == (error, error.code, {"days": 3})


def test_plain_string_field_errors_get_the_unnamed_code():
    refusal = InvalidInput("Say why.", errors={"reason": ["a reason is required"], "day": "out of range"})
    assert refusal.errors == {"reason": ["a reason is required"], "day": ["out of range"]}
    assert {e.code for messages in refusal.errors.values() for e in messages} == {"invalid"}
    assert HabitsError("no fields").errors is None


def test_the_challenge_rules_name_each_broken_rule():
    now = datetime(2026, 3, 1, tzinfo=UTC)
    good = {
        **challenges.DEFAULTS,
        "timezone": "Asia/Shanghai",
        "start_date": date(2026, 3, 10),
        "days": 10,
        "window_open": "05:00",
        "window_close": "07:00",
        "deposit_minor": 10000,
        "currency": "CNY",
    }
    assert challenges.check_rules(good, now=now) == {}
    broken = {**good, "window_open": "08:00", "window_close": "06:00", "deposit_minor": 5, "rest_days": 11}
    codes = {
        field: [e.code for e in errors] for field, errors in challenges.check_rules(broken, now=now).items()
    }
    assert codes == {
        "window_close": ["window_closes_before_open"],
        "deposit_minor": ["deposit_below_days"],
        "rest_days": ["rest_days_over_days"],
    }
    late = challenges.check_rules({**good, "start_date": date(2026, 2, 27)}, now=now)
    assert [e.code for e in late["start_date"]] == ["day_zero_opened"]
