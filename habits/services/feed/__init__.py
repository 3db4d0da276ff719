"""A challenge's feed: who checked in, cheers, comments with mentions, reports, flags and blocks.

SPEC "Who sees what": the challenge's participants and the community's organizers read the feed,
its cheers and comments (``visibility.visible_feed_check_in``); a photo marked private only its
owner and the organizers (``visibility.can_see_photo``).

- ``reading``: the feed page by keyset cursor (counts in the page's one query), the mention picker;
- ``reactions``: cheers, flags, a photo marked private;
- ``comments``: comments, their mentions and reports, and blocks;
- ``review``: what reaches the organizers (flags and reports);
- ``refusals``: what these refuse.
"""

from habits.services.feed.comments import (
    MAX_BODY,
    MAX_MENTIONS,
    CommentLine,
    add_comment,
    block,
    comments_of,
    delete_comment,
    report_comment,
    unblock,
)
from habits.services.feed.reactions import CheerState, cheer, flag, set_photo_private, uncheer
from habits.services.feed.reading import (
    FeedItem,
    FeedPage,
    decode_cursor,
    encode_cursor,
    feed_page,
    participants,
)
from habits.services.feed.refusals import (
    AlreadyFlagged,
    BadCursor,
    BlockSelf,
    CommentBlocked,
    CommentNotYours,
    FlagNotParticipant,
    FlagOwnCheckIn,
    MentionBlocked,
    PhotoNotYours,
)
from habits.services.feed.review import ReviewLine, review_lines

__all__ = [
    "MAX_BODY",
    "MAX_MENTIONS",
    "AlreadyFlagged",
    "BadCursor",
    "BlockSelf",
    "CheerState",
    "CommentBlocked",
    "CommentLine",
    "CommentNotYours",
    "FeedItem",
    "FeedPage",
    "FlagNotParticipant",
    "FlagOwnCheckIn",
    "MentionBlocked",
    "PhotoNotYours",
    "ReviewLine",
    "add_comment",
    "block",
    "cheer",
    "comments_of",
    "decode_cursor",
    "delete_comment",
    "encode_cursor",
    "feed_page",
    "flag",
    "participants",
    "report_comment",
    "review_lines",
    "set_photo_private",
    "unblock",
    "uncheer",
]
