from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from habits.domain.instants import rfc3339_utc


def test_an_instant_is_written_in_utc_with_z_whatever_zone_it_carries():
    shanghai = datetime(2026, 11, 25, 6, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert rfc3339_utc(shanghai) == "2026-11-24T22:30:00Z"
    assert rfc3339_utc(datetime(2026, 3, 8, 7, 0, 0, 250, tzinfo=UTC)) == "2026-03-08T07:00:00.000250Z"
    minus_five = timezone(timedelta(hours=-5))
    assert rfc3339_utc(datetime(2026, 1, 1, 23, 59, tzinfo=minus_five)) == "2026-01-02T04:59:00Z"
