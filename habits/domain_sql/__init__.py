"""The set-based SQL form of the domain's money rules, one module per rule module.

``habits/domain`` is pure Python (its import contract forbids SQLAlchemy) and is the rule; each
module here builds SQLAlchemy expressions from that rule's own functions and constants, so a
change to the rule changes the money, not only a preview. Property tests hold each pair equal.
"""
