"""The policy document's declarations page, section by section (the parties, the status, the schedule of
coverages, the premium and payment plan, the forms and endorsements with the officer's signature, each item's risk
identification tag), and what the document is rendered with (`DocumentContext`). `insure.policies.document`
assembles them with the headers, footers and provisions."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from insure.policies.models import PolicyVersion
from insure.policies.pdf_layout import (
    ALERT,
    GREY,
    INK,
    MARGIN,
    NAVY,
    PT,
    RULE,
    SHADE,
    WIDTH,
    Cell,
    Layout,
    Run,
    table,
)

DATA = Path(__file__).resolve().parent / "data"
SIGNATURE_PNG = DATA / "officer_signature.png"
QR_SIZE_MM = 24.0


@cache
def signature_states() -> frozenset[str]:
    """States whose policies carry the officer's signature (kept as data)."""
    return frozenset(json.loads((DATA / "signature_states.json").read_text())["states"])


def requires_signature(state: str) -> bool:
    return state.upper() in signature_states()


def qr_png(content: str) -> io.BytesIO:
    """A QR code holding `content`, as PNG (error correction M, the standard quiet zone of 4 modules)."""
    return io.BytesIO(_qr_png(content))


@lru_cache(maxsize=512)
def _qr_png(content: str) -> bytes:
    """The PNG bytes: a pure function of `content`, kept per process, since every version of a policy shows the
    same tags (a tag's URL never changes) and encoding a QR code as PNG costs more than laying out the page."""
    import segno

    buffer = io.BytesIO()
    segno.make(content, error="m", micro=False).save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


@dataclass(frozen=True)
class DocumentContext:
    """What the document shows beyond the version itself: the applicant as applied (name, mailing address), the
    policy's earlier versions (the schedule of endorsements) and the rulebook's minimum premium."""

    applicant: dict[str, Any] = field(default_factory=dict)
    earlier: Sequence[PolicyVersion] = ()
    minimum_premium: Decimal = Decimal("0.00")


def _insured(applicant: dict[str, Any], policy: PolicyVersion) -> list[str]:
    from insure.policies.wording import address_lines

    if applicant.get("company_name"):
        lines = [str(applicant["company_name"])]
        if applicant.get("contact_name"):
            lines.append(f"Attention: {applicant['contact_name']}")
    else:
        lines = [policy.insured]
    return lines + address_lines(applicant.get("address"))


def _box(
    layout: Layout,
    x: float,
    width: float,
    title: str,
    rows: list[tuple[str, list[Run]]],
    *,
    label: float,
    height: float | None = None,
) -> float:
    """A titled box of label/value rows at the cursor (the cursor stays); its height. With `height` it is drawn
    that high, without it only measured."""
    draw = height is not None
    if draw:
        layout.pdf.set_draw_color(*RULE)
        layout.pdf.set_line_width(0.3)
        layout.pdf.rect(x, layout.y, width, height)
        layout.fill(x + 0.15, layout.y + 0.15, width - 0.3, 5.4, SHADE)
        layout.font("B", 8.0, NAVY)
        layout.text(x + 2.5, layout.y + 3.9, title.upper())
    y = layout.y + 7.5
    for name, runs in rows:
        if name and draw:
            layout.font("B", 8.0, GREY)
            layout.text(x + 2.5, y + 3.3, name)
        for text, style, size in runs:
            layout.font(style, size, INK if style != "I" else GREY)
            for line in layout.wrap(text, width - label - 5.0):
                if draw:
                    layout.text(x + label + 2.5, y + 3.3, line)
                y += size * PT * 1.3
        y += 0.9
    return height if height is not None else y - layout.y + 1.5


def parties(layout: Layout, policy: PolicyVersion, context: DocumentContext) -> None:
    from insure.policies.wording import long_date, state_name, wording

    gap = 4.0
    half = (WIDTH - gap) / 2
    insured = _insured(context.applicant, policy)
    left = [("", [(insured[0], "B", 10.0)])] + [("", [(line, "", 9.0)]) for line in insured[1:]]
    version = f"{policy.version}, {policy.change} {long_date(policy.in_force_from)}"
    if policy.version == 1:
        version = "1, the policy as issued"
    period = f"{long_date(policy.effective_date)} to {long_date(policy.expiry_date)}"
    right = [
        ("Policy number", [(policy.policy_number, "B", 9.0)]),
        ("Version", [(version, "", 9.0)]),
        ("Policy period", [(period, "", 9.0), (f"at {wording('common')['period_time']}", "I", 7.5)]),
        ("State of issue", [(state_name(policy.state), "", 9.0)]),
        ("Date issued", [(long_date(policy.issued_at), "", 9.0)]),
    ]
    boxes = [
        (MARGIN, "Named insured and mailing address", left, 0.0),
        (MARGIN + half + gap, "Policy", right, 24.0),
    ]
    height = max(_box(layout, x, half, title, rows, label=label) for x, title, rows, label in boxes)
    for x, title, rows, label in boxes:
        _box(layout, x, half, title, rows, label=label, height=height)
    layout.y += height + 2.0


