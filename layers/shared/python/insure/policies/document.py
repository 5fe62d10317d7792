"""The policy as a PDF (fpdf2): a declarations page as insurers issue them, then the policy provisions.

Declarations: the issuer, the policy number and version, the named insured and mailing address, the policy
period, the schedule of coverages (each item with its limit and deductible, the insured premises for property),
the premium and payment plan, the forms and the schedule of endorsements (every version), each item's risk
identification tag (a QR code of the tag's web report page, made with segno) and the officer's signature where the
state requires it. Provisions: each coverage part's insuring agreement, perils, exclusions and conditions, then the
general conditions (cancellation and refund as `insure.policies.cancellation` applies them). The words are data
(`insure.policies.wording`); this module only lays them out.

Text is placed line by line with `FPDF.text` and wrapped here from the core font's widths: fpdf's `multi_cell`
and `cell` are an order of magnitude slower, and issuance renders a document for every policy. fpdf2 and segno are
imported on use: only the functions rendering documents pay for them."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from insure.policies.models import PolicyVersion

DATA = Path(__file__).resolve().parent / "data"
SIGNATURE_PNG = DATA / "officer_signature.png"

PAGE_WIDTH, PAGE_HEIGHT = 215.9, 279.4  # US Letter, mm
MARGIN = 16.0
WIDTH = PAGE_WIDTH - 2 * MARGIN
BOTTOM = PAGE_HEIGHT - 19.5
PT = 25.4 / 72  # mm per point
QR_SIZE_MM = 24.0
BODY = 3.95  # the leading of the policy provisions' 8.5 pt text, mm

INK = (33, 37, 41)
NAVY = (22, 50, 92)
GREY = (100, 106, 115)
RULE = (190, 197, 207)
SHADE = (230, 236, 244)
ALERT = (252, 235, 233)


@cache
def signature_states() -> frozenset[str]:
    """States whose policies carry the officer's signature (kept as data)."""
    return frozenset(json.loads((DATA / "signature_states.json").read_text())["states"])


def requires_signature(state: str) -> bool:
    return state.upper() in signature_states()


def qr_png(content: str) -> io.BytesIO:
    """A QR code holding `content`, as PNG (error correction M, the standard quiet zone of 4 modules)."""
    import segno

    buffer = io.BytesIO()
    segno.make(content, error="m", micro=False).save(buffer, kind="png", scale=6, border=4)
    buffer.seek(0)
    return buffer


@dataclass(frozen=True)
class DocumentContext:
    """What the document shows beyond the version itself: the applicant as applied (name, mailing address), the
    policy's earlier versions (the schedule of endorsements) and the rulebook's minimum premium."""

    applicant: dict[str, Any] = field(default_factory=dict)
    earlier: Sequence[PolicyVersion] = ()
    minimum_premium: Decimal = Decimal("0.00")


def _latin1(text: str) -> str:
    """The core fonts' alphabet: typographic punctuation made plain, anything else outside Latin-1 a '?'."""
    plain = text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0x2013: "-", 0x2014: "-"})
    return plain.encode("latin-1", "replace").decode("latin-1")


Run = tuple[str, str, float]  # text, style ("", "B", "I"), size in points


