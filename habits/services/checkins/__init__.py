"""Check-ins: the server's clock decides the day; one per enrollment and day; evidence; voiding.

SPEC: "A check-in made at server instant t belongs to the day whose window contains t. At any
other instant it is refused with a clear error that says when the next window opens."

One job per module; callers use the names below (``checkins.check_in``, ``checkins.Evidence``...):

- ``tap``: the API's wake-up tap, one statement when it can (``check_in_with_token``);
- ``recording``: the step-by-step check-in the pages use and the tap falls back to (``check_in``);
- ``evidence``: the note, value and photo a check-in brings, checked against the challenge (and
  a value typed as text bounded before it is read: ``value_text_problem``);
- ``windows``: each schedule's day windows, computed once, for finding an instant's day;
- ``standing``: a check-in's rank of the day and its member's streak (``standing_of``);
- ``queries``: what pages read (one check-in, today's window, lists, the feed);
- ``voiding``: an organizer's void, until the day is due;
- ``refusals``: the check-in's errors.
"""

from habits.services.checkins.evidence import Evidence, value_text_problem
from habits.services.checkins.queries import (
    Today,
    challenge_feed,
    get_check_in,
    own_check_ins,
    photo_check_in,
    today,
    visible_check_in,
)
from habits.services.checkins.recording import CheckInTarget, RecordedCheckIn, check_in
from habits.services.checkins.refusals import AlreadyCheckedIn, CheckInClosed, CheckInNotAllowed, VoidTooLate
from habits.services.checkins.standing import CheckInStanding, standing_of
from habits.services.checkins.tap import LazyEvidence, check_in_with_token
from habits.services.checkins.voiding import void_check_in
from habits.services.checkins.windows import WindowTable, window_table

__all__ = [
    "AlreadyCheckedIn",
    "CheckInClosed",
    "CheckInNotAllowed",
    "CheckInStanding",
    "CheckInTarget",
    "Evidence",
    "LazyEvidence",
    "RecordedCheckIn",
    "Today",
    "VoidTooLate",
    "WindowTable",
    "challenge_feed",
    "check_in",
    "check_in_with_token",
    "get_check_in",
    "own_check_ins",
    "photo_check_in",
    "standing_of",
    "today",
    "value_text_problem",
    "visible_check_in",
    "void_check_in",
    "window_table",
]