def status(layout: Layout, policy: PolicyVersion) -> None:
    """A banner when the policy no longer runs (or no longer runs its whole period): cancelled (or to be) with its
    refund, lapsed, expired."""
    from insure.policies.wording import long_date, money

    cancelled = policy.cancellation
    if cancelled is not None:
        if policy.status == "cancelled":
            text = f"This policy is cancelled from {long_date(cancelled.effective_date)}."
        else:
            text = f"Cancellation requested: coverage ends at 12:01 a.m. on {long_date(cancelled.effective_date)}."
        text += f" Refund of premium: {money(cancelled.refund.amount, cancelled.refund.currency)}."
    elif policy.status == "lapsed":
        text = (
            f"This policy lapsed on {long_date(policy.in_force_from)}: an installment was not paid within the grace "
            "period, and there is no coverage from that day."
        )
    elif policy.status == "expired":
        text = (
            f"This policy expired at the end of its policy period on {long_date(policy.in_force_from)}. It was not "
            "renewed, and there is no coverage from that day."
        )
    else:
        return
    layout.y += 1.0
    layout.font("B", 9.0)
    lines = layout.wrap(text, WIDTH - 6)
    layout.fill(MARGIN, layout.y, WIDTH, 3.0 + 4.4 * len(lines), ALERT)
    layout.y += 1.5
    layout.paragraph(text, x=MARGIN + 3.0, width=WIDTH - 6, style="B", leading=4.4)
    layout.y += 2.5


def schedule(layout: Layout, policy: PolicyVersion, context: DocumentContext) -> None:
    from insure.policies.wording import word_item

    layout.heading("Schedule of coverages")
    bundle = policy.product == "bundle"
    rows: list[list[Cell]] = []
    for number, item in enumerate(policy.items, start=1):
        worded = word_item(policy, item, context.applicant.get("address"))
        described: Cell = []
        if bundle:
            described.append((worded.part, "B", 7.5))
        described.append((worded.title, "B", 9.0))
        if worded.premises:
            described.append((f"Insured premises: {worded.premises}", "", 8.5))
        if worded.details:
            described.append(("; ".join(f"{label}: {value}" for label, value in worded.details), "", 8.0))
        rows.append([[(str(number), "", 9.0)], described, [(worded.limit, "", 9.0)], [(worded.deductible, "", 9.0)]])
    table(layout, ["No.", "Covered item", "Limit of insurance", "Deductible"], [10.0, 96.0, 44.0, WIDTH - 150.0], rows)


def premium(layout: Layout, policy: PolicyVersion, context: DocumentContext) -> None:
    """The annual premium, the payment plan (with its fee and installments when the version has a schedule) and
    the minimum premium kept on cancellation."""
    from insure.policies.wording import money, payment_plan, short_date

    layout.heading("Premium")
    plan, how = payment_plan(policy)
    schedule = getattr(policy, "payment_schedule", None)
    rows = [
        ("Annual premium", f"{money(policy.premium.amount, policy.premium.currency)} for the policy period"),
        ("Payment plan", f"{plan}: {how}"),
    ]
    installments = list(getattr(schedule, "schedule", None) or [])
    if schedule is not None and len(installments) > 1:
        fee, total = schedule.fee, schedule.total
        rows.append(("Plan fee", f"{money(fee.amount, fee.currency)}; {money(total.amount, total.currency)} in all"))
    rows.append(
        (
            "Minimum premium",
            f"{money(context.minimum_premium)}, kept on cancellation"
            if context.minimum_premium > 0
            else "No minimum premium applies",
        )
    )
    if any(v.change == "amended" for v in [*context.earlier, policy] if v.version <= policy.version):
        rows.append(("Changes", "The premium difference of each change was charged or refunded when it was made."))
    for label, value in rows:
        layout.ensure(4.5)
        layout.font("B", 8.5, GREY)
        layout.text(MARGIN + 2.0, layout.y + 3.6, label)
        layout.paragraph(value, x=MARGIN + 38.0, width=WIDTH - 40.0, size=9.0)
        layout.y += 0.6
    if len(installments) > 1:
        columns, width = 3, (WIDTH - 38.0) / 3
        layout.ensure(4.4)
        layout.font("B", 8.5, GREY)
        layout.text(MARGIN + 2.0, layout.y + 3.4, "Installments")
        for index, due in enumerate(installments):
            if index and index % columns == 0:
                layout.y += 4.2
                layout.ensure(4.2)
            x = MARGIN + 38.0 + (index % columns) * width
            layout.font("", 8.5)
            layout.text(x, layout.y + 3.4, f"{due.installment}. {short_date(due.due_date)}")
            amount = money(due.amount.amount, due.amount.currency)
            layout.text(x + width - 8.0 - layout.width(amount), layout.y + 3.4, amount)
        layout.y += 5.0


