"""Customer accounts through the API on moto, as the local cloud hosts them: an account created after issuing,
sign-in, lockout and its expiry on a moved clock, per-source throttling, refresh rotation, sign-out, password reset
by an e-mailed code, the versioned customer record, the customer's policies across sessions, and the back office."""

from __future__ import annotations

import json
import re

import boto3
import pytest

from tests.integration.test_issuance import accepted, bearer, pay, submit

PASSWORD = "correct horse battery staple"


@pytest.fixture
def issuance(platform, rulebooks, monkeypatch):
    """The platform with rulebooks seeded and the card processor simulator running (as for issuance tests)."""
    from insure.settings import get_settings
    from insure.underwriting import reset_cache
    from local import moto_fixes
    from local.simulators.card_processor import CardProcessorSimulator

    moto_fixes.install()
    simulator = CardProcessorSimulator()
    simulator.start()
    monkeypatch.setenv("CARD_PROCESSOR_URL", simulator.url)
    monkeypatch.setenv("RESPONSE_WAIT_MS", "20000")  # the answer waits for the workflow (a busy CI machine)
    get_settings.cache_clear()
    reset_cache()
    try:
        yield platform
    finally:
        simulator.stop()


class Clock:
    """The platform's one clock (`insure.timestamps`), moved by the test: `clock.now += 600` is ten minutes later
    for the accounts service and the access tokens alike."""

    @property
    def now(self) -> float:
        from insure import timestamps

        return timestamps.epoch()

    @now.setter
    def now(self, value: float) -> None:
        import datetime as dt

        from insure import timestamps

        timestamps.advance(dt.timedelta(seconds=max(0.0, value - timestamps.epoch())))


@pytest.fixture
def clock(issuance) -> Clock:
    return Clock()


def issued_policy(api):
    application_id, auth = accepted(api)
    paid = pay(api, application_id, auth)
    assert paid.status_code in (200, 202), paid.json
    shown = api.get(f"/applications/{application_id}", headers=auth).json
    return application_id, auth, shown["policy_number"]


def create_account(api, auth, email="ada@example.com", password=PASSWORD):
    return api.post("/accounts", json={"email": email, "password": password}, headers=auth)


def login(api, email="ada@example.com", password=PASSWORD):
    return api.post("/auth/login", json={"email": email, "password": password})


def queued_notifications(platform) -> list[dict]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = platform.deployment.queues["notifications"]
    bodies = []
    while True:
        found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
        if not found:
            return bodies
        for message in found:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_an_account_created_after_issuing_keeps_the_policy_readable_after_the_session(issuance, clock, monkeypatch):
    api = issuance.api
    # Given a person who bought a policy in a session
    application_id, auth, number = issued_policy(api)
    # When they create an account with that session's token
    created = create_account(api, auth)
    assert created.status_code == 201, created.json
    customer_id = created.json["customer_id"]
    assert created.json["linked_application_id"] == application_id
    # And sign in
    signed_in = login(api)
    assert signed_in.status_code == 200, signed_in.json
    tokens = signed_in.json
    assert tokens["expires_in"] == 900 and tokens["customer_id"] == customer_id
    access = bearer(tokens["access_token"])
    # Then the customer's access token reads the policy, its document and the application, like the session's
    assert api.get(f"/policies/{number}", headers=access).status_code == 200
    assert api.get(f"/policies/{number}/document", headers=access).data.startswith(b"%PDF")
    assert api.get(f"/applications/{application_id}", headers=access).json["status"] == "issued"
    # And it still does after the session has expired (the session token alone no longer works)
    from insure.sessions import SessionRepository, token_hash
    from insure.settings import get_settings

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    session_key = SessionRepository.key(token_hash(auth["Authorization"].removeprefix("Bearer ")))
    dynamodb.update_item(
        TableName=get_settings().table_name,
        Key=session_key,
        UpdateExpression="SET expires_at_epoch = :past",
        ExpressionAttributeValues={":past": {"N": "1"}},
    )
    for item in dynamodb.scan(TableName=get_settings().table_name)["Items"]:
        if item["pk"]["S"] == f"POLICY#{number}":
            dynamodb.update_item(
                TableName=get_settings().table_name,
                Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression="SET session_expires_at_epoch = :past",
                ExpressionAttributeValues={":past": {"N": "1"}},
            )
    assert api.get(f"/policies/{number}", headers=auth).status_code == 401
    assert api.get(f"/policies/{number}", headers=access).status_code == 200
    # And the customer lists the policy among theirs
    mine = api.get("/me/policies", headers=access)
    assert [p["policy_number"] for p in mine.json["policies"]] == [number]
    # And another customer's token gets 404 for it, no token 401, a made-up access token 401
    _, other_auth, _ = issued_policy(api)
    assert create_account(api, other_auth, email="grace@example.com").status_code == 201
    other = bearer(login(api, "grace@example.com").json["access_token"])
    assert api.get(f"/policies/{number}", headers=other).status_code == 404
    assert api.get(f"/policies/{number}").status_code == 401
    assert api.get(f"/policies/{number}", headers=bearer("at_madeup")).status_code == 401
    assert api.get("/policies/P-NOPE", headers=access).status_code == 404
    # And the account-created e-mail was queued for the customer
    assert any(m["template"] == "account_created" for m in queued_notifications(issuance))


