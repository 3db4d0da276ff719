"""Flash challenges: short play (1 to 3 days) open to anyone who can see the community.

The one rule of who gets past a community's entry for a flash challenge; the entry's
requirements (``entry.requirements``) and who sees the challenge both ask it.
"""

from __future__ import annotations

from habits.models import Challenge, Community


def flash_bypasses_entry(community: Community, challenge: Challenge) -> bool:
    """A flash challenge lets any signed-in member who can see the community join without its
    quiz, form or approval (without becoming a member of the community); an invitation-only
    community stays closed."""
    return bool(challenge.flash) and not community.invite_only