class _Layout:
    """A cursor over the pages: wraps text to a width from the current font's widths, breaks pages, draws."""

    def __init__(self, pdf: Any, continuation_header: Any) -> None:
        self.pdf = pdf
        self.y = MARGIN
        self._font: tuple[str, float] | None = None
        self._color: tuple[int, int, int] | None = None
        self._continuation_header = continuation_header
        self._widths: dict[tuple[tuple[str, float], str], float] = {}

    # fonts and measuring
    def font(self, style: str = "", size: float = 9.0, color: tuple[int, int, int] = INK) -> None:
        if self._font != (style, size):
            self.pdf.set_font("Helvetica", style, size)
            self._font = (style, size)
        if self._color != color:
            self.pdf.set_text_color(*color)
            self._color = color

    def width(self, text: str) -> float:
        """The width of `text` in the current font, in mm (words recur: each is measured once per font)."""
        assert self._font is not None
        key = (self._font, text)
        found = self._widths.get(key)
        if found is None:
            widths = self.pdf.current_font.cw
            found = self._widths[key] = sum(widths.get(c, 600) for c in text) * self._font[1] / 1000 * PT
        return found

    def wrap(self, text: str, width: float, first_offset: float = 0.0) -> list[str]:
        """`text` in lines no wider than `width`, the first one starting `first_offset` in (after a lead-in)."""
        lines: list[str] = []
        space = self.width(" ")
        line: list[str] = []
        used = first_offset
        for whole in _latin1(text).split():
            word, size = whole, self.width(whole)
            if line and used + space + size > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            if line:
                used += space + size
            else:
                while size > width - used and len(word) > 1:  # wider than the column (a long address): cut it
                    cut = len(word) - 1
                    while cut > 1 and self.width(word[:cut]) > width - used:
                        cut -= 1
                    lines.append(word[:cut])
                    word, size, used = word[cut:], self.width(word[cut:]), 0.0
                used += size
            line.append(word)
        if line:
            lines.append(" ".join(line))
        return lines

    # pages
    def ensure(self, height: float) -> None:
        if self.y + height > BOTTOM:
            self.new_page()

    def new_page(self) -> None:
        """The next page, under the continuation header; the font and colour in use are kept."""
        font, color = self._font, self._color
        self.pdf.add_page()
        self._font = self._color = None
        self.y = self._continuation_header(self)
        if font is not None:
            self.font(*font, color=color or INK)

    # drawing
    def text(self, x: float, baseline: float, text: str) -> None:
        self.pdf.text(x, baseline, _latin1(text))

    def line_at(self, x: float, text: str, *, height: float, style: str = "", size: float = 9.0, **kw: Any) -> None:
        """One line of text in a box of `height` at the cursor; the cursor moves below it."""
        self.font(style, size, kw.get("color", INK))
        self.text(x, self.y + height / 2 + size * PT * 0.35, text)
        self.y += height

    def paragraph(
        self,
        text: str,
        *,
        x: float = MARGIN,
        width: float = WIDTH,
        size: float = 9.0,
        style: str = "",
        leading: float | None = None,
        run_in: str = "",
        color: tuple[int, int, int] = INK,
        together: bool = False,
    ) -> None:
        """Wrapped text at the cursor, breaking pages between lines (or before it, `together`); `run_in` is a
        bold lead-in on the first line (a condition's title)."""
        leading = leading or size * PT * 1.38
        self.font("B", size, color)
        lead = self.width(run_in + " ") if run_in else 0.0
        self.font(style, size, color)
        lines = self.wrap(text, width, first_offset=lead)
        if together:
            self.ensure(leading * len(lines))
        for number, line in enumerate(lines):
            self.ensure(leading)
            baseline = self.y + leading * 0.72
            offset = 0.0
            if number == 0 and run_in:
                self.font("B", size, color)
                self.text(x, baseline, run_in)
                offset = lead
                self.font(style, size, color)
            self.text(x + offset, baseline, line)
            self.y += leading

    def rule(
        self, *, color: tuple[int, int, int] = RULE, weight: float = 0.2, x: float = MARGIN, width: float = WIDTH
    ) -> None:
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(weight)
        self.pdf.line(x, self.y, x + width, self.y)

    def fill(self, x: float, y: float, w: float, h: float, color: tuple[int, int, int]) -> None:
        self.pdf.set_fill_color(*color)
        self.pdf.rect(x, y, w, h, style="F")

    def heading(self, title: str, *, keep: float = 20.0, form: str = "") -> None:
        """A section heading: a shaded band with the title in capitals (and a form number at the right), kept
        with `keep` mm of what follows."""
        self.y += 3.0
        self.ensure(7.0 + keep)
        self.fill(MARGIN, self.y, WIDTH, 6.2, SHADE)
        self.font("B", 9.0, NAVY)
        self.text(MARGIN + 2.0, self.y + 4.3, title.upper())
        if form:
            self.font("", 8.0, NAVY)
            label = f"Form {form}"
            self.text(MARGIN + WIDTH - 2.0 - self.width(label), self.y + 4.3, label)
        self.y += 8.2

    def subheading(self, title: str, *, keep: float = 12.0) -> None:
        self.y += 1.0
        self.ensure(5.5 + keep)
        self.line_at(MARGIN, title, height=5.5, style="B", size=9.5, color=NAVY)


# --- tables -------------------------------------------------------------------------------------------------------


Cell = list[Run]
PAD = 1.6


def _cell_lines(layout: _Layout, cell: Cell, width: float) -> list[tuple[str, str, float]]:
    out: list[tuple[str, str, float]] = []
    for text, style, size in cell:
        layout.font(style, size)
        out += [(line, style, size) for line in layout.wrap(text, width - 2 * PAD)]
    return out


def _row_height(lines: list[list[tuple[str, str, float]]]) -> float:
    return max(sum(size * PT * 1.35 for _, _, size in cell) for cell in lines) + 2 * PAD


def _draw_row(layout: _Layout, x0: float, widths: Sequence[float], lines: list[list[tuple[str, str, float]]]) -> None:
    x = x0
    for width, cell in zip(widths, lines, strict=True):
        y = layout.y + PAD
        for text, style, size in cell:
            leading = size * PT * 1.35
            layout.font(style, size, INK if style != "I" else GREY)
            layout.text(x + PAD, y + leading * 0.74, text)
            y += leading
        x += width


