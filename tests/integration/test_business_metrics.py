"""The business metrics operators rely on, emitted by the services where each event happens (handlers, workflow
and fan-out as the local cloud runs them); read back from stdout as CloudWatch reads EMF."""

from __future__ import annotations

import copy
import json

import pytest

from scripts.samples import APPLICATION, DECLINED_CARD
from tests.emf import counts
from tests.integration.test_fanout import (  # noqa: F401 - fixtures
    _receive_all,
    _register,
    _request,
    fast_polls,
    insurers_sim,
)
from tests.integration.test_issuance import issuance, offered, pay, submit  # noqa: F401 - the issuance fixture
from tests.integration.test_risk_intake import (  # noqa: F401 - the setup fixture
    post_scan,
    risk,
    scan_body,
    setup,
)

APPROVED = ("UnderwritingDecisions", (("outcome", "approved"),))
DECLINED = ("UnderwritingDecisions", (("outcome", "declined"),))


@pytest.fixture(autouse=True)
def namespace(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "InsurancePlatform")


def test_a_session_counts_its_quote_its_approval_and_its_policy(issuance, capsys):  # noqa: F811
    api = issuance.api
    capsys.readouterr()
    # When a person is quoted, applies, is approved, accepts and pays
    quote = api.post("/quotes", json={k: APPLICATION[k] for k in ("product", "state", "items")})
    assert quote.status_code == 200
    application_id, auth, shown = offered(api)
    offer = shown["offer"]
    api.post(
        f"/applications/{application_id}/accept",
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
        headers=auth,
    )
    assert pay(api, application_id, auth).status_code == 200
    # Then one quote, one approval and one issued policy are counted, and nothing was declined
    seen = counts(capsys.readouterr().out)
    assert seen[("QuotesGiven", ())] == 1
    assert seen[APPROVED] == 1 and seen[DECLINED] == 0
    assert seen[("PoliciesIssued", ())] == 1
    assert seen[("PaymentsDeclined", ())] == 0


def test_a_decline_and_a_declined_card_are_counted(issuance, capsys):  # noqa: F811
    api = issuance.api
    # Given a computer bought ten years ago (barred) and, separately, an approved application paid with a bad card
    old = copy.deepcopy(APPLICATION)
    old["items"][0]["purchase_year"] = 2015
    created = api.post("/applications", json=old)
    auth = {"Authorization": f"Bearer {created.json['session_token']}"}
    capsys.readouterr()
    declined = submit(api, created.json["application_id"], auth)
    assert declined["status"] == "declined"
    seen = counts(capsys.readouterr().out)
    assert seen[DECLINED] == 1 and seen[APPROVED] == 0
    application_id, auth, shown = offered(api)
    offer = shown["offer"]
    api.post(
        f"/applications/{application_id}/accept",
        json={"offer_id": offer["offer_id"], "terms_sha256": offer["terms_sha256"]},
        headers=auth,
    )
    capsys.readouterr()
    assert pay(api, application_id, auth, card=DECLINED_CARD).status_code == 402
    seen = counts(capsys.readouterr().out)
    assert seen[("PaymentsDeclined", ())] == 1 and seen[("PoliciesIssued", ())] == 0


def test_scans_accepted_and_signatures_rejected_are_counted_by_sender(platform, setup, capsys):  # noqa: F811
    from insure.signatures import sign

    capsys.readouterr()
    customer = {"name": "Ada Lovelace", "phone": "2125550100"}
    accepted = post_scan(platform, setup["secret"], scan_body(setup["device_id"], setup["tag_id"], reporter=customer))
    assert accepted.status_code == 202
    forged = post_scan(platform, "whsec_" + "QUJD" * 11, scan_body(setup["device_id"], setup["tag_id"]))
    assert forged.status_code == 401
    insurer = risk().insurer_store.get(setup["insurers"][0])
    assert insurer is not None
    body = json.dumps({"risk_event_id": "re_x", "claim_reference": "C", "status": "received"})
    hook = platform.api.post(
        f"/webhooks/insurers/{insurer.insurer_id}",
        data=body,
        headers={**sign("whsec_" + "QUJD" * 11, body), "Content-Type": "application/json"},
    )
    assert hook.status_code == 401
    seen = counts(capsys.readouterr().out)
    assert seen[("ScansAccepted", ())] == 1
    assert seen[("SignaturesRejected", (("sender", "scanner"),))] == 1
    assert seen[("SignaturesRejected", (("sender", "insurer"),))] == 1


def test_claims_filed_and_insurers_unreachable_are_counted_once_each(platform, insurers_sim, fast_polls, capsys):  # noqa: F811
    from local.sqs_poller import to_event

    progress = risk().progress
    ids = _register(platform, insurers_sim)
    risk().dispatcher.dispatch(_request("evt-metrics", ids))
    messages = _receive_all(platform)
    capsys.readouterr()
    # When the fan-out handles the batch: two insurers answer, one is down
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:insurer-requests"
    platform.functions.invoke("insurer_fanout", to_event(messages, queue_arn))
    # And the one that is down is given up on, twice (a duplicate delivery of its last attempt)
    progress.mark_unreachable("evt-metrics", ids["down"], "no answer")
    progress.mark_unreachable("evt-metrics", ids["down"], "no answer")
    seen = counts(capsys.readouterr().out)
    assert seen[("ClaimsFiled", ())] == 2
    assert seen[("InsurersUnreachable", ())] == 1
