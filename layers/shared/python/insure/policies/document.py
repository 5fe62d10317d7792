"""The policy as a PDF (fpdf2): a declarations page as insurers issue them, then the policy provisions.

Declarations: the issuer, the policy number and version, the named insured and mailing address, the policy
period, the schedule of coverages (each item with its limit and deductible, the insured premises for property),
the premium and payment plan, the forms and the schedule of endorsements (every version), each item's risk
identification tag (a QR code of the tag's web report page, made with segno) and the officer's signature where the
state requires it. Provisions: each coverage part's insuring agreement, perils, exclusions and conditions, then the
general conditions (cancellation and refund as `insure.policies.cancellation` applies them). The words are data
(`insure.policies.wording`); these modules only lay them out: the declarations' sections are in
`insure.policies.declarations`, the layout primitives in `insure.policies.pdf_layout`, the headers, footers and
provisions and the assembly here.

Text is placed line by line with `FPDF.text` and wrapped from the core font's widths (`pdf_layout`): fpdf's
`multi_cell` and `cell` are an order of magnitude slower, and issuance renders a document for every policy. fpdf2 and
segno are imported on use: only the functions rendering documents pay for them."""

from __future__ import annotations

from typing import Any

from insure.policies.declarations import (
    DocumentContext,
    forms,
    parties,
    premium,
    requires_signature,
    schedule,
    status,
    tags,
)
from insure.policies.models import PolicyVersion
from insure.policies.pdf_layout import (
    BODY,
    GREY,
    INK,
    MARGIN,
    NAVY,
    PAGE_HEIGHT,
    RULE,
    WIDTH,
    Layout,
)

__all__ = ["DocumentContext", "render", "requires_signature"]


def _first_header(layout: Layout, policy: PolicyVersion, issuer: dict[str, Any]) -> None:
    from insure.policies.wording import policy_title

    pdf = layout.pdf
    top = MARGIN - 4.0
    layout.font("B", 14.0, NAVY)
    layout.text(MARGIN, top + 5.5, issuer["name"])
    layout.font("", 8.0, GREY)
    *street, city = issuer["address"]
    lines = [*street, f"{city}  \u00b7  NAIC company code {issuer['naic_code']}", issuer["service"], issuer["claims"]]
    for n, line in enumerate(lines):
        layout.text(MARGIN, top + 10.5 + n * 3.6, line)
    right = MARGIN + WIDTH
    layout.font("B", 13.0, NAVY)
    title = "Policy Declarations"
    layout.text(right - layout.width(title), top + 5.5, title)
    layout.font("", 9.0, INK)
    product = policy_title(policy.product)
    layout.text(right - layout.width(product), top + 10.5, product)
    layout.font("B", 9.0, INK)
    number = f"Policy {policy.policy_number}"
    layout.text(right - layout.width(number), top + 14.5, number)
    layout.y = top + 10.5 + len(lines) * 3.6 + 1.0
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(0.8)
    pdf.line(MARGIN, layout.y, MARGIN + WIDTH, layout.y)
    layout.y += 4.0


def _continuation_header(policy: PolicyVersion, issuer: dict[str, Any]) -> Any:
    def draw(layout: Layout) -> float:
        top = MARGIN - 4.0
        layout.font("B", 9.0, NAVY)
        layout.text(MARGIN, top + 4.0, issuer["name"])
        layout.font("", 8.0, GREY)
        text = f"Policy {policy.policy_number}, version {policy.version}"
        layout.text(MARGIN + WIDTH - layout.width(text), top + 4.0, text)
        layout.pdf.set_draw_color(*NAVY)
        layout.pdf.set_line_width(0.4)
        layout.pdf.line(MARGIN, top + 6.5, MARGIN + WIDTH, top + 6.5)
        return top + 11.0

    return draw