def test_creating_an_account_checks_the_session_the_password_and_the_email(issuance, clock):
    api = issuance.api
    _, auth = accepted(api)
    assert create_account(api, {}).status_code == 401
    assert create_account(api, bearer("not-a-session")).status_code == 401
    weak = create_account(api, auth, password="Password123!")
    assert weak.status_code == 422 and weak.json["errors"][0]["field"] == "password"
    assert create_account(api, auth).status_code == 201
    # the same session again: the same account (a retried request), another e-mail: 409
    assert create_account(api, auth).status_code == 201
    assert create_account(api, auth, email="other@example.com").status_code == 409
    # the e-mail is taken for another session
    _, second = accepted(api)
    taken = create_account(api, second, email="ADA@example.com")
    assert taken.status_code == 409


def test_a_password_with_control_characters_is_refused_when_chosen_and_only_wrong_when_signing_in(issuance, clock):
    api = issuance.api
    _, auth = accepted(api)
    # When a person chooses a password holding NUL, an escape sequence or a direction override (NUL was accepted
    # and hashed)
    for password in ("zebra\x00harbour lamp", "zebra\x1b[31mharbour", "zebra harbour\u202elamp"):
        refused = create_account(api, auth, password=password)
        # Then it is a 422 naming the password, and no account exists
        assert refused.status_code == 422, refused.json
        assert [e["field"] for e in refused.json["errors"]] == ["password"]
    assert login(api, password="zebra\x00harbour lamp").status_code == 401
    # And once the account exists, signing in with control characters or a broken token is a 401, never a 500
    assert create_account(api, auth).status_code == 201
    assert login(api, password=PASSWORD + "\x00").status_code == 401
    assert api.post("/auth/refresh", json={"refresh_token": "rt\x00\u202e"}).status_code == 401
    assert api.get("/me", headers={"Authorization": "Bearer \x00\x7f"}).status_code == 401
    assert login(api).status_code == 200


