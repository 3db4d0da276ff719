"""Responses compressed by the app itself, when ``SERVE_COMPRESSED`` is on (the demo, which has
no proxy in front of it). In production the reverse proxy compresses (README: nginx's ``gzip``,
Caddy's ``encode``), and this stays off.

gzip, for clients that accept it, of text-like bodies worth compressing (pages, JSON, the
manifest, scripts, stylesheets, SVG) whose full body is at hand: a 200 with no Content-Encoding
yet. Static files are read once to be compressed (they are small); anything streamed is left
alone. ``Vary: Accept-Encoding`` tells caches the body depends on it.
"""

from __future__ import annotations

import gzip

from flask import Flask, request

#: smaller bodies gain nothing (gzip's header and a TCP packet)
MIN_BYTES = 500
LEVEL = 6
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/csv",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/problem+json",
        "application/manifest+json",
        "image/svg+xml",
    }
)


def init_compression(app: Flask) -> None:
    if app.config.get("SERVE_COMPRESSED"):
        app.after_request(compress)


def compress(response):
    if response.mimetype not in COMPRESSIBLE:
        return response
    response.vary.add("Accept-Encoding")
    if (
        response.status_code != 200
        or "Content-Encoding" in response.headers
        or response.is_streamed
        and not response.direct_passthrough
        or "gzip" not in request.accept_encodings
    ):
        return response
    response.direct_passthrough = False  # a static file: read it (sent whole below)
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag:  # another representation of the same content
        response.set_etag(etag, weak=True)
    return response
