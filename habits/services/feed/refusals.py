"""What the feed refuses, each with its stable code (habits.services.errors)."""

from __future__ import annotations

from habits.services.errors import Forbidden, HabitsError


class BadCursor(HabitsError):
    """A cursor we did not write names no page of the feed: 404, like any page that is not there."""

    status = 404
    code = "feed_cursor_invalid"
    title = "Not a cursor of this feed"


class FlagOwnCheckIn(Forbidden):
    code = "flag_own_check_in"
    title = "You cannot flag your own check-in"


class FlagNotParticipant(Forbidden):
    code = "flag_not_participant"
    title = "Only the challenge's participants flag check-ins"


class AlreadyFlagged(HabitsError):
    code = "already_flagged"
    title = "You have flagged this check-in already"


class PhotoNotYours(Forbidden):
    code = "photo_not_yours"
    title = "Only the check-in's member marks its photo private"


class CommentNotYours(Forbidden):
    code = "comment_not_yours"
    title = "Only its author or an organizer deletes a comment"


class CommentBlocked(Forbidden):
    code = "comment_blocked"
    title = "This member does not take your comments"


class MentionBlocked(Forbidden):
    code = "mention_blocked"
    title = "A member you mentioned does not take your mentions"


class BlockSelf(HabitsError):
    code = "block_self"
    title = "You cannot block yourself"