def test_an_application_opened_with_an_access_token_is_the_customers_from_the_start(issuance, clock):
    from scripts.samples import APPLICATION

    api = issuance.api
    _, auth, first = issued_policy(api)
    assert create_account(api, auth).status_code == 201
    access = bearer(login(api).json["access_token"])
    # When the signed-in customer opens a second application and buys it
    opened = api.post("/applications", json=APPLICATION, headers=access)
    assert opened.status_code == 201
    second_id, second_auth = opened.json["application_id"], bearer(opened.json["session_token"])
    assert api.get(f"/applications/{second_id}", headers=access).status_code == 200
    offer = submit(api, second_id, second_auth)["offer"]
    acceptance = {"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]}
    assert api.post(f"/applications/{second_id}/accept", json=acceptance, headers=access).status_code == 200
    paid = pay(api, second_id, access)
    assert paid.status_code in (200, 202), paid.json
    # Then both policies are the customer's
    numbers = [p["policy_number"] for p in api.get("/me/policies", headers=access).json["policies"]]
    assert numbers[0] == first and len(numbers) == 2
    # And a stale access token on POST /applications is 401, not an anonymous application
    assert api.post("/applications", json=APPLICATION, headers=bearer("at_stale")).status_code == 401


def test_five_failures_lock_the_account_with_retry_after_until_the_lock_expires(issuance, clock):
    api = issuance.api
    _, auth = accepted(api)
    customer_id = create_account(api, auth).json["customer_id"]
    # Given four wrong passwords: 401 each, answered like an unknown e-mail
    wrong = [login(api, password="wrong password here") for _ in range(4)]
    unknown = login(api, email="nobody@example.com", password="wrong password here")
    assert [r.status_code for r in wrong] == [401] * 4
    assert unknown.status_code == 401 and unknown.json["detail"] == wrong[0].json["detail"]
    # When the fifth fails
    fifth = login(api, password="wrong password here")
    # Then the account is locked: 423 with Retry-After of 15 minutes, even for the right password
    assert fifth.status_code == 423 and fifth.headers["Retry-After"] == "900"
    clock.now += 600
    right_but_locked = login(api)
    assert right_but_locked.status_code == 423 and right_but_locked.headers["Retry-After"] == "300"
    # And the failures and the lock are on the customer record
    admin = bearer(issuance.admin_key)
    status = api.get(f"/admin/customers/{customer_id}", headers=admin).json
    assert (status["failed_logins"], status["locked"], status["locks"]) == (5, True, 1)
    # When the lock runs out
    clock.now += 300
    # Then the right password signs in again and the count starts over
    assert login(api).status_code == 200
    assert api.get(f"/admin/customers/{customer_id}", headers=admin).json["failed_logins"] == 0
    events = [e["event"] for e in api.get(f"/admin/customers/{customer_id}/history", headers=admin).json["events"]]
    assert events == ["locked"]


def test_an_unknown_email_locks_like_an_account_so_lockout_reveals_nothing(issuance, clock):
    api = issuance.api
    answers = [login(api, email="ghost@example.com", password="wrong password here") for _ in range(6)]
    assert [r.status_code for r in answers] == [401, 401, 401, 401, 423, 423]
    assert answers[-1].headers["Retry-After"] == "900"


def test_the_back_office_unlocks_an_account(issuance, clock):
    api = issuance.api
    _, auth = accepted(api)
    customer_id = create_account(api, auth).json["customer_id"]
    for _ in range(5):
        login(api, password="wrong password here")
    assert login(api).status_code == 423
    admin = bearer(issuance.admin_key)
    assert api.post(f"/admin/customers/{customer_id}/unlock").status_code == 401
    assert api.post(f"/admin/customers/{customer_id}/unlock", headers=bearer("not-the-key")).status_code == 401
    unlocked = api.post(f"/admin/customers/{customer_id}/unlock", headers=admin)
    assert unlocked.status_code == 200 and unlocked.json["locked"] is False
    assert login(api).status_code == 200
    found = api.get("/admin/customers?email=Ada@Example.com", headers=admin).json
    assert found["customer_id"] == customer_id
    assert api.post("/admin/customers/cus_nope/unlock", headers=admin).status_code == 404


def test_an_unlock_that_keeps_losing_to_concurrent_changes_is_a_conflict_not_a_success(issuance, clock, monkeypatch):
    from insure.accounts.repository import AccountRepository
    from insure.errors import Conflict

    api = issuance.api
    _, auth = accepted(api)
    customer_id = create_account(api, auth).json["customer_id"]
    for _ in range(5):
        login(api, password="wrong password here")
    admin = bearer(issuance.admin_key)

    def always_changed_meanwhile(self, account, **changes):
        raise Conflict("The customer record changed meanwhile; try again.")

    # When every write of the unlock meets a concurrent change
    with monkeypatch.context() as patched:
        patched.setattr(AccountRepository, "update", always_changed_meanwhile)
        refused = api.post(f"/admin/customers/{customer_id}/unlock", headers=admin)
    # Then the back office reads 409 (as the document lists), the account is still locked, no unlock is recorded
    assert refused.status_code == 409, refused.json
    assert login(api).status_code == 423
    events = [e["event"] for e in api.get(f"/admin/customers/{customer_id}/history", headers=admin).json["events"]]
    assert "unlocked" not in events


def test_failures_from_one_source_are_throttled(issuance, clock, monkeypatch):
    from insure.settings import get_settings

    monkeypatch.setenv("LOGIN_SOURCE_MAX_FAILURES", "3")  # read as the accounts function's root is built
    get_settings.cache_clear()
    api = issuance.api
    answers = [login(api, email=f"p{n}@example.com", password="wrong password here") for n in range(4)]
    assert [r.status_code for r in answers] == [401, 401, 401, 429]
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 900
    assert answers[-1].headers["Content-Type"] == "application/problem+json"


def test_refresh_tokens_rotate_and_a_replayed_one_ends_the_login(issuance, clock):
    api = issuance.api
    _, auth = accepted(api)
    create_account(api, auth)
    first = login(api).json
    # When the refresh token is traded
    second = api.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200 and second.json["refresh_token"] != first["refresh_token"]
    assert api.get("/me", headers=bearer(second.json["access_token"])).status_code == 200
    # And the spent one is replayed (stolen?)
    replay = api.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    # Then it is refused and the whole login ends: the newest tokens stop working too
    assert replay.status_code == 401
    assert api.get("/me", headers=bearer(second.json["access_token"])).status_code == 401
    assert api.post("/auth/refresh", json={"refresh_token": second.json["refresh_token"]}).status_code == 401


def test_logout_ends_the_login(issuance, clock):
    api = issuance.api
    _, auth = accepted(api)
    create_account(api, auth)
    tokens = login(api).json
    access = bearer(tokens["access_token"])
    assert api.post("/auth/logout").status_code == 401
    assert api.post("/auth/logout", headers=access).status_code == 204
    assert api.get("/me", headers=access).status_code == 401
    assert api.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    # another login of the same customer is unaffected
    other = login(api).json
    assert api.get("/me", headers=bearer(other["access_token"])).status_code == 200


def test_an_expired_access_token_is_refused(issuance, clock):
    api = issuance.api
    _, auth = accepted(api)
    create_account(api, auth)
    access = bearer(login(api).json["access_token"])
    clock.now += 901
    assert api.get("/me", headers=access).status_code == 401


def test_password_reset_by_an_emailed_code_single_use_and_attempt_limited(issuance, clock):
    api = issuance.api
    _, auth = accepted(api)
    create_account(api, auth)
    queued_notifications(issuance)  # drop the account-created e-mail
    old_login = login(api).json
    # When the person asks for a reset (and someone asks for an unknown e-mail: the same answer)
    asked = api.post("/auth/password-reset", json={"email": "ada@example.com"})
    ghost = api.post("/auth/password-reset", json={"email": "ghost@example.com"})
    assert asked.status_code == ghost.status_code == 202 and asked.json == ghost.json
    # Then one e-mail with a six-digit code is queued for the account only
    sent = queued_notifications(issuance)
    assert [(m["recipient"], m["template"]) for m in sent] == [("ada@example.com", "password_reset")]
    code = sent[0]["data"]["code"]
    assert len(code) == 6 and code.isdigit()
    new_password = "another long passphrase"

    def confirm(with_code: str, password: str = new_password):
        body = {"email": "ada@example.com", "code": with_code, "new_password": password}
        return api.post("/auth/password-reset/confirm", json=body)

    # A weak new password is refused without spending the code; a wrong code is 401
    assert confirm(code, "password1").status_code == 422
    wrong = "000000" if code != "000000" else "111111"
    assert confirm(wrong).status_code == 401
    # The right code sets the password once; the old password and the old login stop working
    assert confirm(code).status_code == 204
    assert confirm(code, "yet another passphrase").status_code == 401
    assert login(api).status_code == 401
    assert login(api, password=new_password).status_code == 200
    assert api.get("/me", headers=bearer(old_login["access_token"])).status_code == 401
    changed = next(m for m in queued_notifications(issuance) if m["template"] == "password_changed")
    # and the e-mail tells when in words ("3 December 2026, 10:08 UTC"), not as a raw timestamp
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} UTC", changed["data"]["changed_at"])
    # A new code is limited to five attempts: the sixth, even right, is refused
    clock.now += 120
    api.post("/auth/password-reset", json={"email": "ada@example.com"})
    code = next(m for m in queued_notifications(issuance) if m["template"] == "password_reset")["data"]["code"]
    wrong = "000000" if code != "000000" else "111111"
    assert [confirm(wrong).status_code for _ in range(5)] == [401] * 5
    assert confirm(code).status_code == 401
    # And a code runs out after fifteen minutes
    clock.now += 120
    api.post("/auth/password-reset", json={"email": "ada@example.com"})
    code = next(m for m in queued_notifications(issuance) if m["template"] == "password_reset")["data"]["code"]
    clock.now += 901
    assert confirm(code).status_code == 401


