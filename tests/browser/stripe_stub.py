"""Stripe for the browser tests: ``stripe_stub.js`` at ``/v3/`` (the pay page's STRIPE_JS_URL),
and the two calls it makes, answered by localstripe (never shipped, never in the app).

localstripe's own Stripe.js stand-in cannot pay a new PaymentIntent from the browser: its
``confirmCardPayment`` ignores the card and only completes a 3-D Secure step of an intent
already confirmed on the server, and localstripe lets a publishable key confirm nothing else.
So this server plays the part of Stripe's servers: it checks the client secret, creates the
card's PaymentMethod, attaches it and confirms, with the secret key, at localstripe, which then
sends its signed ``payment_intent.succeeded`` webhook to the app as Stripe would.

- ``POST /v1/payment_intents/<id>/confirm`` ``{client_secret, payment_method_data}``: the
  PaymentIntent as Stripe.js would see it, or ``{"error": {type, code, message}}``;
- ``POST /v1/payment_intents/<id>/_authenticate`` ``{client_secret, success}``: localstripe's
  3-D Secure outcome, as its stand-in calls it.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import stripe

SCRIPT = Path(__file__).resolve().parent / "stripe_stub.js"
_CALL = re.compile(r"^/v1/payment_intents/(pi_\w+)/(confirm|_authenticate)$")


class StripeStub:
    """Serves on 127.0.0.1 (a free port) until ``close()``; ``url`` is its origin."""

    def __init__(self, localstripe_url: str, secret_key: str):
        self.client = stripe.StripeClient(
            secret_key, base_addresses={"api": localstripe_url}, max_network_retries=0
        )
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="stripe-stub", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    # -- what Stripe's servers do for Stripe.js ---------------------------------------------------

    def confirm(self, intent_id: str, body: dict) -> tuple[int, dict]:
        intent = self.client.v1.payment_intents.retrieve(intent_id)
        if body.get("client_secret") != intent.client_secret:
            return 401, _error("invalid_request_error", "client_secret_mismatch", "Wrong client secret.")
        card = body["payment_method_data"]["card"]
        try:
            method = self.client.v1.payment_methods.create(params={"type": "card", "card": card})
            self.client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
            confirmed = self.client.v1.payment_intents.confirm(intent_id)
        except stripe.CardError as error:
            return 402, _error("card_error", error.code or "card_declined", error.user_message or str(error))
        except stripe.InvalidRequestError as error:
            return 400, _error("invalid_request_error", error.code, error.user_message or str(error))
        return 200, {"id": confirmed.id, "status": confirmed.status}

    def authenticate(self, intent_id: str, body: dict) -> tuple[int, dict]:
        try:
            intent = self.client.raw_request(
                "post",
                f"/v1/payment_intents/{intent_id}/_authenticate",
                client_secret=body.get("client_secret"),
                success="true" if body.get("success") else "false",
            )
        except stripe.StripeError as error:
            return 400, _error("invalid_request_error", None, str(error))
        answer = json.loads(intent.body)
        return 200, {"id": answer["id"], "status": answer["status"]}

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                if self.path.rstrip("/") != "/v3":
                    return self._send(404, "application/json", b"{}")
                self._send(200, "application/javascript", SCRIPT.read_bytes())

            def do_POST(self):  # noqa: N802
                match = _CALL.match(self.path)
                if match is None:
                    return self._send(404, "application/json", b"{}")
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                call = stub.confirm if match.group(2) == "confirm" else stub.authenticate
                status, answer = call(match.group(1), body)
                self._send(status, "application/json", json.dumps(answer).encode())

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                origin = self.headers.get("Origin")
                if origin:  # the pay page is on another port: another origin
                    self.send_header("Access-Control-Allow-Origin", origin)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


def _error(kind: str, code: str | None, message: str) -> dict:
    return {"error": {"type": kind, "code": code, "message": message}}
