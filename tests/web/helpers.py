"""Driving the pages the way a browser does: read the form's CSRF token, post it back."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict

from tests.factories import PASSWORD

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str | bytes) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    match = _CSRF.search(text)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, *, form_page: str | None = None, **kwargs):
    """GET the page holding the form (``form_page``, default ``url``), then POST ``data`` with its token."""
    page = client.get(form_page or url)
    body = {"csrf_token": csrf_token(page.data), **(data or {})}
    return client.post(url, data=body, **kwargs)


def log_in(client, member, password: str = PASSWORD):
    response = post_form(client, "/login", {"email": member.email, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


def text_of(response) -> str:
    return response.get_data(as_text=True)


class _HiddenFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.fields.append((attributes["name"], attributes.get("value") or ""))


def hidden_fields(html: str | bytes) -> list[tuple[str, str]]:
    parser = _HiddenFields()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return parser.fields


def confirm(client, url: str, page, **extra):
    """Press the confirm button of the confirmation ``page`` (habits.web.confirm) that a POST to
    ``url`` answered: its hidden fields go back, with ``confirm=yes``."""
    assert page.status_code == 200 and 'name="confirm"' in text_of(page), text_of(page)[:800]
    fields = MultiDict(hidden_fields(page.data))
    fields["confirm"] = "yes"
    for name, value in extra.items():
        fields[name] = value
    return client.post(url, data=fields)
