"""Use cases. Each takes (session, ..., now=...), flushes and never commits: the edge commits.

Services never read request globals or the clock, so a page, the API, a webhook, a job, a CLI
command and a test call them the same way.
"""