def forms(layout: Layout, policy: PolicyVersion, context: DocumentContext, issuer: dict[str, Any]) -> None:
    """The forms making up the policy and, beside them, the officer's signature where the state requires it; then
    the schedule of endorsements."""
    from insure.policies.wording import coverages, describe_changes, long_date, money, sentence, term_of, wording

    forms = [wording(c) for c in coverages(policy)]
    if policy.product == "bundle":
        forms.insert(0, wording("bundle"))
    forms.append(wording("common"))
    layout.heading("Forms and endorsements", keep=max(4.4 * len(forms), 34.0 if policy.signed_by_officer else 0.0))
    top = layout.y
    for form in forms:
        layout.font("B", 8.5)
        layout.text(MARGIN + 2.0, layout.y + 3.4, form["form"])
        layout.font("", 8.5)
        layout.text(MARGIN + 28.0, layout.y + 3.4, sentence(form["title"]))
        layout.y += 4.4
    below = layout.y
    if policy.signed_by_officer:
        layout.y = top
        _signature(layout, issuer, x=MARGIN + WIDTH / 2 + 6.0, width=WIDTH / 2 - 6.0)
        below = max(below, layout.y)
    layout.y = below + 2.0
    layout.subheading("Schedule of endorsements")
    term = term_of(policy)
    versions = [v for v in context.earlier if v.version < policy.version and term_of(v) == term] + [policy]
    rows = [
        [
            [(str(v.version), "", 9.0)],
            [(long_date(v.in_force_from), "", 9.0)],
            [(describe_changes(v, versions), "", 9.0)],
            [(money(v.premium.amount, v.premium.currency), "", 9.0)],
        ]
        for v in versions
    ]
    table(layout, ["Version", "Effective", "What changed", "Annual premium"], [16.0, 34.0, WIDTH - 80.0, 30.0], rows)


def _signature(layout: Layout, issuer: dict[str, Any], *, x: float, width: float) -> None:
    """The officer's signature over their name and title, under the attestation clause."""
    from insure.policies.wording import wording

    layout.paragraph(wording("common")["signature"], x=x, width=width, size=7.5, style="I", color=GREY)
    layout.pdf.image(str(SIGNATURE_PNG), x=x + 4.0, y=layout.y + 0.5, w=44.0, h=11.0)
    layout.y += 12.0
    layout.rule(color=INK, x=x, width=width)
    officer = issuer["officer"]
    layout.y += 0.5
    layout.line_at(x, f"{officer['name']}, {officer['title']}", height=4.2, size=8.5)


def tags(layout: Layout, policy: PolicyVersion, context: DocumentContext, web_address: str | None) -> None:
    """The QR tag of each item that has one (`insure.risk.policy_tags.tagged_items`: the physical objects of an
    active policy), numbered as in the schedule of coverages."""
    from insure.policies.wording import word_item
    from insure.risk.policy_tags import items_with_ids, tag_id_for, tag_url, tagged_items

    entries = tagged_items(policy)
    if not entries:
        return
    layout.heading("Risk identification tags", keep=QR_SIZE_MM + 6.0)
    layout.paragraph(
        "Whoever finds a covered item, or sees it come to harm, can scan its code to tell us, and every other "
        "insurer registered on its tag, at once.",
        size=8.0,
    )
    layout.y += 1.0
    column = WIDTH / 2
    numbers = {item_id: n for n, (item_id, _) in enumerate(items_with_ids(policy), start=1)}
    for index, (item_id, item) in enumerate(entries):
        x = MARGIN + (index % 2) * column
        if index % 2 == 0:
            layout.ensure(QR_SIZE_MM + 2.0)
        tag_id = tag_id_for(policy.policy_number, item_id)
        url = tag_url(tag_id, web_address)
        top = layout.y
        layout.pdf.image(qr_png(url), x=x, y=top, w=QR_SIZE_MM, h=QR_SIZE_MM)
        text_x = x + QR_SIZE_MM + 2.5
        width = column - QR_SIZE_MM - 5.0
        layout.y = top + 3.0
        layout.paragraph(
            f"Item {numbers[item_id]}: {word_item(policy, item, None).title}", x=text_x, width=width, style="B"
        )
        layout.paragraph(f"Tag {tag_id}", x=text_x, width=width, size=8.5)
        layout.paragraph(url, x=text_x, width=width, size=7.5, color=GREY)
        layout.y = top
        if index % 2 == 1 or index == len(entries) - 1:
            layout.y = top + QR_SIZE_MM + 2.0
