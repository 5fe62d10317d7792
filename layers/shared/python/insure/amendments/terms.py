"""The terms of an amendment offer as a person reads them: plain prose with the figures of this change filled in
(the policy and the insured, from when the change applies, the covered items after it in the same sentences as an
application's terms, the new annual premium and what is charged or refunded now), then the policy's conditions on
changes, cancellation and refunds in the policy document's words. The text is what the offer's `terms_sha256`
covers: rendered once, when the amendment is offered, and stored."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from insure.applications.terms import (
    PRODUCT_NAMES,
    accepting,
    conditions_paragraphs,
    day_in_words,
    insured_name,
    money,
    numbered_items,
    paragraph,
    state_in_words,
)

if TYPE_CHECKING:
    from insure.amendments.repository import AmendmentRecord


def _settlement(difference: Decimal, end: str) -> str:
    """What the change costs or gives back for the rest of the policy period."""
    rest = f"for the rest of the policy period, to {day_in_words(end)}, counted in days"
    if difference > 0:
        return f"The difference {rest}, is {money(difference)}: it is charged when you pay this amendment."
    if difference < 0:
        return (
            f"The difference {rest}, is {money(-difference)} in your favour: it is settled as the condition "
            "on changes to covered items below says."
        )
    return f"The premium {rest} does not change: nothing is charged or refunded."


def amendment_terms(
    record: AmendmentRecord,
    premium: dict[str, str],
    difference: Decimal,
    minimum: Decimal = Decimal("0.00"),
    plan: str = "annual",
) -> str:
    """The terms of `record`'s amendment as plain text: `premium` the new annual premium, `difference` the pro-rata
    difference for the rest of the term, `minimum` the rulebook's minimum premium, `plan` the policy's plan."""
    application: dict[str, Any] = record.application or {}
    insured = insured_name(application.get("applicant") or {})
    product = PRODUCT_NAMES.get(str(application.get("product")), "insurance")
    items = record.items
    sums = sum((Decimal(str(item.get("value", "0"))) for item in items), Decimal(0))
    before, after = money(record.previous_premium["amount"]), money(premium["amount"], premium.get("currency", "USD"))
    change = (
        f"The annual premium changes from {before} to {after}."
        if before != after
        else f"The annual premium stays {after}."
    )
    paragraphs = [
        f"Terms of the amendment to policy {record.policy_number}\n"
        f"Reference number of the amendment: {record.amendment_id}",
        paragraph(
            f"We offer to amend the {product} of {insured} in the state of "
            f"{state_in_words(application.get('state'))}, policy {record.policy_number}, from "
            f"{day_in_words(record.effective_date)} to the end of the current policy period on "
            f"{day_in_words(record.term['end'])}. This changes version {record.base_version} of the policy; once "
            f"you accept it and pay any difference due, it is issued as version {record.base_version + 1}, and every "
            "other term of the policy stays as it is."
        ),
        paragraph(
            f"After the amendment the policy covers the {len(items)} item{'s' if len(items) != 1 else ''} below, "
            f"for a total insured amount of {money(sums)}:"
        ),
        numbered_items(items),
        paragraph(f"{change} {_settlement(difference, record.term['end'])}"),
        paragraph(accepting("this amendment")),
        *conditions_paragraphs(minimum, [{"plan": plan}]),
    ]
    return "\n\n".join(paragraphs) + "\n"
