"""Simulated insurers: one werkzeug HTTP service (threaded, own port) hosting N insurers, each under its own
base URL `http://127.0.0.1:<port>/<slug>`, behind the same connector contract a real insurer exposes:

- `POST /<slug>/claims` {risk_event_id, policy_number, event_type, facts, occurred_at, location}
  → 201 {claim_reference, status: "received"}; a repeated `Idempotency-Key` returns the same claim.
- `GET /<slug>/claims/<claim_reference>` → 200 {status, updated_at, note}
- `POST /<slug>/claims/<claim_reference>/facts` {risk_event_id, facts, updated_at} → 204: facts learned after
  filing, applied once per `webhook-id` (a repeat is acknowledged and not applied again)
- `GET /<slug>/claims` → 200 {"claims": [...]} (what the insurer received, with every facts delivery applied; for
  tests and the curious)

Progress can depend on the facts: a theft without a police report number stays `assessing` until the number
arrives (with the filing or later), then moves on one step every `step_s` from then.

Every call must be signed with the insurer's webhook secret (Standard Webhooks); unsigned or forged calls are 401.
Each insurer has its own latency, failure rate (503s) and progress script (e.g. received → assessing → approved
→ paid, one step every `step_s`); some also push signed progress webhooks to the platform
(`POST {platform}/webhooks/insurers/{insurer_id}`) as each step happens.

As a local cloud component it starts the service in `start` and, in `after_start`, registers every simulated
insurer through `POST /insurers` with the admin key and keeps the secret each registration returns.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from local.simulators import SHUTDOWN_POLL_S

if TYPE_CHECKING:
    from local.cloud import LocalCloud

LOCAL_POLL_INTERVAL_S = 2
HAPPY = ("received", "assessing", "approved", "paid")
DENIED = ("received", "assessing", "denied")
QUICK_CLOSE = ("received", "closed")
NOTES = {
    "received": "we have received your claim",
    "assessing": "we are assessing your claim",
    "approved": "your claim is approved",
    "denied": "we cannot accept your claim",
    "paid": "we have paid your claim",
    "closed": "your claim is closed",
}
"""What a person at the insurer writes with each status (the note the owner reads beside it)."""


@dataclass
class InsurerProfile:
    """How one simulated insurer behaves."""

    slug: str
    name: str
    latency_s: float = 0.05
    failure_rate: float = 0.0
    script: tuple[str, ...] = HAPPY
    step_s: float = 1.0
    push_webhooks: bool = False
    reporting_deadline_hours: int = 48
    seed: int = 0


def note(profile: InsurerProfile, status: str) -> str:
    """The insurer's note on a status, as a person there writes it: "Acme Mutual: we are assessing your claim"."""
    return f"{profile.name}: {NOTES.get(status, status)}"


def default_profiles() -> list[InsurerProfile]:
    """Three insurers with different manners: a quick payer that pushes webhooks, a slower one that is polled,
    and a flaky one that denies."""
    return [
        InsurerProfile("acme-mutual", "Acme Mutual", latency_s=0.08, step_s=1.0, push_webhooks=True),
        InsurerProfile("harbor-insurance", "Harbor Insurance", latency_s=0.2, step_s=1.5),
        InsurerProfile("granite-re", "Granite Re", latency_s=0.15, failure_rate=0.3, script=DENIED, step_s=1.2, seed=7),
    ]


@dataclass
class _Claim:
    claim_reference: str
    body: dict[str, Any]
    filed_at: float
    pushed: int = 0
    facts_updates: list[dict[str, Any]] = field(default_factory=list)
    unblocked_at: float | None = None

    def facts(self) -> dict[str, Any]:
        """The facts filed, with every later delivery applied in order."""
        merged = dict(self.body.get("facts") or {})
        for update in self.facts_updates:
            merged.update(update["facts"])
        return merged

    def waits_for_police_report(self) -> bool:
        facts = self.facts()
        event_type = facts.get("event_type") or self.body.get("event_type")
        return event_type == "theft" and not facts.get("police_report_number")


