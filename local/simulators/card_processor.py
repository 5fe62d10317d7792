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
- `GET /v1/charges` (optionally `?reference=` or `?token=`; a kept card's charges are listed under the token it
  was made from) → 200 {charges: [...]}: every charge attempted, oldest first.
- `POST /v1/refunds` {charge_id, amount, currency, reason} with an `Idempotency-Key` header → 201 {refund_id,
  charge_id, status: "succeeded", amount, currency, reason}; money goes back to the card of that charge, never more
  than was charged (400 `amount_too_large`), a repeated key returns the first refund.
- `GET /v1/refunds` (optionally `?charge_id=`) → 200 {refunds: [...]}: every refund recorded, oldest first.
- `POST /v1/customers` {reference, email?} with an `Idempotency-Key` → 201 {customer_id, reference}: a customer
  the merchant keeps cards for.
- `POST /v1/customers/{customer_id}/payment_methods` {token} with an `Idempotency-Key` → 201 {payment_method_id,
  customer_id, brand, last4}: the card behind a single-use token attached to the customer as a reusable payment
  method (the merchant keeps the ids, never the number); `GET` the same path lists them.
- `POST /v1/charges` {customer, payment_method, amount, currency, reference, off_session: true}: a charge of a kept
  card, the customer not present (installments, renewals). Every charge carries its `charge_id` (the order) and,
  when approved, the issuer's `authorization_code`.
- Test helpers (as processors' test modes offer): `POST /v1/test_helpers/payment_methods/{id}/decline`
  {decline_code} makes later charges of a kept card fail (a card cancelled or out of funds after the first
  payment); `DELETE` the same path lets them succeed again.

Every charge waits `charge_latency_s` first (0 by default), as a processor's round trip to the card network does;
benchmarks set it to state the latency they ran with.

Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined (`card_declined`),
4000 0000 0000 9995 has insufficient funds (`insufficient_funds`); any other Luhn-valid card succeeds.
It keeps only what a processor would and never logs a card number.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from insure.payments.cards import brand_of, digits_only, luhn_valid
from local.simulators import SHUTDOWN_POLL_S

if TYPE_CHECKING:
    from local.cloud import LocalCloud

BROWSER_TOKENS = "/v1/browser/tokens"
DECLINE_MESSAGES = {
    "card_declined": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
}
DECLINES = {
    "4000000000000002": ("card_declined", DECLINE_MESSAGES["card_declined"]),
    "4000000000009995": ("insufficient_funds", DECLINE_MESSAGES["insufficient_funds"]),
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
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    payment_methods: dict[str, dict[str, Any]] = field(default_factory=dict)
    charge_latency_s: float = 0.0
    allowed_origins: tuple[str, ...] = ()  # web origins that may tokenize from the browser

    def __post_init__(self) -> None:
        self._created: dict[str, str] = {}  # idempotency key -> id of the customer or payment method it created
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
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(SHUTDOWN_POLL_S,), name=self.name, daemon=True
        )
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
        if method == "POST" and path == "/v1/customers":
            return self._customer(_body(request), request.headers.get("Idempotency-Key", ""))
        if path.startswith("/v1/customers/") and path.endswith("/payment_methods"):
            customer_id = path.removeprefix("/v1/customers/").removesuffix("/payment_methods")
            if method == "GET":
                with self._lock:
                    kept = [m for m in self.payment_methods.values() if m["customer_id"] == customer_id]
                return _json(200, {"payment_methods": [_public_method(m) for m in kept]})
            if method == "POST":
                return self._attach(customer_id, _body(request), request.headers.get("Idempotency-Key", ""))
        if path.startswith("/v1/test_helpers/payment_methods/") and path.endswith("/decline"):
            method_id = path.removeprefix("/v1/test_helpers/payment_methods/").removesuffix("/decline")
            return self._set_decline(method_id, _body(request) if method == "POST" else None)
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

    def _customer(self, body: dict[str, Any], key: str) -> Response:
        if not key:
            return _error(400, "idempotency_key_missing", "Send an Idempotency-Key header.")
        with self._lock:
            known = self._created.get(key)
            if known is not None:
                return _json(201, self.customers[known])
            customer_id = "cus_" + secrets.token_hex(12)
            customer = {
                "customer_id": customer_id,
                "reference": str(body.get("reference") or "")[:200] or None,
                "email": body.get("email"),
            }
            self.customers[customer_id] = customer
            self._created[key] = customer_id
        return _json(201, customer)

    def _attach(self, customer_id: str, body: dict[str, Any], key: str) -> Response:
        if not key:
            return _error(400, "idempotency_key_missing", "Send an Idempotency-Key header.")
        with self._lock:
            known = self._created.get(key)
            if known is not None:
                return _json(201, _public_method(self.payment_methods[known]))
            if customer_id not in self.customers:
                return _error(404, "resource_missing", "No such customer.")
            token = self.tokens.get(str(body.get("token", "")))
            if token is None:
                return _error(404, "resource_missing", "No such token.")
            method_id = "pm_" + secrets.token_hex(12)
            method = {
                "payment_method_id": method_id,
                "customer_id": customer_id,
                "brand": token.brand,
                "last4": token.last4,
                "decline": token.decline,
                "source_token": token.token,  # the single-use token it was made from (never shown)
            }
            self.payment_methods[method_id] = method
            self._created[key] = method_id
        return _json(201, _public_method(method))

    def _set_decline(self, method_id: str, body: dict[str, Any] | None) -> Response:
        with self._lock:
            method = self.payment_methods.get(method_id)
            if method is None:
                return _error(404, "resource_missing", "No such payment method.")
            if body is None:
                method["decline"] = None
            else:
                code = str(body.get("decline_code") or "card_declined")
                method["decline"] = (code, DECLINE_MESSAGES.get(code, "Your card was declined."))
            return _json(200, _public_method(method))

    def _charge(self, body: dict[str, Any], key: str) -> Response:
        if not key:
            return _error(400, "idempotency_key_missing", "Send an Idempotency-Key header.")
        with self._lock:
            if key in self.charges:
                return _json(201, self.charges[key])
        if self.charge_latency_s:
            time.sleep(self.charge_latency_s)  # the round trip to the card network
        with self._lock:
            if key in self.charges:
                return _json(201, self.charges[key])
            if body.get("payment_method"):
                method = self.payment_methods.get(str(body["payment_method"]))
                if method is None or method["customer_id"] != body.get("customer"):
                    return _error(404, "resource_missing", "No such payment method for this customer.")
                decline, source = method["decline"], method["source_token"]
            else:
                token = self.tokens.get(str(body.get("token", "")))
                if token is None:
                    return _error(404, "resource_missing", "No such token.")
                decline, source = token.decline, token.token
            charge: dict[str, Any] = {
                "charge_id": "ch_" + secrets.token_hex(12),
                "status": "declined" if decline else "succeeded",
                "decline_code": decline[0] if decline else None,
                "message": decline[1] if decline else None,
                "authorization_code": None if decline else f"{secrets.randbelow(10**6):06d}",
                "amount": body.get("amount"),
                "currency": body.get("currency"),
                "reference": body.get("reference"),
                "token": source,
                "customer": body.get("customer"),
                "payment_method": body.get("payment_method"),
                "off_session": bool(body.get("off_session")),
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


def _public_method(method: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in method.items() if k not in ("decline", "source_token")}


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
