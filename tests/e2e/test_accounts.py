"""Customer accounts over HTTP against the running local cloud: an account created after issuing, signing in, the
policy read with the access token, lockout and its expiry (the cloud runs with a 2-second lock), and the e-mails
delivered to the simulated mail gateway."""

from __future__ import annotations

import re
import time
import uuid

import requests

from tests.e2e.test_issuance import Session

PASSWORD = "correct horse battery staple"


def gateway_url(cloud) -> str:
    found = re.search(r"Messages\s+(http://\S+)", cloud.log.read_text())
    assert found, "the local cloud printed no messaging gateway address"
    return found.group(1)


def delivered(cloud, to: str, template_subject: str, timeout: float = 20.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        messages = requests.get(f"{gateway_url(cloud)}/messages", params={"to": to}, timeout=5).json()["messages"]
        found = [m for m in messages if template_subject in (m["subject"] or "")]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_an_account_after_issuing_then_login_lockout_and_its_expiry(cloud):
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    # Given a person who bought a policy in one session
    session = Session(cloud).accepted()
    number = session.issued(session.pay())["policy_number"]
    # When they create an account with that session's token and sign in
    created = session.call("POST", "/accounts", json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    login = cloud.http.post(f"{cloud.url}/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    access = {"Authorization": f"Bearer {login.json()['access_token']}"}
    # Then the access token reads the policy and its document, and lists it among the customer's policies
    assert cloud.http.get(f"{cloud.url}/policies/{number}", headers=access).status_code == 200
    document = cloud.http.get(f"{cloud.url}/policies/{number}/document", headers=access)
    assert document.content.startswith(b"%PDF")
    mine = cloud.http.get(f"{cloud.url}/me/policies", headers=access).json()["policies"]
    assert [p["policy_number"] for p in mine] == [number]
    # And the account's welcome e-mail reached the mail gateway
    assert delivered(cloud, email, "Your account is ready")
    # When five wrong passwords follow
    answers = [
        cloud.http.post(f"{cloud.url}/auth/login", json={"email": email, "password": "not my password at all"})
        for _ in range(5)
    ]
    # Then the fifth locks the account: 423 with Retry-After, even for the right password
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 423]
    locked = cloud.http.post(f"{cloud.url}/auth/login", json={"email": email, "password": PASSWORD})
    assert locked.status_code == 423, locked.text
    retry_after = int(locked.headers["Retry-After"])
    assert 1 <= retry_after <= 2
    assert locked.headers["Content-Type"] == "application/problem+json"
    # When the lock has run out (what Retry-After said)
    time.sleep(retry_after + 0.2)
    # Then the right password signs in again
    again = cloud.http.post(f"{cloud.url}/auth/login", json={"email": email, "password": PASSWORD})
    assert again.status_code == 200, again.text


def test_password_reset_code_arrives_by_email_and_sets_a_new_password(cloud):
    email = f"grace-{uuid.uuid4().hex[:8]}@example.com"
    session = Session(cloud)
    assert session.call("POST", "/accounts", json={"email": email, "password": PASSWORD}).status_code == 201
    asked = cloud.http.post(f"{cloud.url}/auth/password-reset", json={"email": email})
    assert asked.status_code == 202
    messages = delivered(cloud, email, "Your password reset code")
    assert len(messages) == 1
    code = re.search(r"Your code is (\d{6})", messages[0]["body"]).group(1)
    new_password = "a brand new passphrase"
    confirmed = cloud.http.post(
        f"{cloud.url}/auth/password-reset/confirm", json={"email": email, "code": code, "new_password": new_password}
    )
    assert confirmed.status_code == 204, confirmed.text
    assert cloud.http.post(f"{cloud.url}/auth/login", json={"email": email, "password": PASSWORD}).status_code == 401
    assert (
        cloud.http.post(f"{cloud.url}/auth/login", json={"email": email, "password": new_password}).status_code == 200
    )