def _rfc3339(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class _Insurer:
    profile: InsurerProfile
    random: random.Random
    insurer_id: str | None = None
    secrets: list[str] = field(default_factory=list)
    claims: dict[str, _Claim] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    calls: int = 0

    applied_facts: set[str] = field(default_factory=set)

    def status_at(self, claim: _Claim, now: float) -> tuple[str, float]:
        """The claim's status at `now` and since when: one script step every `step_s`, except that a theft waits
        in `assessing` for its police report number, and moves on one step every `step_s` from its arrival."""
        steps, step_s = self.profile.script, self.profile.step_s
        index = min(int((now - claim.filed_at) / step_s), len(steps) - 1) if step_s else 0
        at = claim.filed_at + index * step_s
        gate = steps.index("assessing") if "assessing" in steps else None
        if gate is not None and index > gate:
            if claim.waits_for_police_report():
                return steps[gate], claim.filed_at + gate * step_s
            if claim.unblocked_at is not None:
                since = max(claim.unblocked_at, claim.filed_at + gate * step_s)
                after = int((now - since) / step_s) if step_s else len(steps)
                index = min(index, gate + after)
                at = since + (index - gate) * step_s if index > gate else claim.filed_at + gate * step_s
        return steps[index], at


@dataclass
class InsurerSimulator:
    """Start with `start()`; `base_url(slug)` is an insurer's claims API. Also a local cloud component."""

    profiles: list[InsurerProfile] = field(default_factory=default_profiles)
    port: int = 0
    host: str = "127.0.0.1"
    name: str = "insurers"
    platform_url: str | None = None

    def __post_init__(self) -> None:
        self.insurers = {p.slug: _Insurer(p, random.Random(p.seed)) for p in self.profiles}
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._pusher: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()

    # lifecycle -------------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def base_url(self, slug: str) -> str:
        return f"{self.url}/{slug}"

    def start(self, cloud: LocalCloud | None = None) -> None:
        self._kept: dict[str, Any] = {}
        if cloud is not None:
            # Simulated claims move in seconds, so the platform polls them every two (AWS default: a minute).
            os.environ.setdefault("INSURER_POLL_INTERVAL_S", str(LOCAL_POLL_INTERVAL_S))
            self._kept = self._read_registrations(cloud)
        if not self.port and self._kept:
            try:  # the platform knows these insurers at this address
                self._server = make_server(self.host, int(self._kept["port"]), self, threaded=True)
            except OSError:
                self._kept = {}
        if self._server is None:
            self._server = make_server(self.host, self.port, self, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(SHUTDOWN_POLL_S,), name="insurers", daemon=True
        )
        self._thread.start()
        self._pusher = threading.Thread(target=self._push_loop, name="insurer-webhooks", daemon=True)
        self._pusher.start()

    def after_start(self, cloud: LocalCloud) -> None:
        kept = self._kept.get("insurers", {})
        if kept and set(kept) == set(self.insurers):
            self.platform_url = cloud.url
            for slug, registration in kept.items():  # registered on an earlier run: same ids, same secrets
                self.configure(slug, registration["insurer_id"], registration["webhook_secret"])
            return
        self.register_all(cloud.url, cloud.admin_key or "")
        if cloud.state_dir is not None:
            from local.persistence import write_private

            registrations = {
                slug: {"insurer_id": i.insurer_id, "webhook_secret": i.secrets[-1]} for slug, i in self.insurers.items()
            }
            write_private(cloud.state_dir / "insurers.json", json.dumps({"port": self.port, "insurers": registrations}))

    @staticmethod
    def _read_registrations(cloud: LocalCloud) -> dict[str, Any]:
        """What an earlier run of this simulator registered with the kept platform (the insurers' own records)."""
        path = None if cloud.state_dir is None else cloud.state_dir / "insurers.json"
        if path is None or not path.exists():
            return {}
        kept: dict[str, Any] = json.loads(path.read_text())
        return kept

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()

    def health(self) -> str:
        return "ok" if self._thread is not None and self._thread.is_alive() else "down"

    def describe(self) -> str:
        names = ", ".join(f"{i.profile.name} ({self.base_url(s)})" for s, i in self.insurers.items())
        return f"Insurers  {len(self.insurers)} simulated: {names}"

    # registration ----------------------------------------------------------------------------------------------
    def configure(self, slug: str, insurer_id: str, secret: str) -> None:
        """Hands a simulated insurer the id and secret the platform gave it."""
        with self._lock:
            self.insurers[slug].insurer_id = insurer_id
            self.insurers[slug].secrets = [secret]

    def register_all(self, platform_url: str, admin_key: str) -> dict[str, str]:
        """Registers every simulated insurer with the platform; returns insurer ids by slug."""
        import requests

        self.platform_url = platform_url
        ids: dict[str, str] = {}
        for slug, insurer in self.insurers.items():
            profile = insurer.profile
            response = requests.post(
                f"{platform_url}/insurers",
                json={
                    "name": profile.name,
                    "base_url": self.base_url(slug),
                    "salesperson": {
                        "name": f"{profile.name} sales desk",
                        "email": f"sales@{slug}.example",
                        "phone": "+12125550199",
                    },
                    "reporting_deadline_hours": profile.reporting_deadline_hours,
                },
                headers={"Authorization": f"Bearer {admin_key}"},
                timeout=10,
            )
            response.raise_for_status()
            registered = response.json()
            self.configure(slug, registered["insurer_id"], registered["webhook_secret"])
            ids[slug] = registered["insurer_id"]
        return ids

    def insurer_ids(self) -> dict[str, str]:
        return {slug: i.insurer_id for slug, i in self.insurers.items() if i.insurer_id}

    # HTTP ------------------------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if parts == ["health"]:
            return _json(200, {"status": "ok"})
        if not parts or parts[0] not in self.insurers or len(parts) < 2 or parts[1] != "claims":
            return _json(404, {"error": "not_found"})
        insurer = self.insurers[parts[0]]
        body = request.get_data()
        if not self._verified(insurer, request, body):
            return _json(401, {"error": "bad_signature"})
        with self._lock:
            insurer.calls += 1
            fails = insurer.random.random() < insurer.profile.failure_rate
        if insurer.profile.latency_s:
            time.sleep(insurer.profile.latency_s)
        if fails:
            return _json(503, {"error": "temporarily_unavailable"})
        if request.method == "POST" and len(parts) == 2:
            return self._file(insurer, request, body)
        if request.method == "GET" and len(parts) == 2:
            return _json(
                200,
                {
                    "claims": [
                        {
                            "claim_reference": c.claim_reference,
                            **c.body,
                            "facts": c.facts(),
                            "facts_updates": c.facts_updates,
                        }
                        for c in insurer.claims.values()
                    ]
                },
            )
        if request.method == "GET" and len(parts) == 3:
            return self._progress(insurer, parts[2])
        if request.method == "POST" and len(parts) == 4 and parts[3] == "facts":
            return self._facts(insurer, parts[2], request, body)
        return _json(405, {"error": "method_not_allowed"})

    @staticmethod
    def _verified(insurer: _Insurer, request: Request, body: bytes) -> bool:
        if not insurer.secrets:
            return False
        from insure.errors import Unauthorized
        from insure.signatures import verify

        try:
            verify(insurer.secrets, dict(request.headers), body)
        except Unauthorized:
            return False
        return True

    def _file(self, insurer: _Insurer, request: Request, body: bytes) -> Response:
        try:
            filing = json.loads(body)
        except ValueError:
            return _json(400, {"error": "malformed_json"})
        missing = [k for k in ("risk_event_id", "policy_number", "event_type", "occurred_at") if k not in filing]
        if missing:
            return _json(422, {"error": "missing_fields", "fields": missing})
        key = request.headers.get("Idempotency-Key") or f"{filing['risk_event_id']}:{filing['policy_number']}"
        with self._lock:
            reference = insurer.by_key.get(key)
            if reference is None:
                reference = f"{insurer.profile.slug[:4].upper()}-{uuid.uuid4().hex[:10].upper()}"
                insurer.by_key[key] = reference
                insurer.claims[reference] = _Claim(reference, filing, time.time())
            claim = insurer.claims[reference]
        status, _ = insurer.status_at(claim, time.time())
        return _json(201, {"claim_reference": reference, "status": status})

    def _facts(self, insurer: _Insurer, reference: str, request: Request, body: bytes) -> Response:
        """Facts learned after filing, applied once per webhook-id."""
        claim = insurer.claims.get(reference)
        if claim is None:
            return _json(404, {"error": "unknown_claim"})
        try:
            delivery = json.loads(body)
        except ValueError:
            return _json(400, {"error": "malformed_json"})
        if not isinstance(delivery, dict) or not isinstance(delivery.get("facts"), dict):
            return _json(422, {"error": "missing_fields", "fields": ["facts"]})
        if delivery.get("risk_event_id") != claim.body["risk_event_id"]:
            return _json(404, {"error": "unknown_claim"})
        webhook_id = request.headers["webhook-id"]
        with self._lock:
            if webhook_id not in insurer.applied_facts:
                insurer.applied_facts.add(webhook_id)
                waited = claim.waits_for_police_report()
                claim.facts_updates.append(
                    {"webhook_id": webhook_id, "facts": delivery["facts"], "updated_at": delivery.get("updated_at")}
                )
                if waited and not claim.waits_for_police_report():
                    claim.unblocked_at = time.time()
        return Response(status=204)

    def _progress(self, insurer: _Insurer, reference: str) -> Response:
        claim = insurer.claims.get(reference)
        if claim is None:
            return _json(404, {"error": "unknown_claim"})
        status, at = insurer.status_at(claim, time.time())
        return _json(200, {"status": status, "updated_at": _rfc3339(at), "note": note(insurer.profile, status)})

    # webhooks --------------------------------------------------------------------------------------------------
    def _push_loop(self) -> None:
        while not self._stop.wait(0.2):
            if not self.platform_url:
                continue
            for insurer in list(self.insurers.values()):
                if insurer.profile.push_webhooks and insurer.insurer_id and insurer.secrets:
                    for claim in list(insurer.claims.values()):
                        self._push_due(insurer, claim)

    def _push_due(self, insurer: _Insurer, claim: _Claim) -> None:
        steps = insurer.profile.script
        current, current_at = insurer.status_at(claim, time.time())
        reached = steps.index(current)
        while claim.pushed <= reached and not self._stop.is_set():
            status = steps[claim.pushed]
            at = current_at if claim.pushed == reached else claim.filed_at + claim.pushed * insurer.profile.step_s
            body = json.dumps(
                {
                    "risk_event_id": claim.body["risk_event_id"],
                    "claim_reference": claim.claim_reference,
                    "status": status,
                    "updated_at": _rfc3339(at),
                    "note": note(insurer.profile, status),
                }
            )
            if not self.push(insurer.profile.slug, body, message_id=f"msg_{claim.claim_reference}_{claim.pushed}"):
                return  # retried on the next round
            claim.pushed += 1

    def push(self, slug: str, body: str, *, message_id: str | None = None) -> bool:
        """Sends one signed progress webhook to the platform as insurer `slug`; True when it was accepted."""
        import requests

        from insure.signatures import sign

        insurer = self.insurers[slug]
        headers = {"content-type": "application/json", **sign(insurer.secrets[0], body, message_id=message_id)}
        try:
            response = requests.post(
                f"{self.platform_url}/webhooks/insurers/{insurer.insurer_id}", data=body, headers=headers, timeout=5
            )
        except requests.RequestException:
            return False
        return response.status_code in (204, 404)


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