def test_a_reset_that_keeps_losing_to_concurrent_changes_is_a_conflict_and_changes_nothing(issuance, monkeypatch):
    from insure.accounts.repository import AccountRepository
    from insure.errors import Conflict

    api = issuance.api
    _, auth = accepted(api)
    create_account(api, auth)
    old_login = login(api).json
    api.post("/auth/password-reset", json={"email": "ada@example.com"})
    code = next(m for m in queued_notifications(issuance) if m["template"] == "password_reset")["data"]["code"]
    body = {"email": "ada@example.com", "code": code, "new_password": "another long passphrase"}

    def always_changed_meanwhile(self, account, **changes):
        raise Conflict("The customer record changed meanwhile; try again.")

    # When every write of the new password meets a concurrent change
    with monkeypatch.context() as patched:
        patched.setattr(AccountRepository, "update", always_changed_meanwhile)
        refused = api.post("/auth/password-reset/confirm", json=body)
    # Then 409 (as the document lists): the old password and login still work, nobody was told of a change
    assert refused.status_code == 409, refused.json
    assert login(api).status_code == 200
    assert api.get("/me", headers=bearer(old_login["access_token"])).status_code == 200
    assert "password_changed" not in [m["template"] for m in queued_notifications(issuance)]
    # And the same code, sent again, sets the password
    assert api.post("/auth/password-reset/confirm", json=body).status_code == 204
    assert login(api, password="another long passphrase").status_code == 200