def table(layout: _Layout, headings: Sequence[str], widths: Sequence[float], rows: Sequence[Sequence[Cell]]) -> None:
    """A table with a shaded heading row (repeated on a new page) and a rule under each row."""

    def heading_row() -> None:
        layout.fill(MARGIN, layout.y, WIDTH, 5.6, SHADE)
        x = MARGIN
        layout.font("B", 8.0, NAVY)
        for title, width in zip(headings, widths, strict=True):
            layout.text(x + PAD, layout.y + 3.9, title)
            x += width
        layout.y += 5.6

    laid = [[_cell_lines(layout, cell, w) for cell, w in zip(row, widths, strict=True)] for row in rows]
    layout.ensure(5.6 + (_row_height(laid[0]) if laid else 0))
    heading_row()
    for lines in laid:
        height = _row_height(lines)
        if layout.y + height > BOTTOM:
            layout.new_page()
            heading_row()
        _draw_row(layout, MARGIN, widths, lines)
        layout.y += height
        layout.rule()


# --- the document ----------------------------------------------------------------------------------------------


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
    layout: _Layout,
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


def _first_header(layout: _Layout, policy: PolicyVersion, issuer: dict[str, Any]) -> None:
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
    def draw(layout: _Layout) -> float:
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


def _footers(layout: _Layout, policy: PolicyVersion) -> None:
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


def _parties(layout: _Layout, policy: PolicyVersion, context: DocumentContext) -> None:
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


def _status(layout: _Layout, policy: PolicyVersion) -> None:
    """A banner when the policy no longer runs its whole period: cancelled (or to be) with its refund, lapsed."""
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
    else:
        return
    layout.y += 1.0
    layout.font("B", 9.0)
    lines = layout.wrap(text, WIDTH - 6)
    layout.fill(MARGIN, layout.y, WIDTH, 3.0 + 4.4 * len(lines), ALERT)
    layout.y += 1.5
    layout.paragraph(text, x=MARGIN + 3.0, width=WIDTH - 6, style="B", leading=4.4)
    layout.y += 2.5


def _schedule(layout: _Layout, policy: PolicyVersion, context: DocumentContext) -> None:
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


def _premium(layout: _Layout, policy: PolicyVersion, context: DocumentContext) -> None:
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


def _forms(layout: _Layout, policy: PolicyVersion, context: DocumentContext, issuer: dict[str, Any]) -> None:
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


def _signature(layout: _Layout, issuer: dict[str, Any], *, x: float, width: float) -> None:
    """The officer's signature over their name and title, under the attestation clause."""
    from insure.policies.wording import wording

    layout.paragraph(wording("common")["signature"], x=x, width=width, size=7.5, style="I", color=GREY)
    layout.pdf.image(str(SIGNATURE_PNG), x=x + 4.0, y=layout.y + 0.5, w=44.0, h=11.0)
    layout.y += 12.0
    layout.rule(color=INK, x=x, width=width)
    officer = issuer["officer"]
    layout.y += 0.5
    layout.line_at(x, f"{officer['name']}, {officer['title']}", height=4.2, size=8.5)


def _tags(layout: _Layout, policy: PolicyVersion, context: DocumentContext, web_address: str | None) -> None:
    from insure.policies.wording import word_item
    from insure.risk.policy_tags import items_with_ids, tag_id_for, tag_url

    if policy.status != "active":
        return
    layout.heading("Risk identification tags", keep=QR_SIZE_MM + 6.0)
    layout.paragraph(
        "Whoever finds a covered item, or sees it come to harm, can scan its code to tell us, and every other "
        "insurer registered on its tag, at once.",
        size=8.0,
    )
    layout.y += 1.0
    column = WIDTH / 2
    entries = list(items_with_ids(policy))
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
        layout.paragraph(f"Item {index + 1}: {word_item(policy, item, None).title}", x=text_x, width=width, style="B")
        layout.paragraph(f"Tag {tag_id}", x=text_x, width=width, size=8.5)
        layout.paragraph(url, x=text_x, width=width, size=7.5, color=GREY)
        layout.y = top
        if index % 2 == 1 or index == len(entries) - 1:
            layout.y = top + QR_SIZE_MM + 2.0


def _provisions(layout: _Layout, policy: PolicyVersion, context: DocumentContext) -> None:
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
    common = wording("common")
    layout.heading(common["title"], form=common["form"])
    for number, (title, text) in enumerate(general_conditions(context.minimum_premium, plan_of(policy)), start=1):
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
    layout = _Layout(pdf, _continuation_header(policy, issuer))
    pdf.add_page()
    _first_header(layout, policy, issuer)
    _parties(layout, policy, context)
    _status(layout, policy)
    _schedule(layout, policy, context)
    _premium(layout, policy, context)
    _forms(layout, policy, context, issuer)
    _tags(layout, policy, context, web_address)
    _provisions(layout, policy, context)
    _footers(layout, policy)
    return bytes(pdf.output())
