"""A simulated card processor: its own werkzeug HTTP service with a processor-like API.

- `POST /v1/tokens` {number, exp_month, exp_year, cvc, holder, client_reference?} → 201 {token, brand, last4,
  exp_month, exp_year, client_reference}
- `POST /v1/browser/tokens`: the same, called by a web page directly (what hosted card fields do, so the card
  number never passes through the merchant's servers), with CORS for the merchant's web origins
  (`allowed_origins`; locally the web client's origin, `WEB_ORIGIN`)
- `GET /v1/tokens/{token}` → 200 {token, brand, last4, client_reference}
- `POST /v1/charges` {token, amount, currency, reference} with an `Idempotency-Key` header →
  201 {charge_id, status: "succeeded" | "declined", decline_code, message, amount, currency, reference, token};
  a repeated key returns the first charge.
- `GET /v1/charges` (optionally `?reference=` or `?token=`) → 200 {charges: [...]}: every charge attempted, oldest
  first.
- `POST /v1/refunds` {charge_id, amount, currency, reason} with an `Idempotency-Key` header → 201 {refund_id,
  charge_id, status: "succeeded", amount, currency, reason}; money goes back to the card of that charge, never more
  than was charged (400 `amount_too_large`), a repeated key returns the first refund.
- `GET /v1/refunds` (optionally `?charge_id=`) → 200 {refunds: [...]}: every refund recorded, oldest first.

Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined (`card_declined`),
4000 0000 0000 9995 has insufficient funds (`insufficient_funds`); any other Luhn-valid card succeeds.
It keeps only what a processor would and never logs a card number.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from insure.payments.cards import brand_of, digits_only, luhn_valid

if TYPE_CHECKING:
    from local.cloud import LocalCloud

BROWSER_TOKENS = "/v1/browser/tokens"
DECLINES = {
    "4000000000000002": ("card_declined", "Your card was declined."),
    "4000000000009995": ("insufficient_funds", "Your card has insufficient funds."),
}


@dataclass
class _Token:
    token: str
    brand: str
    last4: str
    decline: tuple[str, str] | None
    client_reference: str | None = None  # what the merchant's client tied the token to (e.g. its application)


@dataclass
class CardProcessorSimulator:
    """Start with `start()`; `url` is its base URL. Also a local cloud component (sets CARD_PROCESSOR_URL)."""

    port: int = 0
    host: str = "127.0.0.1"
    name: str = "card-processor"
    tokens: dict[str, _Token] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    allowed_origins: tuple[str, ...] = ()  # web origins that may tokenize from the browser

    def __post_init__(self) -> None:
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- component protocol --
    def start(self, cloud: LocalCloud | None = None) -> None:
        self._server = make_server(self.host, self.port, self, threaded=True)
        self.port = int(self._server.server_port)
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.name, daemon=True)
        self._thread.start()
        os.environ["CARD_PROCESSOR_URL"] = self.url
        os.environ["CARD_TOKENIZATION_URL"] = f"{self.url}{BROWSER_TOKENS}"
        if cloud is not None:
            self.allowed_origins = (*self.allowed_origins, cloud.url)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def health(self) -> str:
        return "ok" if self._thread is not None and self._thread.is_alive() else "down"

    def describe(self) -> str:
        return f"Cards     {self.url}  (simulated card processor; 4242…4242 ok, 4000…0002 declined)"

    # -- WSGI --
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        path, method = request.path.rstrip("/"), request.method
        if method == "GET" and path == "/health":
            return _json(200, {"status": "ok"})
        if method == "POST" and path == "/v1/tokens":
            return self._tokenize(_body(request))
        if path == BROWSER_TOKENS:
            return self._browser(request)
        if method == "GET" and path.startswith("/v1/tokens/"):
            found = self.tokens.get(path.removeprefix("/v1/tokens/"))
            if found is None:
                return _error(404, "resource_missing", "No such token.")
            return _json(
                200,
                {
                    "token": found.token,
                    "brand": found.brand,
                    "last4": found.last4,
                    "client_reference": found.client_reference,
                },
            )
        if method == "POST" and path == "/v1/charges":
            return self._charge(_body(request), request.headers.get("Idempotency-Key", ""))
        if method == "GET" and path == "/v1/charges":
            wanted = {k: request.args[k] for k in ("reference", "token") if k in request.args}
            with self._lock:
                charged = [c for c in self.charges.values() if all(c.get(k) == v for k, v in wanted.items())]
            return _json(200, {"charges": charged})
        if method == "POST" and path == "/v1/refunds":
            return self._refund(_body(request), request.headers.get("Idempotency-Key", ""))
        if method == "GET" and path == "/v1/refunds":
            charge_id = request.args.get("charge_id")
            with self._lock:
                listed = [r for r in self.refunds.values() if charge_id in (None, r["charge_id"])]
            return _json(200, {"refunds": listed})
        return _error(404, "not_found", f"No route {method} {path}.")

    def _tokenize(self, body: dict[str, Any]) -> Response:
        number = digits_only(str(body.get("number", "")))
        if not luhn_valid(number):
            return _error(402, "invalid_number", "The card number is not valid.")
        cvc = str(body.get("cvc", ""))
        if not cvc.isdigit() or len(cvc) not in (3, 4):
            return _error(402, "invalid_cvc", "The security code is not valid.")
        reference = body.get("client_reference")
        token = _Token(
            "tok_" + secrets.token_hex(12),
            brand_of(number),
            number[-4:],
            DECLINES.get(number),
            str(reference)[:200] if reference else None,
        )
        with self._lock:
            self.tokens[token.token] = token
        return _json(
            201,
            {
                "token": token.token,
                "brand": token.brand,
                "last4": token.last4,
                "exp_month": body.get("exp_month"),
                "exp_year": body.get("exp_year"),
                "client_reference": token.client_reference,
            },
        )

    def _browser(self, request: Request) -> Response:
        """Tokenization from a web page: a CORS preflight, then the same tokenization as `/v1/tokens`. Only the
        merchant's own web origins get the CORS grant, so another site's page cannot read the answer."""
        origin = request.headers.get("Origin", "")
        allowed = origin in self.allowed_origins
        if request.method == "OPTIONS":
            response = Response(status=204)
            if allowed:
                response.headers["Access-Control-Allow-Methods"] = "POST"
                response.headers["Access-Control-Allow-Headers"] = "Content-Type"
                response.headers["Access-Control-Max-Age"] = "600"
        elif request.method == "POST":
            response = self._tokenize(_body(request)) if allowed else _error(403, "origin_not_allowed", "Not allowed.")
        else:
            response = _error(405, "method_not_allowed", f"{request.method} is not allowed here.")
        response.headers["Vary"] = "Origin"
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
        return response

    def _charge(self, body: dict[str, Any], key: str) -> Response:
        if not key:
            return _error(400, "idempotency_key_missing", "Send an Idempotency-Key header.")
        with self._lock:
            if key in self.charges:
                return _json(201, self.charges[key])
            token = self.tokens.get(str(body.get("token", "")))
            if token is None:
                return _error(404, "resource_missing", "No such token.")
            charge: dict[str, Any] = {
                "charge_id": "ch_" + secrets.token_hex(12),
                "status": "declined" if token.decline else "succeeded",
                "decline_code": token.decline[0] if token.decline else None,
                "message": token.decline[1] if token.decline else None,
                "amount": body.get("amount"),
                "currency": body.get("currency"),
                "reference": body.get("reference"),
                "token": token.token,
            }
            self.charges[key] = charge
        return _json(201, charge)

    def _refund(self, body: dict[str, Any], key: str) -> Response:
        from decimal import Decimal, InvalidOperation

        if not key:
            return _error(400, "idempotency_key_missing", "Send an Idempotency-Key header.")
        with self._lock:
            if key in self.refunds:
                return _json(201, self.refunds[key])
            charge_id = str(body.get("charge_id", ""))
            charge = next((c for c in self.charges.values() if c["charge_id"] == charge_id), None)
            if charge is None or charge["status"] != "succeeded":
                return _error(404, "resource_missing", "No such succeeded charge.")
            try:
                amount = Decimal(str(body.get("amount")))
            except InvalidOperation:
                return _error(400, "invalid_amount", "The amount is not a number.")
            refunded = sum(
                (Decimal(r["amount"]) for r in self.refunds.values() if r["charge_id"] == charge_id), Decimal("0")
            )
            if amount <= 0 or refunded + amount > Decimal(str(charge["amount"])):
                return _error(400, "amount_too_large", "A refund cannot exceed what is left of the charge.")
            refund = {
                "refund_id": "re_" + secrets.token_hex(12),
                "charge_id": charge_id,
                "status": "succeeded",
                "amount": str(amount),
                "currency": body.get("currency") or charge.get("currency"),
                "reason": body.get("reason"),
            }
            self.refunds[key] = refund
        return _json(201, refund)


def _body(request: Request) -> dict[str, Any]:
    try:
        value = json.loads(request.get_data() or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _error(status: int, code: str, message: str) -> Response:
    return _json(status, {"error": {"code": code, "message": message}})
