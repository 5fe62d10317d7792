"""Issuance demo against a running local cloud: two single sessions, each step printed with its server time.

One person is insured end to end (quote, apply, submit, accept the terms shown, pay; policy number and document
path shown); another is declined with the reasons of the rules that applied.
`python -m scripts.demo_issuance [BASE_URL]` (or through `make demo`)."""

from __future__ import annotations

import hashlib
import sys
import time
import uuid
from typing import Any

import requests

from scripts.samples import APPLICATION, GOOD_CARD

ADA = APPLICATION
CHARLES = {
    **ADA,
    "state": "CA",
    "applicant": {
        **ADA["applicant"],
        "first_name": "Charles",
        "last_name": "Babbage",
        "email": "charles@example.com",
        "address": {"line1": "2 Engine Way", "city": "San Jose", "state": "CA", "zip": "95110"},
    },
    "items": [{"kind": "desktop", "brand": "Generic", "model": "Difference", "purchase_year": 2014, "value": "900.00"}],
    "referrer": None,
}
CARD = GOOD_CARD


class Steps:
    """Calls the API and prints one line per step with its server time."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.total_ms = 0.0

    def call(self, label: str, method: str, path: str, *expected: int, **kwargs: Any) -> requests.Response:
        response = self.http.request(method, self.base_url + path, timeout=30, **kwargs)
        server_ms = float(response.headers.get("X-Server-Time-Ms", "0"))
        self.total_ms += server_ms
        print(f"  {label:<34} {response.status_code}  {server_ms:7.1f} ms", flush=True)
        if response.status_code not in expected:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:400]}")
        return response

    def until(self, path: str, headers: dict[str, str], done: set[str]) -> dict[str, Any]:
        """Poll an application that answered 202 until its status is one of `done` (time waited counts too)."""
        began = time.perf_counter()
        while True:
            shown: dict[str, Any] = self.http.get(self.base_url + path, headers=headers, timeout=30).json()
            if shown["status"] in done or time.perf_counter() - began > 30:
                waited = (time.perf_counter() - began) * 1000
                self.total_ms += waited
                print(f"  {'  ...waited for ' + shown['status']:<34}      {waited:7.1f} ms", flush=True)
                return shown
            time.sleep(0.05)


def insured(base_url: str) -> None:
    steps = Steps(base_url)
    print("Session 1: Ada insures her laptop", flush=True)
    quote_body = {k: ADA[k] for k in ("product", "state", "items")} | {"date_of_birth": "1985-12-10"}
    quote = steps.call("quote", "POST", "/quotes", 200, json=quote_body).json()
    print(f"    preliminary premium {quote['premium']['amount']} {quote['premium']['currency']}")
    created = steps.call("apply", "POST", "/applications", 201, json=ADA | {"quote_id": quote["quote_id"]}).json()
    auth = {"Authorization": f"Bearer {created['session_token']}"}
    base = f"/applications/{created['application_id']}"
    submitted = steps.call("submit (underwriting)", "POST", base + "/submit", 200, 202, headers=auth)
    shown = submitted.json()
    if submitted.status_code == 202:
        shown = steps.until(base, auth, {"offered", "declined"})
    offer = shown["offer"]
    print(f"    offer {offer['offer_id']}: premium {offer['premium']['amount']}, expires {offer['expires_at']}")
    terms = steps.call("read the terms", "GET", base + "/terms", 200, headers=auth)
    digest = hashlib.sha256(terms.content).hexdigest()
    print(f"    terms sha256 {digest[:16]}… {'matches' if digest == offer['terms_sha256'] else 'DOES NOT MATCH'}")
    steps.call(
        "accept",
        "POST",
        base + "/accept",
        200,
        headers=auth,
        json={"offer_id": offer["offer_id"], "terms_sha256": digest},
    )
    paid = steps.call(
        "pay by card",
        "POST",
        base + "/payment",
        200,
        202,
        headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        json={"card": CARD},
    )
    shown = paid.json()
    if paid.status_code == 202:
        shown = steps.until(base, auth, {"issued", "failed"})
    number = shown["policy_number"]
    policy = steps.call("read the policy", "GET", f"/policies/{number}", 200, headers=auth).json()
    document = steps.call("download the document", "GET", f"/policies/{number}/document", 200, headers=auth)
    current = policy["current"]
    print(
        f"    ISSUED policy {number}: {current['effective_date']} to {current['expiry_date']}, "
        f"premium {current['premium']['amount']} USD, card {shown['payment']['brand']} …{shown['payment']['last4']}"
    )
    print(f"    document {base_url.rstrip('/')}/policies/{number}/document ({len(document.content)} bytes of PDF)")
    print(f"  server time of the session: {steps.total_ms:.1f} ms", flush=True)


def declined(base_url: str) -> None:
    steps = Steps(base_url)
    print("Session 2: Charles applies for an old unbranded desktop", flush=True)
    created = steps.call("apply", "POST", "/applications", 201, json=CHARLES).json()
    auth = {"Authorization": f"Bearer {created['session_token']}"}
    base = f"/applications/{created['application_id']}"
    submitted = steps.call("submit (underwriting)", "POST", base + "/submit", 200, 202, headers=auth)
    shown = submitted.json()
    if submitted.status_code == 202:
        shown = steps.until(base, auth, {"offered", "declined"})
    decision = shown["decision"]
    print(f"    {shown['status'].upper()} (rulebook {decision['rulebook_version']}), because:")
    for reason in decision["reasons"]:
        print(f"      {reason['rule_id']}: {reason['sentence']}")
    print(f"  server time of the session: {steps.total_ms:.1f} ms", flush=True)


def main(base_url: str) -> None:
    insured(base_url)
    print()
    declined(base_url)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3000")