def _footers(layout: Layout, policy: PolicyVersion) -> None:
    """Page n of N on every page, written once the number of pages is known."""
    from insure.policies.wording import long_date

    pdf = layout.pdf
    total = pdf.page
    left = f"Policy {policy.policy_number}, version {policy.version}, issued {long_date(policy.issued_at)}"
    for page in range(1, total + 1):
        pdf.page = page
        # fpdf writes a font, colour or line width into a page only when it changes: set each afresh
        pdf.set_font("Times", "", 7.5)
        pdf.set_draw_color(0)
        pdf.set_line_width(0.01)
        layout._font = layout._color = None
        y = PAGE_HEIGHT - 12.0
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.line(MARGIN, y - 3.5, MARGIN + WIDTH, y - 3.5)
        layout.font("", 7.5, GREY)
        layout.text(MARGIN, y, left)
        right = f"Page {page} of {total}"
        layout.text(MARGIN + WIDTH - layout.width(right), y, right)
    pdf.page = total


def _provisions(layout: Layout, policy: PolicyVersion, context: DocumentContext) -> None:
    from insure.policies.wording import coverages, general_conditions, plan_of, sentence, wording

    if layout.y > PAGE_HEIGHT / 2:
        layout.new_page()
    else:
        layout.y += 8.0
        layout.rule(color=NAVY, weight=0.8)
        layout.y += 3.0
    layout.line_at(MARGIN, "Policy provisions", height=7.0, style="B", size=13.0, color=NAVY)
    layout.paragraph(
        'In this policy "you" and "your" mean the named insured shown in the declarations; "we", "us" and "our" '
        "the company issuing it.",
        size=8.5,
    )
    parts = [wording(c) for c in coverages(policy)]
    if policy.product == "bundle":
        layout.heading(wording("bundle")["title"], form=wording("bundle")["form"], keep=10.0)
        layout.paragraph(wording("bundle")["insuring_agreement"], size=8.5, leading=BODY)
    for part in parts:
        layout.heading(part["title"], form=part["form"])
        layout.paragraph(part["insuring_agreement"], size=8.5, leading=BODY)
        for title, entries in (
            (part["perils_heading"], part["perils"]),
            ("Exclusions: we do not pay for", part["exclusions"]),
            ("Conditions", part["conditions"]),
        ):
            layout.subheading(sentence(title), keep=8.0)
            for letter, entry in zip("abcdefghijklmnopqrstuvwxyz", entries, strict=False):
                layout.font("", 8.5)
                lines = layout.wrap(entry, WIDTH - 7.0)
                layout.ensure(BODY * len(lines))
                layout.text(MARGIN + 2.0, layout.y + BODY * 0.72, f"{letter}.")
                layout.paragraph(entry, x=MARGIN + 7.0, width=WIDTH - 7.0, size=8.5, leading=BODY)
    from insure.risk.policy_tags import tagged_items

    common = wording("common")
    layout.heading(common["title"], form=common["form"])
    tagged = len(tagged_items(policy))  # a loss is reported by its tag only where the tag is live
    conditions = general_conditions(
        context.minimum_premium, plan_of(policy), tagged=tagged > 0, untagged=tagged < len(policy.items)
    )
    for number, (title, text) in enumerate(conditions, start=1):
        layout.paragraph(text, size=8.5, leading=BODY, run_in=f"{number}. {title}.", together=True)
        layout.y += 1.0


def render(policy: PolicyVersion, *, context: DocumentContext | None = None, web_address: str | None = None) -> bytes:
    """The PDF bytes of `policy`; tags link to `web_address` (the platform's public web address by default)."""
    from fpdf import FPDF

    from insure.policies.wording import policy_title, wording

    context = context or DocumentContext()
    issuer = wording("issuer")
    pdf = FPDF(format="Letter", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(f"{policy_title(policy.product)} {policy.policy_number}, version {policy.version}")
    pdf.set_author(issuer["name"])
    pdf.set_creator("Insurance platform")
    layout = Layout(pdf, _continuation_header(policy, issuer))
    pdf.add_page()
    _first_header(layout, policy, issuer)
    parties(layout, policy, context)
    status(layout, policy)
    schedule(layout, policy, context)
    premium(layout, policy, context)
    forms(layout, policy, context, issuer)
    tags(layout, policy, context, web_address)
    _provisions(layout, policy, context)
    _footers(layout, policy)
    return bytes(pdf.output())
