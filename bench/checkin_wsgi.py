"""The WSGI app the check-in benchmark serves: the real app, plus a hello-world JSON route.

The hello route lives here, not in the product: it is the same app (same extensions, before-
and after-request hooks, error handlers) answering with the least possible work, which is the
yardstick the check-in is measured against.
"""

from __future__ import annotations

from app import create_app

app = create_app()


@app.get("/bench/hello")
def hello():
    return {"hello": "world"}
