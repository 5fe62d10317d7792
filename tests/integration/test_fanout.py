"""Every insurer at once, on moto in-process with the real handlers: the registry, dispatch per (event, insurer),
the fan-out consumer against simulated insurers over real HTTP (partial batch failures, polling, DLQ and
unreachable), statuses that never move backwards, and signed insurer webhooks."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from insure.risk import fanout, progress
from insure.risk.fanout import FanoutRequest, PolicyRef
from insure.signatures import sign
from local.simulators.insurers import InsurerProfile, InsurerSimulator
from local.sqs_poller import QueuePoller, to_event

SALES = {"name": "Sam Sales", "email": "sam@insurer.example", "phone": "+12125550123"}


def risk():
    """The risk functions' composition root over this test's platform and settings (built fresh each time)."""
    from insure.roots.risk import RiskRoot

    return RiskRoot.from_environment()


def dispatch(request: FanoutRequest) -> None:
    risk().dispatcher.dispatch(request)


@pytest.fixture
def fast_polls(monkeypatch):
    from insure.settings import get_settings

    monkeypatch.setenv("INSURER_POLL_INTERVAL_S", "0")
    monkeypatch.setenv("INSURER_TIMEOUT_S", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def insurers_sim():
    profiles = [
        InsurerProfile("steady", "Steady Mutual", latency_s=0.01, step_s=0.2),
        InsurerProfile("denier", "Denier Re", latency_s=0.01, script=("received", "assessing", "denied"), step_s=0.2),
        InsurerProfile("down", "Down & Out", latency_s=0.0, failure_rate=1.0),
    ]
    sim = InsurerSimulator(profiles=profiles)
    sim.start()
    yield sim
    sim.stop()


def _admin(platform) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.admin_key}"}


def _register(platform, sim: InsurerSimulator) -> dict[str, str]:
    ids = {}
    for slug, insurer in sim.insurers.items():
        response = platform.api.post(
            "/insurers",
            json={"name": insurer.profile.name, "base_url": sim.base_url(slug), "salesperson": SALES},
            headers=_admin(platform),
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        body = response.get_json()
        sim.configure(slug, body["insurer_id"], body["webhook_secret"])
        ids[slug] = body["insurer_id"]
    return ids


def _request(event_id: str, ids: dict[str, str]) -> FanoutRequest:
    return FanoutRequest(
        risk_event_id=event_id,
        event_type="water_damage",
        facts={"description": "pipe burst"},
        occurred_at="2026-11-23T07:00:00Z",
        location={"lat": 40.7, "lon": -74.0, "accuracy_m": 12.0, "method": "gps"},
        policies=[PolicyRef(insurer_id=i, policy_number=f"POL-{slug}", product="home") for slug, i in ids.items()],
    )


def _receive_all(platform, wait_s: int = 0) -> list[dict]:
    sqs = boto3.client("sqs")
    url = platform.deployment.queues["insurer-requests"]
    messages: list[dict] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=wait_s
        ).get("Messages", [])
        if not batch:
            return messages
        messages += batch


def _by_insurer(event_id: str) -> dict[str, progress.InsurerProgress]:
    return {p.insurer_id: p for p in risk().progress.timeline(event_id)}


# registry ------------------------------------------------------------------------------------------------------
def test_insurers_are_registered_by_the_admin_and_listed_without_secrets(platform):
    # Given an insurer registered with the admin key
    created = platform.api.post(
        "/insurers",
        json={"name": "Acme Mutual", "base_url": "https://claims.acme.example/v1", "salesperson": SALES},
        headers=_admin(platform),
    )
    # Then it gets an id and a whsec_ secret shown once
    assert created.status_code == 201
    body = created.get_json()
    assert body["webhook_secret"].startswith("whsec_") and body["insurer_id"]
    # And the list names it but never carries a secret
    listed = platform.api.get("/insurers", headers=_admin(platform))
    assert listed.status_code == 200
    assert [i["name"] for i in listed.get_json()["insurers"]] == ["Acme Mutual"]
    assert "whsec_" not in listed.get_data(as_text=True)


def test_insurer_registry_refuses_non_admins_and_bad_input(platform):
    # Without the admin key: 401, and nothing is registered
    assert platform.api.post("/insurers", json={"name": "X"}).status_code in (401, 422)
    unauthorized = platform.api.post(
        "/insurers", json={"name": "X", "base_url": "https://x.example", "salesperson": SALES}
    )
    assert unauthorized.status_code == 401
    assert platform.api.get("/insurers", headers={"Authorization": "Bearer nope"}).status_code == 401
    # With a broken base URL: 422 naming the field
    invalid = platform.api.post(
        "/insurers", json={"name": "X", "base_url": "ftp:/nope", "salesperson": SALES}, headers=_admin(platform)
    )
    assert invalid.status_code == 422
    assert any("base_url" in e["field"] for e in invalid.get_json()["errors"])
    assert platform.api.get("/insurers", headers=_admin(platform)).get_json()["insurers"] == []


def test_a_salesperson_needs_a_name_and_one_way_to_reach_them(platform):
    def register(salesperson: dict) -> object:
        body = {"name": "Acme Mutual", "base_url": "https://claims.acme.example/v1", "salesperson": salesperson}
        return platform.api.post("/insurers", json=body, headers=_admin(platform))

    # An e-mail alone, or a phone alone, is enough
    assert register({"name": "Sam Sales", "email": "sam@insurer.example"}).status_code == 201
    assert register({"name": "Sam Sales", "phone": "+12125550123"}).status_code == 201
    # Neither is 422 naming the salesperson, and registers nothing
    refused = register({"name": "Sam Sales"})
    assert refused.status_code == 422
    assert any(e["field"].startswith("salesperson") for e in refused.get_json()["errors"])
    listed = platform.api.get("/insurers", headers=_admin(platform)).get_json()["insurers"]
    assert {(i["salesperson"].get("email"), i["salesperson"].get("phone")) for i in listed} == {
        ("sam@insurer.example", None),
        (None, "+12125550123"),
    }


# dispatch ------------------------------------------------------------------------------------------------------
def test_dispatch_sends_one_message_per_event_and_insurer_and_a_redispatch_files_no_second_claim(
    platform, insurers_sim, fast_polls
):
    ids = _register(platform, insurers_sim)
    # Given an event covered by three insurers (one of them twice)
    request = _request("evt-dispatch", ids)
    doubled = request.model_copy(
        update={"policies": [*request.policies, PolicyRef(insurer_id=ids["steady"], policy_number="P2", product="x")]}
    )
    # When it is dispatched
    dispatch(doubled)
    # Then there is exactly one `file` message per insurer, and each insurer shows as pending
    first = _receive_all(platform)
    bodies = [json.loads(m["Body"]) for m in first]
    assert sorted(m["insurer_id"] for m in bodies) == sorted(ids.values())
    assert {m["kind"] for m in bodies} == {"file"}
    timeline = _by_insurer("evt-dispatch")
    assert {p.status for p in timeline.values()} == {"pending"}
    assert timeline[ids["steady"]].policy_number == "POL-steady"
    # And once the insurers that answer have answered
    platform.functions.invoke("insurer_fanout", to_event(first, "arn:aws:sqs:us-east-1:123456789012:insurer-requests"))
    _receive_all(platform)  # their polls
    # When the event is dispatched again with new facts
    dispatch(doubled.model_copy(update={"facts": {"description": "worse now"}}))
    # Then only the insurer that never answered is asked again (with the new facts); no second claim is filed
    again = [json.loads(m["Body"]) for m in _receive_all(platform)]
    assert [(m["insurer_id"], m["kind"], m["facts"]["description"]) for m in again] == [
        (ids["down"], "file", "worse now")
    ]
    assert len(insurers_sim.insurers["steady"].claims) == 1


# the consumer --------------------------------------------------------------------------------------------------
def test_a_batch_files_claims_concurrently_and_reports_only_the_failing_insurer(platform, insurers_sim, fast_polls):
    ids = _register(platform, insurers_sim)
    dispatch(_request("evt-batch", ids))
    messages = _receive_all(platform)
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:insurer-requests"
    # When the consumer handles the batch
    result = platform.functions.invoke("insurer_fanout", to_event(messages, queue_arn))
    # Then only the insurer that is down is reported as failed
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    down = [m["MessageId"] for m in messages if json.loads(m["Body"])["insurer_id"] == ids["down"]]
    assert failed == set(down)
    # And the others have their claim reference and first status recorded, the down one is still pending
    timeline = _by_insurer("evt-batch")
    for slug in ("steady", "denier"):
        entry = timeline[ids[slug]]
        assert entry.status == "received" and entry.claim_reference and entry.first_response_at
        assert [h.source for h in entry.history] == ["platform", "connector"]
    assert timeline[ids["down"]].status == "pending"
    # And the salesperson of each insurer that answered was notified once
    from insure.risk.notifications import notifications_for

    assert [n.risk_event_id for n in notifications_for(risk().progress_store, ids["steady"])] == ["evt-batch"]
    assert notifications_for(risk().progress_store, ids["down"]) == []
    # And a poll was queued for each insurer that answered
    polls = [json.loads(m["Body"]) for m in _receive_all(platform)]
    assert sorted(p["insurer_id"] for p in polls) == sorted([ids["steady"], ids["denier"]])
    assert {p["kind"] for p in polls} == {"poll"} and {p["poll_seq"] for p in polls} == {1}


def test_a_duplicate_delivery_files_one_claim_and_continues_one_poll_chain(platform, insurers_sim, fast_polls):
    ids = _register(platform, insurers_sim)
    insurers_sim.insurers["steady"].profile.step_s = 60  # stays `received` for the whole test
    request = _request("evt-dup", {"steady": ids["steady"]})
    dispatch(request)
    message = _receive_all(platform)
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:insurer-requests"
    # When the same message is delivered twice at once, then again later
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: platform.functions.invoke("insurer_fanout", to_event(message, queue_arn)), range(2)))
    platform.functions.invoke("insurer_fanout", to_event(message, queue_arn))
    # Then the insurer holds one claim, the salesperson was told once and one poll is queued
    assert len(insurers_sim.insurers["steady"].claims) == 1
    polls = _receive_all(platform)
    assert len(polls) == 1
    # And a duplicated poll delivery continues the chain once
    platform.functions.invoke("insurer_fanout", to_event(polls + polls, queue_arn))
    assert len(_receive_all(platform)) == 1


QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:insurer-requests"


def test_an_answer_recorded_after_the_insurers_webhook_keeps_the_later_status_and_files_one_claim(
    platform, insurers_sim, fast_polls, monkeypatch
):
    from insure.risk.connector import InsurerConnector

    ids = _register(platform, insurers_sim)
    steady = insurers_sim.insurers["steady"]
    steady.profile.step_s = 60  # answers `received` for the whole test
    secret = steady.secrets[0]
    real_file_claim = InsurerConnector.file_claim

    def answer_after_a_webhook(self, insurer, filing):
        # The insurer takes the claim and pushes `assessing` before its answer to POST /claims is recorded
        filed = real_file_claim(self, insurer, filing)
        hook = _hook("assessing", ref=filed.claim_reference, event_id=filing.risk_event_id)
        assert _post_hook(platform, insurer.insurer_id, hook, sign(secret, hook)).status_code == 204
        return filed

    monkeypatch.setattr(InsurerConnector, "file_claim", answer_after_a_webhook)
    dispatch(_request("evt-early-hook", {"steady": ids["steady"]}))
    messages = _receive_all(platform)
    # When the filing is delivered and the webhook overtakes the answer
    result = platform.functions.invoke("insurer_fanout", to_event(messages, QUEUE_ARN))
    # Then the record succeeds (nothing is retried), the insurer got one POST /claims
    assert result["batchItemFailures"] == []
    assert steady.calls == 1
    # And the first answer is recorded without moving the status back from the webhook's
    entry = _by_insurer("evt-early-hook")[ids["steady"]]
    assert entry.status == "assessing" and entry.first_response_at is not None
    assert [h.status for h in entry.history] == ["pending", "assessing"]
    # And its poll chain starts once
    assert [json.loads(m["Body"])["poll_seq"] for m in _receive_all(platform)] == [1]


def test_duplicate_filing_deliveries_in_any_order_post_one_claim_and_report_no_failure(
    platform, insurers_sim, fast_polls
):
    ids = _register(platform, insurers_sim)
    steady = insurers_sim.insurers["steady"]
    steady.profile.step_s = 60
    dispatch(_request("evt-dup-file", {"steady": ids["steady"]}))
    message = _receive_all(platform)
    # When the filing is delivered twice in one batch, then twice more later, one after the other
    results = [platform.functions.invoke("insurer_fanout", to_event(message + message, QUEUE_ARN))]
    results += [platform.functions.invoke("insurer_fanout", to_event(message, QUEUE_ARN)) for _ in range(2)]
    # Then no delivery failed (none goes back to the queue, none can reach the dead-letter queue)
    assert [r["batchItemFailures"] for r in results] == [[], [], []]
    # And the insurer received exactly one POST /claims, and one poll chain started
    assert steady.calls == 1 and len(steady.claims) == 1
    assert [json.loads(m["Body"])["poll_seq"] for m in _receive_all(platform)] == [1]
    entry = _by_insurer("evt-dup-file")[ids["steady"]]
    assert [h.source for h in entry.history] == ["platform", "connector"]


def test_fact_changes_while_a_claim_is_being_filed_or_after_it_is_filed_post_no_second_claim(
    platform, insurers_sim, fast_polls, monkeypatch
):
    from insure.risk.connector import InsurerConnector

    ids = _register(platform, insurers_sim)
    steady = insurers_sim.insurers["steady"]
    steady.profile.step_s = 60
    filing, release = threading.Event(), threading.Event()
    real_file_claim = InsurerConnector.file_claim

    def slow_file_claim(self, insurer, claim):
        filing.set()
        assert release.wait(30)
        return real_file_claim(self, insurer, claim)

    monkeypatch.setattr(InsurerConnector, "file_claim", slow_file_claim)
    request = _request("evt-refile", {"steady": ids["steady"]})
    dispatch(request)
    message = _receive_all(platform)
    # Given the claim's filing is under way (its POST not answered yet)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(platform.functions.invoke, "insurer_fanout", to_event(message, QUEUE_ARN))
        assert filing.wait(30)
        # When the reporter adds facts (the event is dispatched again) while it is being filed
        dispatch(request.model_copy(update={"facts": {"description": "worse now"}}))
        # Then no second filing is queued
        assert _receive_all(platform) == []
        release.set()
        assert first.result(30)["batchItemFailures"] == []
    _receive_all(platform)  # its first poll
    # And once it is filed, neither a repeated scan nor another fact change files again
    dispatch(request)
    dispatch(request.model_copy(update={"facts": {"description": "worse still"}}))
    assert _receive_all(platform) == []
    assert steady.calls == 1 and len(steady.claims) == 1


def test_a_filing_that_died_mid_way_is_taken_over_only_after_its_lease_lapses(platform, insurers_sim, fast_polls):
    ids = _register(platform, insurers_sim)
    steady = insurers_sim.insurers["steady"]
    dispatch(_request("evt-lease", {"steady": ids["steady"]}))
    message = fanout.InsurerRequest.model_validate_json(_receive_all(platform)[0]["Body"])
    clock = [1_000_000.0]
    worker = risk().worker
    worker.clock, worker.filing_lease_s = (lambda: clock[0]), 1.0
    worker.sleep = lambda s: clock.__setitem__(0, clock[0] + s)
    # Given a delivery that took the filing slot and died before its answer was recorded
    assert risk().progress_store.claim_filing("evt-lease", ids["steady"], "dead", now=clock[0], until=clock[0] + 1)
    # When another delivery comes within the lease, it waits the lease out, then files the claim itself
    outcome = worker.handle(message)
    assert clock[0] > 1_000_001.0
    assert steady.calls == 1 and outcome.poll is not None and outcome.poll.poll_seq == 1
    assert _by_insurer("evt-lease")[ids["steady"]].status == "received"
    # And a delivery after that POSTs nothing
    assert worker.handle(message).poll is None and steady.calls == 1


def test_a_hanging_insurer_delays_neither_the_other_insurers_progress_nor_their_next_poll(
    platform, insurers_sim, fast_polls, monkeypatch
):
    from insure.risk.connector import InsurerConnector

    ids = _register(platform, insurers_sim)
    for slug in ("steady", "denier"):
        insurers_sim.insurers[slug].profile.step_s = 60  # neither claim settles during the test
    both = {slug: ids[slug] for slug in ("steady", "denier")}
    dispatch(_request("evt-hang", both))
    platform.functions.invoke("insurer_fanout", to_event(_receive_all(platform), QUEUE_ARN))
    first_polls = _receive_all(platform)
    assert len(first_polls) == 2
    # Given the denier's claims API hangs on the next poll, until the test lets it answer
    answer = threading.Event()
    real_progress = InsurerConnector.claim_progress

    def hanging_progress(self, insurer, reference):
        if insurer.insurer_id == ids["denier"]:
            assert answer.wait(30)
        return real_progress(self, insurer, reference)

    monkeypatch.setattr(InsurerConnector, "claim_progress", hanging_progress)
    # When both polls arrive in one batch
    with ThreadPoolExecutor(1) as pool:
        batch = pool.submit(platform.functions.invoke, "insurer_fanout", to_event(first_polls, QUEUE_ARN))
        try:
            # Then the steady insurer's next poll is queued while the denier still hangs
            deadline, queued = time.monotonic() + 20, []
            while not queued and time.monotonic() < deadline:
                queued = [json.loads(m["Body"]) for m in _receive_all(platform, wait_s=1)]
            assert [(p["insurer_id"], p["poll_seq"]) for p in queued] == [(ids["steady"], 2)]
            assert not batch.done()
        finally:
            answer.set()
        # And the denier's poll goes on once it answers
        assert batch.result(30)["batchItemFailures"] == []
    assert [(p["insurer_id"], p["poll_seq"]) for p in map(json.loads, (m["Body"] for m in _receive_all(platform)))] == [
        (ids["denier"], 2)
    ]


def test_insurers_progress_to_a_final_status_while_one_that_keeps_failing_ends_unreachable_in_the_dlq(
    platform, insurers_sim, fast_polls
):
    ids = _register(platform, insurers_sim)
    sqs = boto3.client("sqs")
    url = platform.deployment.queues["insurer-requests"]
    dlq = platform.deployment.dead_letter_queues["insurer-requests"]
    poller = QueuePoller(
        sqs, platform.functions, queue_name="insurer-requests", queue_url=url, consumer="insurer_fanout", concurrency=4
    )
    # Given an event dispatched to three insurers, one of which always fails
    dispatch(_request("evt-dlq", ids))
    poller.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            timeline = _by_insurer("evt-dlq")
            dead = int(
                sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                    "ApproximateNumberOfMessages"
                ]
            )
            if dead == 1 and timeline[ids["steady"]].final and timeline[ids["denier"]].final:
                break
            time.sleep(0.2)
    finally:
        poller.stop()
    # Then the healthy insurers reached their final statuses through polling, in order
    timeline = _by_insurer("evt-dlq")
    assert timeline[ids["steady"]].status == "paid"
    assert timeline[ids["denier"]].status == "denied"
    ranks = [progress.RANK[h.status] for h in timeline[ids["steady"]].history]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    # And the failing one shows as unreachable, its message in the dead-letter queue after 5 receives
    down = timeline[ids["down"]]
    assert down.status == "unreachable" and "5 attempts" in (down.history[-1].note or "")
    body = json.loads(sqs.receive_message(QueueUrl=dlq)["Messages"][0]["Body"])
    assert body["insurer_id"] == ids["down"] and body["kind"] == "file"
    assert insurers_sim.insurers["down"].calls == 5


# statuses never move backwards ---------------------------------------------------------------------------------
def test_updates_in_any_order_and_concurrently_leave_the_highest_status(platform, insurers_sim):
    ids = _register(platform, insurers_sim)
    dispatch(_request("evt-order", {"steady": ids["steady"]}))
    insurer = ids["steady"]
    shuffled = ["approved", "received", "paid", "assessing", "approved", "received"]
    progress_service = risk().progress
    # When updates arrive out of order
    applied = [
        progress_service.apply_update("evt-order", insurer, s, source="poll", claim_reference="REF-1") for s in shuffled
    ]
    # Then only moves forward were applied and the status is the highest seen
    assert [a is not None for a in applied] == [True, False, True, False, False, False]
    assert _by_insurer("evt-order")[insurer].status == "paid"
    # And concurrent updates from many threads still end on the highest one, each status at most once
    dispatch(_request("evt-race", {"steady": insurer}))
    statuses = ["received", "assessing", "approved", "paid", "closed"] * 4
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda s: progress_service.apply_update("evt-race", insurer, s, source="webhook"), statuses))
    final = _by_insurer("evt-race")[insurer]
    assert final.status == "closed"
    seen = [h.status for h in final.history]
    assert len(seen) == len(set(seen))
    # And an insurer that answered is never marked unreachable afterwards
    assert progress_service.mark_unreachable("evt-race", insurer, "late failure") is None
    assert _by_insurer("evt-race")[insurer].status == "closed"


# webhooks ------------------------------------------------------------------------------------------------------
@pytest.fixture
def webhook_setup(platform, insurers_sim):
    ids = _register(platform, insurers_sim)
    dispatch(_request("evt-hook", {"steady": ids["steady"]}))
    secret = insurers_sim.insurers["steady"].secrets[0]
    return ids["steady"], secret


def _hook(status: str, ref: str = "REF-9", event_id: str = "evt-hook") -> str:
    return json.dumps(
        {
            "risk_event_id": event_id,
            "claim_reference": ref,
            "status": status,
            "updated_at": "2026-11-23T07:05:00Z",
            "note": f"now {status}",
        }
    )


def _post_hook(platform, insurer_id: str, body: str, headers: dict[str, str]):
    return platform.api.post(
        f"/webhooks/insurers/{insurer_id}", data=body, headers={"content-type": "application/json", **headers}
    )


def test_a_signed_webhook_is_applied_once_and_regressions_are_ignored(platform, webhook_setup):
    insurer_id, secret = webhook_setup
    body = _hook("assessing")
    headers = sign(secret, body)
    # When the insurer pushes a signed update, then the very same delivery again
    first = _post_hook(platform, insurer_id, body, headers)
    again = _post_hook(platform, insurer_id, body, headers)
    # Then both are acknowledged and it was applied once
    assert (first.status_code, again.status_code) == (204, 204)
    entry = _by_insurer("evt-hook")[insurer_id]
    assert entry.status == "assessing" and entry.claim_reference == "REF-9"
    assert [h.status for h in entry.history] == ["pending", "assessing"]
    # And an older status arriving later is acknowledged and ignored
    older = _hook("received")
    assert _post_hook(platform, insurer_id, older, sign(secret, older)).status_code == 204
    assert _by_insurer("evt-hook")[insurer_id].status == "assessing"


def test_forged_stale_unsigned_and_misaddressed_webhooks_change_nothing(platform, webhook_setup):
    insurer_id, secret = webhook_setup
    body = _hook("paid")
    forged = sign("whsec_" + "QUJD" * 11, body)
    stale = sign(secret, body, at=datetime.now(tz=UTC) - timedelta(minutes=6))
    tampered = sign(secret, body)
    # Then forged, stale, unsigned and tampered deliveries are 401
    assert _post_hook(platform, insurer_id, body, forged).status_code == 401
    assert _post_hook(platform, insurer_id, body, stale).status_code == 401
    assert _post_hook(platform, insurer_id, body, {}).status_code == 401
    assert _post_hook(platform, insurer_id, _hook("closed"), tampered).status_code == 401
    # And a forged body that is not even JSON is still 401, not 400
    assert _post_hook(platform, insurer_id, "{nope", sign("whsec_" + "QUJD" * 11, "{nope")).status_code == 401
    # And an unknown insurer is 404, a claim on an event it has no part in is 404
    assert _post_hook(platform, "ins_unknown", body, sign(secret, body)).status_code == 404
    other = _hook("paid", event_id="evt-not-theirs")
    assert _post_hook(platform, insurer_id, other, sign(secret, other)).status_code == 404
    # And a signed but invalid body is 422 naming the field
    invalid = json.dumps({"risk_event_id": "evt-hook", "claim_reference": "R", "status": "lost", "updated_at": "x"})
    response = _post_hook(platform, insurer_id, invalid, sign(secret, invalid))
    assert response.status_code == 422
    assert {e["field"] for e in response.get_json()["errors"]} >= {"status", "updated_at"}
    # So nothing changed
    assert _by_insurer("evt-hook")[insurer_id].status == "pending"


def test_concurrent_duplicate_webhooks_are_applied_once(platform, webhook_setup):
    insurer_id, secret = webhook_setup
    body = _hook("approved")
    headers = sign(secret, body, message_id="msg_concurrent")
    barrier = threading.Barrier(6)

    def deliver(_: int) -> int:
        barrier.wait()
        return _post_hook(platform, insurer_id, body, headers).status_code

    # When six copies of one delivery arrive at once
    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(deliver, range(6)))
    # Then each is acknowledged (or told to retry while the first is in flight) and applied once
    assert set(codes) <= {204, 409} and 204 in codes
    history = _by_insurer("evt-hook")[insurer_id].history
    assert [h.status for h in history] == ["pending", "approved"]


def test_an_insurer_that_times_out_is_retried_and_marked_unreachable_on_the_last_attempt(platform, fast_polls):
    # Given an insurer slower than the connector's 1 s timeout, and a quick one, in one batch
    sim = InsurerSimulator(
        profiles=[
            InsurerProfile("sluggish", "Sluggish Mutual", latency_s=3.0),
            InsurerProfile("quick", "Quick Mutual", latency_s=0.01, step_s=3600),
        ]
    )
    sim.start()
    try:
        ids = _register(platform, sim)
        dispatch(_request("evt-timeout", ids))
        messages = _receive_all(platform)
        queue_arn = "arn:aws:sqs:us-east-1:123456789012:insurer-requests"
        sluggish = [m["MessageId"] for m in messages if json.loads(m["Body"])["insurer_id"] == ids["sluggish"]]
        # When the batch is delivered for the first time
        first = platform.functions.invoke("insurer_fanout", to_event(messages, queue_arn))
        # Then the slow insurer's record fails (SQS retries it) while the quick one is recorded
        assert [f["itemIdentifier"] for f in first["batchItemFailures"]] == sluggish
        timeline = _by_insurer("evt-timeout")
        assert timeline[ids["sluggish"]].status == "pending" and timeline[ids["quick"]].status == "received"
        # When its fifth delivery (the queue's maxReceiveCount) times out too
        last = [m for m in messages if m["MessageId"] in sluggish]
        last[0]["Attributes"]["ApproximateReceiveCount"] = "5"
        final = platform.functions.invoke("insurer_fanout", to_event(last, queue_arn))
        # Then it still fails (on to the dead-letter queue) and shows as unreachable, the other untouched
        assert [f["itemIdentifier"] for f in final["batchItemFailures"]] == sluggish
        timeline = _by_insurer("evt-timeout")
        assert timeline[ids["sluggish"]].status == "unreachable"
        assert "timed out" in (timeline[ids["sluggish"]].history[-1].note or "").lower() or "5 attempts" in (
            timeline[ids["sluggish"]].history[-1].note or ""
        )
        assert timeline[ids["quick"]].status == "received"
    finally:
        sim.stop()
