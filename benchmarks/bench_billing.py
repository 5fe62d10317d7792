"""A billing run over many due installments on the local cloud: the scheduled `billing_run` function invoked as its
schedule invokes it, charging every installment due today off-session to a card kept at the simulated processor,
each charge taking the processor's stated latency (`BENCH_PROCESSOR_LATENCY_MS`, 20 ms by default: a card network
round trip). Reported in installments charged per second; a second run the same day (a duplicate) charges nothing.

The installments are seeded straight into the table (policy version, billing account, one due installment each)
rather than bought through the API: the run, not issuance, is measured here."""

from __future__ import annotations

import os
import time

INSTALLMENTS = int(os.environ.get("BENCH_BILLING_INSTALLMENTS", "10000"))
LATENCY_MS = float(os.environ.get("BENCH_PROCESSOR_LATENCY_MS", "20"))


def _seed(count: int, customer_id: str, payment_method_id: str) -> float:
    import boto3

    from insure import timestamps
    from insure.billing.records import BillingAccount, InstallmentRecord
    from insure.billing.repository import _encode_installment
    from insure.policies.models import PolicyVersion
    from insure.settings import get_settings

    table = get_settings().table_name
    dynamodb = boto3.client("dynamodb")
    today = timestamps.today().isoformat()
    began = time.perf_counter()
    items = []
    for index in range(count):
        number = f"POL-BENCH{index:06d}"
        version = PolicyVersion.model_validate(
            {
                "policy_number": number,
                "version": 1,
                "change": "issued",
                "application_id": f"app_bench_{index}",
                "product": "computer",
                "state": "NY",
                "insured": "Ada Lovelace",
                "applicant_type": "personal",
                "items": [{"item_id": "item-1", "kind": "portable", "value": "1500.00"}],
                "premium": {"amount": "66.00", "currency": "USD"},
                "effective_date": today,
                "expiry_date": f"{int(today[:4]) + 1}{today[4:]}",
                "issued_at": timestamps.now(),
                "document_key": f"policies/{number}/v0001.pdf",
                "payment_plan": "monthly",
            }
        )
        key = {"pk": {"S": f"POLICY#{number}"}}
        items.append(
            {
                **key,
                "sk": {"S": "VERSION#0001"},
                "entity": {"S": "policy_version"},
                "data": {"S": version.model_dump_json()},
                "session_hash": {"S": "bench"},
                "session_expires_at_epoch": {"N": "0"},
            }
        )
        account = BillingAccount(number, "monthly", customer_id, payment_method_id, "visa", "4242", "", "Ada")
        items.append(
            {
                **key,
                "sk": {"S": "BILLING"},
                "entity": {"S": "billing_account"},
                "policy_number": {"S": number},
                "plan": {"S": account.plan},
                "customer_id": {"S": customer_id},
                "payment_method_id": {"S": payment_method_id},
                "brand": {"S": "visa"},
                "last4": {"S": "4242"},
                "email": {"S": ""},
                "name": {"S": "Ada"},
                "term": {"N": "1"},
            }
        )
        due = InstallmentRecord(number, 1, 2, today, "5.50", next_attempt_on=today)
        items.append(_encode_installment(due))
    for start in range(0, len(items), 25):
        request = {table: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    return time.perf_counter() - began


def run() -> str:
    import logging

    from insure.payments.cards import Card
    from insure.payments.processor import HttpCardProcessor
    from insure.settings import get_settings
    from local.cloud import LocalCloud
    from local.components import default_components
    from local.simulators.card_processor import CardProcessorSimulator

    logging.getLogger("local").setLevel(logging.WARNING)
    components = default_components()
    cloud = LocalCloud(port=0, components=components).start()
    try:
        simulator = next(c for c in components if isinstance(c, CardProcessorSimulator))
        simulator.charge_latency_s = LATENCY_MS / 1000
        adapter = HttpCardProcessor(simulator.url)
        token = adapter.tokenize(Card("4242424242424242", 12, 2030, "123"))
        saved = adapter.save_card(token.token, reference="bench", idempotency_key="bench")
        seed_s = _seed(INSTALLMENTS, saved.customer_id, saved.payment_method_id)
        workers = get_settings().billing_run_workers
        began = time.perf_counter()
        first = {"due": INSTALLMENTS, "charged": 0}
        runs = 0
        while first["charged"] < INSTALLMENTS and runs < 20:  # a run stops before its timeout; the next goes on
            report = cloud.functions.invoke("billing_run", {"schedule": "billing-run"})
            first["charged"] += report["charged"]
            runs += 1
        first_s = time.perf_counter() - began
        began = time.perf_counter()
        again = cloud.functions.invoke("billing_run", {"schedule": "billing-run"})
        again_s = time.perf_counter() - began
        charges = sum(1 for c in simulator.charges.values() if c.get("off_session"))
    finally:
        cloud.stop()
    assert first["charged"] == INSTALLMENTS == charges, (first, charges)
    assert again["charged"] == 0, again
    rate = first["charged"] / first_s
    serial = 1000 / LATENCY_MS if LATENCY_MS else float("inf")
    return (
        "## Billing run (scheduled installments)\n\n"
        f"`billing_run` invoked as its schedule invokes it, over {INSTALLMENTS:,} installments due today (seeded in "
        f"{seed_s:.1f} s), each charged off-session to a kept card at the simulated processor, which answers each "
        f"charge after **{LATENCY_MS:g} ms** (its stated latency), with {workers} charging workers in the function.\n\n"
        "| run | due | charged | time | installments charged / s |\n|---|---:|---:|---:|---:|\n"
        f"| first ({runs} run(s)) | {first['due']:,} | {first['charged']:,} | {first_s:.1f} s | **{rate:,.0f}** |\n"
        f"| again the same day (duplicate) | {again['due']:,} | {again['charged']} | {again_s:.2f} s | – |\n\n"
        f"One charge per installment at the processor ({charges:,}). One worker charging one at a time could not "
        f"beat {serial:,.0f}/s at this latency; the workers overlap the processor's waits, while moto (DynamoDB "
        "in this process, three writes and two reads per installment) takes the rest.\n"
    )
