"""Squads of a challenge: placing members at day 0 and regrouping (``placing``), what their
members and organizers read (``reading``), and the answers placement matches on (``answers``)."""
