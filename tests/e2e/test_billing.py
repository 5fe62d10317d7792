"""Billing end to end, as a client and an operator see it over HTTP: buy on the monthly plan, move the local cloud's
clock to the second installment's due date, let the scheduled billing run fire, and read the billing view.

Its own cloud: moving the clock a month on would expire every other suite's sessions in the shared one."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest

from scripts.samples import GOOD_CARD
from tests.e2e.conftest import RunningCloud, started_cloud
from tests.e2e.test_issuance import Session


@pytest.fixture(scope="module")
def billing_cloud() -> Iterator[RunningCloud]:
    with started_cloud("billing") as running:
        yield running


def test_buy_monthly_advance_the_clock_and_see_the_second_installment_paid(billing_cloud):
    cloud = billing_cloud
    # Given a person who buys on the monthly plan
    session = Session(cloud).accepted()
    offer = session.call("GET", f"/applications/{session.id}").json()["offer"]
    monthly = next(p for p in offer["payment_plans"] if p["plan"] == "monthly")
    paid = session.call(
        "POST",
        f"/applications/{session.id}/payment",
        json={"card": GOOD_CARD, "payment_plan": "monthly"},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    number = session.issued(paid)["policy_number"]
    credentials = {"email": "ada@example.com", "password": "a long passphrase for billing 42"}
    assert session.call("POST", "/accounts", json=credentials).status_code == 201
    view = session.call("GET", f"/policies/{number}/billing").json()
    assert [i["status"] for i in view["schedule"][:2]] == ["paid", "scheduled"]
    assert view["schedule"][0]["amount"] == monthly["schedule"][0]["amount"]
    # When the operator moves the local cloud's clock to the second due date and the billing schedule fires
    admin = {"Authorization": f"Bearer {cloud.admin_key}"}
    clock = cloud.http.get(f"{cloud.url}/_local/clock", headers=admin).json()
    now = dt.datetime.fromisoformat(clock["now"].replace("Z", "+00:00"))
    due = dt.datetime.fromisoformat(view["schedule"][1]["due_date"] + "T06:00:00+00:00")
    moved = cloud.http.post(
        f"{cloud.url}/_local/clock", json={"advance_seconds": (due - now).total_seconds()}, headers=admin
    )
    assert moved.status_code == 200 and moved.json()["now"].startswith(view["schedule"][1]["due_date"])
    fired = cloud.http.post(f"{cloud.url}/_local/schedules/billing-run/run", headers=admin)
    assert fired.status_code == 200, fired.text
    assert fired.json()["result"]["charged"] == 1
    # Then, signed in again a month on, the customer sees the second installment paid in the billing view
    signed_in = cloud.http.post(f"{cloud.url}/auth/login", json=credentials)
    assert signed_in.status_code == 200, signed_in.text
    auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    view = cloud.http.get(f"{cloud.url}/policies/{number}/billing", headers=auth).json()
    second = view["schedule"][1]
    assert second["status"] == "paid" and second["attempts"] == 1
    assert second["amount"] == monthly["schedule"][1]["amount"]
    assert second["processor_order_id"] and second["authorization_id"]
    assert [p["installment"] for p in view["payments"]] == [1, 2]
    assert view["balance"]["amount"] == "0.00"
    # And the local controls are the operator's only
    assert cloud.http.post(f"{cloud.url}/_local/clock", json={"advance_days": 1}).status_code == 401
