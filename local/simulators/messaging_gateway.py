"""A simulated mail and SMS gateway: its own werkzeug HTTP service, shaped like the real providers, and a page that
lists what was delivered so a person can read it.

- `POST /v2/email/outbound-emails`: Amazon SES v2 `SendEmail` (JSON: `FromEmailAddress`,
  `Destination.ToAddresses`, `Content.Simple.Subject.Data`, `Content.Simple.Body.Text.Data`) → 200 `{MessageId}`.
- `POST /2010-04-01/Accounts/{account}/Messages.json`: a Twilio-style text message (form: `To`, `From`, `Body`)
  → 201 `{sid, status, to, from, body, date_created}`; a `To` that is not E.164 is 400 (code 21211).
- `GET /`: an HTML page listing every delivered message, newest first; `GET /messages` the same as JSON
  (`?to=` filters by recipient).
- Test addresses, like a provider's simulator: any recipient whose e-mail local part or number ends in
  `unavailable` / `5000009` gets 503 every time; `bounce@…` is refused (400 `MessageRejected`).
  `POST /_simulator/outage {"requests": n}` makes the next n sends answer 503.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from local.simulators import SHUTDOWN_POLL_S

if TYPE_CHECKING:
    from local.cloud import LocalCloud

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
SMS_PATH = re.compile(r"^/2010-04-01/Accounts/[^/]+/Messages\.json$")


@dataclass
class MessagingGatewaySimulator:
    """Start with `start()`; `url` is its base URL. Also a local cloud component: the platform's notifications
    are delivered here (sets NOTIFICATIONS_PROVIDER=gateway and NOTIFICATIONS_GATEWAY_URL)."""

    port: int = 0
    host: str = "127.0.0.1"
    name: str = "messaging-gateway"
    delivered: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0

    def __post_init__(self) -> None:
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._outage = 0

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
        os.environ["NOTIFICATIONS_PROVIDER"] = "gateway"
        os.environ["NOTIFICATIONS_GATEWAY_URL"] = self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def health(self) -> str:
        return "ok" if self._thread is not None and self._thread.is_alive() else "down"

    def describe(self) -> str:
        return f"Messages  {self.url}  (simulated mail and SMS gateway: every e-mail and text delivered)"

    def fail_next(self, requests: int) -> None:
        """The next `requests` sends answer 503 (an outage)."""
        with self._lock:
            self._outage = requests

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self.delivered if to is None or m["to"] == to]

    # -- WSGI --
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        path, method = request.path.rstrip("/") or "/", request.method
        if method == "GET" and path == "/health":
            return _json(200, {"status": "ok"})
        if method == "GET" and path == "/":
            return Response(self._page(), status=200, content_type="text/html; charset=utf-8")
        if method == "GET" and path == "/messages":
            return _json(200, {"messages": self.messages(request.args.get("to"))})
        if method == "POST" and path == "/_simulator/outage":
            self.fail_next(int(_json_body(request).get("requests", 0)))
            return _json(200, {"outage": self._outage})
        if method == "POST" and path == "/v2/email/outbound-emails":
            return self._email(_json_body(request))
        if method == "POST" and SMS_PATH.match(path):
            return self._sms(request.form.to_dict())
        return _json(404, {"message": f"No route {method} {path}."})

    def _unavailable(self, recipient: str) -> bool:
        with self._lock:
            if self._outage > 0:
                self._outage -= 1
                return True
        local = recipient.split("@", 1)[0]
        return local.endswith("unavailable") or recipient.endswith("5000009")

    def _email(self, body: dict[str, Any]) -> Response:
        try:
            sender = str(body["FromEmailAddress"])
            to = [str(a) for a in body["Destination"]["ToAddresses"]]
            simple = body["Content"]["Simple"]
            subject, text = str(simple["Subject"]["Data"]), str(simple["Body"]["Text"]["Data"])
        except (KeyError, TypeError):
            return _json(400, {"__type": "BadRequestException", "message": "Malformed SendEmail request."})
        if not to or any("@" not in a for a in to):
            return _json(400, {"__type": "BadRequestException", "message": "Invalid ToAddresses."})
        if any(self._unavailable(a) for a in to):
            return _json(503, {"__type": "ServiceUnavailableException", "message": "Try again later."})
        if any(a.split("@", 1)[0] == "bounce" for a in to):
            with self._lock:
                self.refused += 1
            return _json(400, {"__type": "MessageRejected", "message": "Address blacklisted."})
        message_id = "0100" + secrets.token_hex(16)
        for address in to:
            self._record("email", message_id, sender, address, body=text, subject=subject)
        return _json(200, {"MessageId": message_id})

    def _sms(self, form: dict[str, str]) -> Response:
        to, sender, text = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not E164.match(to):
            return _json(400, {"code": 21211, "message": f"The 'To' number {to} is not a valid phone number."})
        if not text:
            return _json(400, {"code": 21602, "message": "Message body is required."})
        if self._unavailable(to):
            return _json(503, {"code": 20503, "message": "Service unavailable."})
        sid = "SM" + secrets.token_hex(16)
        record = self._record("sms", sid, sender, to, body=text, subject=None)
        return _json(
            201,
            {"sid": sid, "status": "queued", "to": to, "from": sender, "body": text, "date_created": record["at"]},
        )

    def _record(
        self, channel: str, message_id: str, sender: str, to: str, *, body: str, subject: str | None
    ) -> dict[str, Any]:
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        record = {
            "channel": channel,
            "message_id": message_id,
            "from": sender,
            "to": to,
            "subject": subject,
            "body": body,
            "at": at,
        }
        with self._lock:
            self.delivered.append(record)
        return record

    def _page(self) -> str:
        rows = []
        for m in reversed(self.messages()):
            subject = f"<strong>{html.escape(m['subject'])}</strong><br>" if m["subject"] else ""
            rows.append(
                "<tr>"
                f"<td>{html.escape(m['at'])}</td><td>{html.escape(m['channel'])}</td>"
                f"<td>{html.escape(m['to'])}</td>"
                f"<td>{subject}<pre>{html.escape(m['body'])}</pre></td>"
                "</tr>"
            )
        body = "".join(rows) or '<tr><td colspan="4">Nothing delivered yet.</td></tr>'
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Delivered messages</title>'
            '<meta http-equiv="refresh" content="5"><style>body{font-family:sans-serif;margin:2rem}'
            "table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}"
            "pre{white-space:pre-wrap;margin:0}</style></head><body>"
            "<h1>Delivered messages</h1><p>E-mail and text messages the platform sent, newest first.</p>"
            "<table><thead><tr><th>When (UTC)</th><th>Channel</th><th>To</th><th>Message</th></tr></thead>"
            f"<tbody>{body}</tbody></table></body></html>"
        )


def _json_body(request: Request) -> dict[str, Any]:
    try:
        value = json.loads(request.get_data() or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