def test_every_change_of_the_customer_record_is_a_new_version(issuance, clock):
    api = issuance.api
    _, auth = accepted(api)
    customer_id = create_account(api, auth).json["customer_id"]
    access = bearer(login(api).json["access_token"])
    me = api.get("/me", headers=access).json
    assert me["version"] == 1 and me["profile"]["first_name"] == "Ada" and me["profile"]["email"] == "ada@example.com"
    # When the customer changes their phone, then opts out of text messages
    clock.now += 10
    phone = api.patch("/me", json={"phone": "+12125550199"}, headers=access)
    clock.now += 10
    prefs = api.patch("/me", json={"notifications": {"email": True, "sms": False, "offers": True}}, headers=access)
    assert phone.status_code == 200 and phone.json["version"] == 2
    assert prefs.status_code == 200 and prefs.json["version"] == 3
    # And sends nothing new, and a body that breaks a rule
    assert api.patch("/me", json={"phone": "+12125550199"}, headers=access).json["version"] == 3
    assert api.patch("/me", json={"phone": "call me"}, headers=access).status_code == 422
    assert api.patch("/me", json={"password_hash": "x"}, headers=access).status_code == 422
    # Then every version is kept with who made it, when and what changed
    history = api.get("/me/history", headers=access).json
    versions = history["versions"]
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert [v["change"] for v in versions] == ["created", "updated", "updated"]
    assert versions[1]["changes"] == {"phone": {"from": "+12125550100", "to": "+12125550199"}}
    assert versions[1]["made_by"] == {"kind": "customer", "id": customer_id}
    assert versions[0]["profile"]["phone"] == "+12125550100"  # nothing overwritten
    assert versions[0]["effective_at"] < versions[1]["effective_at"] < versions[2]["effective_at"]
    # And the notification preferences reach the sender's contact records
    from insure.notifications.repository import NotificationRepository
    from insure.settings import get_settings

    records = NotificationRepository(get_settings().table_name)
    assert records.preferences("sms", "+12125550199").opted_out is True
    assert records.preferences("email", "ada@example.com").offers is True
    # And the back office reads the same history
    admin = api.get(f"/admin/customers/{customer_id}/history", headers=bearer(issuance.admin_key)).json
    assert [v["version"] for v in admin["versions"]] == [1, 2, 3]


