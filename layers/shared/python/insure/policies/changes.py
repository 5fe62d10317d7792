"""What amendments and cancellations share: the next version of a policy, what it changed, the money paid on
the policy so far (and what may still be refunded, charge by charge), the rulebook's minimum premium."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from insure.policies.issuance import document_key
from insure.policies.items import ITEM_ID
from insure.policies.models import Actor, Cancellation, Change, PolicyStatus, PolicyVersion
from insure.policies.proration import PaidCharge, Period, Term
from insure.policies.repository import PaymentRecord
from insure.types import Money

if TYPE_CHECKING:
    from insure.risk.policy_tags import ItemTags


def now_rfc3339() -> str:
    from insure import timestamps

    return timestamps.now()


def term_of(version: PolicyVersion) -> Term:
    return Term(dt.date.fromisoformat(version.effective_date), dt.date.fromisoformat(version.expiry_date))


def periods_of(versions: list[PolicyVersion], term: int | None = None) -> list[Period]:
    """Each version's annual premium from the day it is in force (a cancellation's version changes no premium),
    only the versions of `term` when given (a renewed policy's earlier terms are closed)."""
    return [
        Period(v.premium.decimal, dt.date.fromisoformat(v.in_force_from))
        for v in versions
        if v.cancellation is None and (term is None or v.term == term)
    ]


def term_at(versions: list[PolicyVersion], number: int) -> int:
    """The term of version `number` (a version not stored yet, which a step pays for before issuing it, belongs to
    the term of the last version before it)."""
    earlier = [v for v in versions if v.version <= number]
    return (earlier[-1] if earlier else versions[-1]).term


def first_installment_fee(first: PolicyVersion, amount: Decimal | None) -> Decimal:
    """The plan fee in the charge made at issuance (the first installment of the first version's plan)."""
    from insure.policies.proration import premium_parts

    schedule = first.payment_schedule
    if schedule is None or amount is None:
        return Decimal("0.00")
    amounts = [i.amount.decimal for i in schedule.schedule]
    parts = premium_parts(amounts, schedule.total.decimal - schedule.fee.decimal)
    return amounts[0] - parts[0]


def paid_charges(
    versions: list[PolicyVersion],
    first_charge_id: str | None,
    first_amount: Decimal | None,
    records: list[PaymentRecord],
) -> list[PaidCharge]:
    """Every charge on the policy, the one at issuance first, as refunds see them: the premium part (plan fees
    left out), what was refunded from it and the term it paid for."""
    first = versions[0]
    charges: list[tuple[str, Decimal, int]] = []
    if first_charge_id:
        amount = first.premium.decimal if first_amount is None else first_amount
        charges.append((first_charge_id, amount - first_installment_fee(first, first_amount), first.term))
    for record in records:
        if record.kind == "charge":
            term = record.term if record.term is not None else term_at(versions, record.version)
            charges.append((record.processor_id, Decimal(record.amount) - Decimal(record.fee or "0"), term))
    refunded: dict[str, Decimal] = {}
    for record in records:
        if record.kind == "refund" and record.charge_id:
            refunded[record.charge_id] = refunded.get(record.charge_id, Decimal(0)) + Decimal(record.amount)
    return [PaidCharge(cid, premium, term, refunded.get(cid, Decimal("0.00"))) for cid, premium, term in charges]


def item_changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[Change]:
    """The items added, removed and changed (with the fields that changed) from `before` to `after`."""
    old = {item[ITEM_ID]: item for item in before if item.get(ITEM_ID)}
    new = {item[ITEM_ID]: item for item in after if item.get(ITEM_ID)}
    changes = [Change(kind="item_added", item_id=i) for i in new if i not in old]
    changes += [Change(kind="item_removed", item_id=i) for i in old if i not in new]
    for item_id, item in new.items():
        if item_id in old:
            fields = sorted(k for k in set(item) | set(old[item_id]) if item.get(k) != old[item_id].get(k))
            if fields:
                changes.append(Change(kind="item_changed", item_id=item_id, fields=fields))
    return changes


def next_version(
    current: PolicyVersion,
    *,
    change: str,
    made_by: Actor,
    in_force_from: dt.date,
    changes: list[Change],
    items: list[dict[str, Any]] | None = None,
    premium: Money | None = None,
    status: PolicyStatus = "active",
    amendment_id: str | None = None,
    cancellation: Cancellation | None = None,
    rulebook_version: str | None = None,
) -> PolicyVersion:
    number = current.version + 1
    return current.model_copy(
        update={
            "version": number,
            "change": change,
            "made_by": made_by,
            "changes": changes,
            "version_effective_date": in_force_from.isoformat(),
            "items": items if items is not None else current.items,
            "premium": premium or current.premium,
            "status": status,
            "amendment_id": amendment_id,
            "cancellation": cancellation,
            "issued_at": now_rfc3339(),
            "document_key": document_key(current.policy_number, number),
            "rulebook_version": rulebook_version or current.rulebook_version,
        }
    )


def initial_charge(application_id: str, table: str) -> tuple[str | None, dict[str, str], Decimal | None]:
    """The processor's id of the charge that paid at issuance (the premium, or the first installment of a plan),
    the card (brand, last four) and the amount charged (None for a policy issued before amounts were recorded:
    the whole premium)."""
    from insure.applications.repository import ApplicationRepository

    record = ApplicationRepository(table).get(application_id)
    payment = (record.payment if record else None) or {}
    card = {k: str(payment[k]) for k in ("brand", "last4") if payment.get(k)}
    amount = payment.get("amount")
    return payment.get("charge_id"), card, Decimal(amount["amount"]) if isinstance(amount, dict) else None


def minimum_premium(rulebook_version: str | None) -> Decimal:
    """The premium the rulebook keeps whatever the cancellation date (`minimum_premium`; none: nothing kept)."""
    if not rulebook_version or "@" not in rulebook_version:
        return Decimal("0.00")
    from insure.products.rulebooks import default_store, parse_document

    product, version = rulebook_version.split("@", 1)
    text = default_store().document(product, version)
    if text is None:
        return Decimal("0.00")
    return parse_document(text).minimum_premium


def after_version_stored(
    version: PolicyVersion,
    item_tags: ItemTags,
    *,
    applicant: dict[str, Any] | None = None,
    session_hash: str | None = None,
) -> None:
    """What follows a new version of a policy elsewhere in the platform: the covered items' tags are brought in
    line with the version (`item_tags.sync`, idempotent: new items get a tag, removed items' and a cancelled
    policy's tags are retired). Called before the version's document is rendered (it shows each item's
    tag). A failure there is logged and leaves the version issued: the next version syncs the tags again. A caller
    that has read the `applicant` and the policy's `session_hash` hands them in (they are read otherwise)."""
    try:
        item_tags.sync(version, applicant=applicant, session_hash=session_hash)
    except Exception:  # noqa: BLE001 - see the docstring
        from aws_lambda_powertools import Logger

        Logger(service="insurance-platform").exception("tag sync failed", extra={"policy": version.policy_number})