def test_changing_the_email_moves_the_sign_in(issuance, clock):
    api = issuance.api
    _, auth = accepted(api)
    create_account(api, auth)
    access = bearer(login(api).json["access_token"])
    _, other = accepted(api)
    create_account(api, other, email="grace@example.com")
    assert api.patch("/me", json={"email": "grace@example.com"}, headers=access).status_code == 409
    moved = api.patch("/me", json={"email": "ada.lovelace@example.com"}, headers=access)
    assert moved.status_code == 200 and moved.json["profile"]["email"] == "ada.lovelace@example.com"
    assert login(api).status_code == 401
    assert login(api, email="ada.lovelace@example.com").status_code == 200


def _both_statuses(api, number, access) -> tuple[str, str]:
    """The policy's status as the customer's list and the policy itself read it."""
    mine = api.get("/me/policies", headers=access).json["policies"]
    return next(p["status"] for p in mine if p["policy_number"] == number), api.get(
        f"/policies/{number}", headers=access
    ).json["status"]


def test_my_policies_reads_a_cancellation_once_its_date_has_passed_as_the_policy_does(issuance, clock):
    import datetime as dt

    api = issuance.api
    _, auth, number = issued_policy(api)
    assert create_account(api, auth).status_code == 201
    # Given a cancellation from 30 days on
    later = (dt.datetime.fromtimestamp(clock.now, dt.UTC).date() + dt.timedelta(days=30)).isoformat()
    cancel = {"effective_date": later, "reason": "replaced_elsewhere"}
    assert api.post(f"/policies/{number}/cancellation", json=cancel, headers=auth).status_code == 200
    access = bearer(login(api).json["access_token"])
    assert _both_statuses(api, number, access) == ("pending_cancellation", "pending_cancellation")
    # When its date has passed
    clock.now += 31 * 24 * 3600
    access = bearer(login(api).json["access_token"])
    # Then both the customer's list and the policy say cancelled
    assert _both_statuses(api, number, access) == ("cancelled", "cancelled")


def test_my_policies_reads_a_policy_past_its_term_as_expired_as_the_policy_does(issuance, clock):
    api = issuance.api
    _, auth, number = issued_policy(api)
    assert create_account(api, auth).status_code == 201
    access = bearer(login(api).json["access_token"])
    assert _both_statuses(api, number, access) == ("active", "active")
    # When the term has run out
    clock.now += 367 * 24 * 3600
    access = bearer(login(api).json["access_token"])
    # Then both say expired
    assert _both_statuses(api, number, access) == ("expired", "expired")


def test_an_unknown_email_runs_the_same_password_hash_as_a_wrong_password(issuance, clock, monkeypatch):
    from argon2 import PasswordHasher

    from insure.accounts import passwords

    api = issuance.api
    _, auth = accepted(api)
    create_account(api, auth)
    checked: list[str] = []
    verify = PasswordHasher.verify

    def spy(self, hash, password):
        checked.append(hash)
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    # When a wrong password is sent for the account, then any password for an unknown e-mail
    assert login(api, password="wrong password here").status_code == 401
    assert login(api, email="ghost@example.com", password="wrong password here").status_code == 401
    # Then each ran one argon2id verification of the same cost: the account's hash, then the dummy hash
    assert len(checked) == 2
    account_hash, dummy = checked
    assert dummy == passwords._dummy_hash() and account_hash != dummy
    cost = "$argon2id$v=19$m=19456,t=2,p=1$"
    assert account_hash.startswith(cost) and dummy.startswith(cost)


def test_tokens_are_stored_only_as_hashes(issuance, clock):
    from insure.accounts.access import token_hash

    api = issuance.api
    _, auth = accepted(api)
    create_account(api, auth)
    first = login(api).json
    second = api.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}).json
    tokens = [first["access_token"], first["refresh_token"], second["access_token"], second["refresh_token"]]
    # Every table, every item, every attribute
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    stored = json.dumps(
        [
            item
            for table in dynamodb.list_tables()["TableNames"]
            for page in dynamodb.get_paginator("scan").paginate(TableName=table)
            for item in page["Items"]
        ]
    )
    assert [token for token in tokens if token in stored] == []
    assert all(token_hash(token) in stored for token in tokens)  # what is kept instead
